package io.troupe.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
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

    private final Path repo = Path.of(System.getProperty("troupe.repo", "..")).toAbsolutePath().normalize();
    private final List<Process> processes = new ArrayList<>();

    @TempDir
    Path tmp;

    @AfterEach
    void killEverything() throws InterruptedException {
        for (Process process : processes) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
        for (Process process : processes) {
            process.waitFor(20, TimeUnit.SECONDS);
        }
    }

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
        int port = TestNodes.freePort();
        int admin = TestNodes.freePort();
        Process worker = start("worker", List.of(repo.resolve("bin/cluster-node").toString(), "--conf", conf.toString(),
                "--roles", "worker", "--port", String.valueOf(port), "--admin", "127.0.0.1:" + admin));
        awaitUp(admin, worker, "worker");
        Path rules = Files.writeString(tmp.resolve("rules.json"), "{\"hooks\":[\n"
                + " {\"src_command\":\"id\",\"target_command\":\"booster-exec $SRC_CMD\"},\n"
                + " {\"src_command\":\"gcc\",\"target_command\":\"booster-exec $SRC_CMD\"}]}\n");

        // -wrapper makes gcc run the program it names around cc1 and as: the worker refuses, the booster runs it here
        Run run = booster("127.0.0.1:" + port, rules,
                "id -u > uid.txt && gcc -wrapper /bin/echo,WRAPPED -c -x c /dev/null -o x.o");
        assertEquals(0, run.exitCode, run.describe());
        String uid = Files.readString(tmp.resolve("uid.txt")).strip();
        assertTrue(uid.matches("\\d+"), run.describe());
        assertNotEquals("0", uid, "the worker ran the sub-work as root\n" + run.describe());
        assertTrue(run.stdout.contains("WRAPPED"), run.describe());
        assertTrue(run.stderr.contains("total 2, remote ok 1, local fallback 1, failed 0"), run.describe());
        assertTrue(run.stderr.contains("refused by the worker 1"), run.describe());

        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (Files.exists(stale) && System.nanoTime() < deadline) {
            Thread.sleep(100); // removed on a blocking thread at worker start
        }
        assertFalse(Files.exists(stale), "stale sandbox still there\n" + log("worker"));
        assertTrue(log("worker").contains("removed 1 stale sandbox(es) left in " + sandboxRoot), log("worker"));
        assertTrue(log("worker").contains("worker sandbox: sub-works run as"), log("worker"));
    }

    private record Run(int exitCode, String stdout, String stderr) {
        String describe() {
            return "exit " + exitCode + "\n--- stdout\n" + stdout + "\n--- stderr\n" + stderr;
        }
    }

    private Run booster(String cluster, Path rules, String command) throws Exception {
        List<String> argv = List.of(repo.resolve("bin/booster").toString(), "-bt", "echo", "-p", "sandbox", "--hook",
                "--hook_config", rules.toString(), "--cluster", cluster, "-a", command);
        String name = "booster-" + processes.size();
        ProcessBuilder builder = new ProcessBuilder(argv)
                .directory(tmp.toFile())
                .redirectOutput(tmp.resolve(name + ".out").toFile())
                .redirectError(tmp.resolve(name + ".err").toFile());
        // this test is about what the worker runs: the command waits for the worker instead of starting at once
        builder.environment().put("TROUPE_BOOSTER_JAVA_OPTS", "-Dtroupe.booster.worker-discovery-timeout=15s");
        Process process = builder.start();
        processes.add(process);
        if (!process.waitFor(BOOSTER_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            fail("booster did not finish within " + BOOSTER_TIMEOUT_SECONDS + " s: " + argv);
        }
        return new Run(process.exitValue(), read(tmp.resolve(name + ".out")), read(tmp.resolve(name + ".err")));
    }

    private Process start(String name, List<String> command) throws IOException {
        Process process = new ProcessBuilder(command)
                .directory(tmp.toFile())
                .redirectErrorStream(true)
                .redirectOutput(tmp.resolve(name + ".log").toFile())
                .start();
        processes.add(process);
        return process;
    }

    /** Waits until the node's admin API lists it Up, alone. */
    private void awaitUp(int adminPort, Process node, String name) throws Exception {
        long deadline = System.nanoTime() + NODE_START.toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            if (!node.isAlive()) {
                fail(name + " exited with " + node.exitValue() + ":\n" + log(name));
            }
            try {
                HttpResponse<String> response = TestNodes.HTTP.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/cluster/members"))
                                .timeout(Duration.ofSeconds(5)).build(),
                        HttpResponse.BodyHandlers.ofString());
                last = response.statusCode() + " " + response.body();
                if (response.body().contains("\"Up\"")) {
                    return;
                }
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(250);
        }
        fail(name + " never came Up; last /cluster/members: " + last + "\n" + log(name));
    }

    private String log(String name) {
        return read(tmp.resolve(name + ".log"));
    }

    private static String read(Path path) {
        try {
            return Files.exists(path) ? Files.readString(path, StandardCharsets.UTF_8) : "(no " + path + ")";
        } catch (IOException e) {
            return "(cannot read " + path + ": " + e + ")";
        }
    }
}
