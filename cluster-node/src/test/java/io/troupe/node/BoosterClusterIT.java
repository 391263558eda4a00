package io.troupe.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
 * The first "Must show", with real processes: two {@code bin/cluster-node} processes on loopback (a
 * seed without roles, a worker), and {@code bin/booster} running the example cat plugin against them —
 * remotely, then with the worker killed (local retry), then with the worker killed and {@code --no_local}.
 * Runs in {@code mvn verify} after {@code package} built the distribution the launchers use.
 */
@Tag("process")
class BoosterClusterIT {
    private static final Duration NODE_START = Duration.ofSeconds(60);
    private static final long BOOSTER_TIMEOUT_SECONDS = 120;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path repo = Path.of(System.getProperty("troupe.repo", "..")).toAbsolutePath().normalize();
    private final Path pluginJar = Path.of(System.getProperty("troupe.catPluginJar",
            repo.resolve("docs/examples/cat-plugin/target/cat-plugin-0.1.0-SNAPSHOT.jar").toString()));
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
    void catRunsOnTheWorkerThenFallsBackLocallyWhenTheWorkerIsKilled() throws Exception {
        assertTrue(Files.isRegularFile(pluginJar), "example plugin not built: " + pluginJar);
        int[] ports = {TestNodes.freePort(), TestNodes.freePort(), TestNodes.freePort(), TestNodes.freePort()};
        // Keep-majority breaks a 1:1 tie in favour of the lowest address: the seed must keep running
        // after the worker is killed, so it gets the lower cluster port.
        int seedPort = Math.min(ports[0], ports[1]);
        int workerPort = Math.max(ports[0], ports[1]);
        int seedAdmin = ports[2];
        int workerAdmin = ports[3];

        Process seed = start("seed", List.of(repo.resolve("bin/cluster-node").toString(),
                "--roles", "", "--port", String.valueOf(seedPort), "--admin", "127.0.0.1:" + seedAdmin));
        Process worker = start("worker", List.of(repo.resolve("bin/cluster-node").toString(),
                "--roles", "worker", "--port", String.valueOf(workerPort), "--admin", "127.0.0.1:" + workerAdmin,
                "--seed", "127.0.0.1:" + seedPort));
        JsonNode members = awaitUpMembers(seedAdmin, 2, seed, worker);
        assertTrue(members.toString().contains("\"roles\":[\"worker\"]"), members.toString());

        String content = "read on a Troupe worker " + System.nanoTime() + "\nsecond line\n";
        Path file = tmp.resolve("hello.txt");
        Files.writeString(file, content);
        String cluster = "127.0.0.1:" + seedPort;

        Run remote = booster(cluster, file, false);
        assertEquals(0, remote.exitCode, remote.describe());
        assertTrue(remote.stdout.contains(content), remote.describe());
        assertTrue(remote.stderr.contains("total 1, remote ok 1, local fallback 0, failed 0, workers used 1"),
                remote.describe());

        worker.destroyForcibly();
        assertTrue(worker.waitFor(20, TimeUnit.SECONDS), "worker did not die");
        assertEquals(137, worker.exitValue(), "the worker was killed with SIGKILL");
        // The Split Brain Resolver (keep-majority; a 1:1 tie keeps the lowest address, the seed) downs the
        // dead worker after stable-after; until then a joining booster cannot become Up.
        JsonNode remaining = awaitMembers(seedAdmin, 1, Duration.ofSeconds(90), seed);
        assertEquals("pekko://troupe@127.0.0.1:" + seedPort, remaining.get(0).get("address").asText());

        Run fallback = booster(cluster, file, false);
        assertEquals(0, fallback.exitCode, fallback.describe());
        assertTrue(fallback.stdout.contains(content), fallback.describe());
        assertTrue(fallback.stderr.contains("remote ok 0, local fallback 1, failed 0"), fallback.describe());

        Run noLocal = booster(cluster, file, true);
        assertNotEquals(0, noLocal.exitCode, noLocal.describe());
        assertTrue(noLocal.stderr.contains("--no_local"), noLocal.describe());
        assertTrue(!noLocal.stdout.contains(content), "with --no_local and no worker the file must not be printed\n"
                + noLocal.describe());

        assertTrue(seed.isAlive(), "the seed node must survive the worker's death:\n" + log("seed"));
    }

