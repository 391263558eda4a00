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
 * worker starts again on the same sandbox root.
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
        Path conf = Files.createDirectories(tmp.resolve("conf"));
        Files.writeString(conf.resolve("cluster-node.conf"), "troupe.worker {\n  allowlist = [id, gcc]\n"
                + "  sandbox-root = \"" + sandboxRoot + "\"\n}\n");
        int port = TestNodes.freePort();
        int admin = TestNodes.freePort();
        List<String> node = List.of(repo.resolve("bin/cluster-node").toString(), "--conf", conf.toString(),
                "--roles", "worker", "--port", String.valueOf(port), "--admin", "127.0.0.1:" + admin);
        Process worker = start("worker", node);
        awaitUp(admin, worker, "worker");
        Path rules = Files.writeString(tmp.resolve("rules.json"), "{\"hooks\":[\n"
                + " {\"src_command\":\"id\",\"target_command\":\"booster-exec $SRC_CMD\"},\n"
                + " {\"src_command\":\"gcc\",\"target_command\":\"booster-exec $SRC_CMD\"}]}\n");
        String cluster = "127.0.0.1:" + port;

        Run id = booster(cluster, rules, "id -u");
        assertEquals(0, id.exitCode, id.describe());
        assertTrue(id.stderr.contains("remote ok 1, local fallback 0, failed 0"), id.describe());
        String uid = id.stdout.strip();
        assertTrue(uid.matches("\\d+"), id.describe());
        assertNotEquals("0", uid, "the worker ran the sub-work as root\n" + id.describe());

        // -wrapper makes gcc run the program it names around cc1 and as: the worker refuses, the booster runs it here
        Run wrapper = booster(cluster, rules, "gcc -wrapper /bin/echo,WRAPPED -c -x c /dev/null -o x.o");
        assertEquals(0, wrapper.exitCode, wrapper.describe());
        assertTrue(wrapper.stdout.contains("WRAPPED"), wrapper.describe());
        assertTrue(wrapper.stderr.contains("remote ok 0, local fallback 1"), wrapper.describe());
        assertTrue(wrapper.stderr.contains("refused by the worker 1"), wrapper.describe());

        // a worker killed with sandboxes on disk: the next worker on that root removes them at start
        long started = worker.info().startInstant().map(java.time.Instant::toEpochMilli).orElse(1L);
        worker.destroyForcibly();
        assertTrue(worker.waitFor(20, TimeUnit.SECONDS), "worker did not die");
        Path stale = Files.createDirectories(sandboxRoot.resolve("execution-7-" + worker.pid() + "p" + started + "-5")
                .resolve("work"));
        Files.writeString(stale.resolve("half.o"), "left by the killed worker");
        Process again = start("worker-again", node);
        awaitUp(admin, again, "worker-again");
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (Files.exists(stale.getParent()) && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertFalse(Files.exists(stale.getParent()), "stale sandbox still there\n" + log("worker-again"));
        assertTrue(log("worker-again").contains("removed 1 stale sandbox(es) left in " + sandboxRoot),
                log("worker-again"));
        assertTrue(log("worker-again").contains("worker sandbox: sub-works run as"), log("worker-again"));
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
        Process process = new ProcessBuilder(argv)
                .directory(tmp.toFile())
                .redirectOutput(tmp.resolve(name + ".out").toFile())
                .redirectError(tmp.resolve(name + ".err").toFile())
                .start();
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
