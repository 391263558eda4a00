package io.troupe.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sandbox "Must show" with real processes (docs/security.md): a {@code bin/cluster-node} worker started
 * as whoever runs the build (root in CI), and {@code bin/booster -bt echo} whose hooked {@code id -u} prints a
 * non-zero uid from the worker; a hooked {@code gcc -wrapper ...} is refused by the worker and runs locally,
 * counted as "refused by the worker", never "remote ok"; a sandbox left by a killed worker is gone once a
 * worker starts on the same sandbox root.
 */
@Tag("process")
class SandboxProcessIT {
    private static final Duration NODE_START = Duration.ofSeconds(60);
    private static final long BOOSTER_TIMEOUT_SECONDS = 120;

    @TempDir
    Path tmp;
    @RegisterExtension
    final ProcessNodes nodes = new ProcessNodes(() -> tmp);

    @Test
    void subWorksRunUnprivilegedCompilerTricksAreRefusedAndStaleSandboxesGo() throws Exception {
        Path sandboxRoot = tmp.resolve("sandboxes");
        // a sandbox left on disk by a worker that was killed: the next worker on that root removes it at start
        Process killed = new ProcessBuilder("sleep", "60").start();
        long killedStart = killed.info().startInstant().orElseThrow().toEpochMilli();
        killed.destroyForcibly();
        assertTrue(killed.waitFor(20, TimeUnit.SECONDS));
        Path stale = Files.createDirectories(sandboxRoot.resolve("execution-7-" + killed.pid() + "p" + killedStart + "-5"));
        Files.writeString(stale.resolve("half.o"), "left by the killed worker");

        Path conf = Files.createDirectories(tmp.resolve("conf"));
        Files.writeString(conf.resolve("cluster-node.conf"), "troupe.worker {\n  allowlist = [id, gcc]\n"
                + "  sandbox-root = \"" + sandboxRoot + "\"\n}\n");
        ProcessNodes.Node worker = nodes.node("worker").conf(conf).start();
        nodes.awaitMembers(worker, 1, NODE_START, worker);
        Path rules = Files.writeString(tmp.resolve("rules.json"), "{\"hooks\":[\n"
                + " {\"src_command\":\"id\",\"target_command\":\"booster-exec $SRC_CMD\"},\n"
                + " {\"src_command\":\"gcc\",\"target_command\":\"booster-exec $SRC_CMD\"}]}\n");

        // -wrapper makes gcc run the program it names around cc1 and as: the worker refuses, the booster runs it here
        Run run = booster(worker.seed(), rules,
                "id -u > uid.txt && gcc -wrapper /bin/echo,WRAPPED -c -x c /dev/null -o x.o");
        assertEquals(0, run.exitCode, run.describe());
        String uid = Files.readString(tmp.resolve("uid.txt")).strip();
        assertTrue(uid.matches("\\d+"), run.describe());
        assertNotEquals("0", uid, "the worker ran the sub-work as root\n" + run.describe());
        assertTrue(run.stdout.contains("WRAPPED"), run.describe());
        assertTrue(run.stderr.contains("total 2, remote ok 1, local fallback 1, failed 0"), run.describe());
        assertTrue(run.stderr.contains("refused by the worker 1"), run.describe());

        // removed on a blocking thread at worker start
        nodes.await("the stale sandbox " + stale + " removed", Duration.ofSeconds(20), () -> !Files.exists(stale));
        String log = nodes.log("worker");
        assertTrue(log.contains("removed 1 stale sandbox(es) left in " + sandboxRoot), log);
        assertTrue(log.contains("worker sandbox: sub-works run as"), log);
    }

    private record Run(int exitCode, String stdout, String stderr) {
        String describe() {
            return "exit " + exitCode + "\n--- stdout\n" + stdout + "\n--- stderr\n" + stderr;
        }
    }

    private Run booster(String cluster, Path rules, String command) throws Exception {
        List<String> argv = List.of(ProcessNodes.REPO.resolve("bin/booster").toString(), "-bt", "echo", "-p",
                "sandbox", "--hook", "--hook_config", rules.toString(), "--cluster", cluster, "--no_controller", "-a", command);
        // this test is about what the worker runs: the command waits for the worker instead of starting at once
        Process process = nodes.start("booster", argv,
                Map.of("TROUPE_BOOSTER_JAVA_OPTS", "-Dtroupe.booster.worker-discovery-timeout=15s"));
        int exit = ProcessNodes.awaitExit(process, Duration.ofSeconds(BOOSTER_TIMEOUT_SECONDS), "booster " + argv,
                () -> "");
        return new Run(exit, ProcessNodes.read(nodes.out("booster")), ProcessNodes.read(nodes.err("booster")));
    }
}