    private record Run(int exitCode, String stdout, String stderr) {
        String describe() {
            return "exit " + exitCode + "\n--- stdout\n" + stdout + "\n--- stderr\n" + stderr;
        }
    }

    private Run booster(String cluster, Path file, boolean noLocal) throws Exception {
        List<String> command = new ArrayList<>(List.of(repo.resolve("bin/booster").toString(),
                "-bt", "custom", "-p", "demo", "--hook",
                "--hook_config", repo.resolve("docs/examples/cat-plugin/bk_custom_example_rules.json").toString(),
                "--cluster", cluster));
        if (noLocal) {
            command.add("--no_local");
        }
        command.addAll(List.of("-a", "cat " + file));
        String name = "booster-" + processes.size();
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(tmp.toFile())
                .redirectOutput(tmp.resolve(name + ".out").toFile())
                .redirectError(tmp.resolve(name + ".err").toFile());
        // hold the command until the worker is known (the default starts it at once and runs the one sub-work
        // locally while the booster still joins): this test is about the remote run
        builder.environment().put("TROUPE_BOOSTER_JAVA_OPTS", "-Dtroupe.booster.worker-discovery-timeout=15s");
        builder.environment().put("TROUPE_CUSTOM_SETTINGS",
                "{\"type\":1,\"path\":\"" + pluginJar.toString().replace("\\", "\\\\") + "\"}");
        Process process = builder.start();
        processes.add(process);
        if (!process.waitFor(BOOSTER_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            fail("booster did not finish within " + BOOSTER_TIMEOUT_SECONDS + " s: " + command + "\n"
                    + new Run(-1, read(tmp.resolve(name + ".out")), read(tmp.resolve(name + ".err"))).describe());
        }
        return new Run(process.exitValue(), read(tmp.resolve(name + ".out")), read(tmp.resolve(name + ".err")));
    }

    private Process start(String name, List<String> command) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(tmp.toFile())
                .redirectErrorStream(true)
                .redirectOutput(tmp.resolve(name + ".log").toFile());
        // one host plays client and worker: the remote cat reads the test's own file, which the worker sandbox
        // (another user, bubblewrap; docs/security.md) would hide
        builder.environment().put("TROUPE_NODE_JAVA_OPTS", "-Dtroupe.worker.sandbox.user=root"
                + " -Dtroupe.worker.sandbox.allow-root=true -Dtroupe.worker.sandbox.bubblewrap=off");
        Process process = builder.start();
        processes.add(process);
        return process;
    }

    private JsonNode awaitUpMembers(int adminPort, int count, Process... nodes) throws Exception {
        return awaitMembers(adminPort, count, NODE_START, nodes);
    }

    /** Waits until the node on {@code adminPort} lists exactly {@code count} members, all Up. */
    private JsonNode awaitMembers(int adminPort, int count, Duration timeout, Process... nodes) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            for (Process node : nodes) {
                if (!node.isAlive()) {
                    fail("a cluster-node exited with " + node.exitValue() + ":\n--- seed\n" + log("seed")
                            + "\n--- worker\n" + log("worker"));
                }
            }
            try {
                HttpResponse<String> response = TestNodes.HTTP.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/cluster/members"))
                                .timeout(Duration.ofSeconds(5)).build(),
                        HttpResponse.BodyHandlers.ofString());
                last = response.statusCode() + " " + response.body();
                JsonNode members = JSON.readTree(response.body());
                long up = 0;
                for (JsonNode member : members) {
                    up += "Up".equals(member.get("status").asText()) ? 1 : 0;
                }
                if (up == count && members.size() == count) {
                    return members;
                }
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(250);
        }
        fail("cluster never had exactly " + count + " members, all Up; last /cluster/members: " + last
                + "\n--- seed\n" + log("seed") + "\n--- worker\n" + log("worker"));
        return null;
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
