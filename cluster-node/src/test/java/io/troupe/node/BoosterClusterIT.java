package io.troupe.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
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
    private final Path repo = ProcessNodes.REPO;
    private final Path pluginJar = ProcessNodes.CAT_PLUGIN_JAR;

    @TempDir
    Path tmp;
    @RegisterExtension
    final ProcessNodes nodes = new ProcessNodes(() -> tmp);
    private int boosters;

    @Test
    void catRunsOnTheWorkerThenFallsBackLocallyWhenTheWorkerIsKilled() throws Exception {
        assertTrue(Files.isRegularFile(pluginJar), "example plugin not built: " + pluginJar);
        int[] ports = {TestNodes.freePort(), TestNodes.freePort()};
        // Keep-majority breaks a 1:1 tie in favour of the lowest address: the seed must keep running
        // after the worker is killed, so it gets the lower cluster port.
        int seedPort = Math.min(ports[0], ports[1]);
        int workerPort = Math.max(ports[0], ports[1]);

        ProcessNodes.Node seed = node("seed", "", seedPort, List.of());
        ProcessNodes.Node worker = node("worker", "worker", workerPort, List.of(seed.seed()));
        JsonNode members = nodes.awaitMembers(seed, 2, NODE_START, seed, worker);
        assertTrue(members.toString().contains("\"roles\":[\"worker\"]"), members.toString());

        String content = "read on a Troupe worker " + System.nanoTime() + "\nsecond line\n";
        Path file = tmp.resolve("hello.txt");
        Files.writeString(file, content);
        String cluster = seed.seed();

        Run remote = booster(cluster, file, false);
        assertEquals(0, remote.exitCode, remote.describe());
        assertTrue(remote.stdout.contains(content), remote.describe());
        assertTrue(remote.stderr.contains("total 1, remote ok 1, local fallback 0, failed 0, workers used 1"),
                remote.describe());

        worker.process().destroyForcibly();
        assertTrue(worker.process().waitFor(20, TimeUnit.SECONDS), "worker did not die");
        assertEquals(137, worker.process().exitValue(), "the worker was killed with SIGKILL");
        // The Split Brain Resolver (keep-majority; a 1:1 tie keeps the lowest address, the seed) downs the
        // dead worker after stable-after; until then a joining booster cannot become Up.
        JsonNode remaining = nodes.awaitMembers(seed, 1, Duration.ofSeconds(90), seed);
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

        assertTrue(seed.process().isAlive(), "the seed node must survive the worker's death:\n" + nodes.log("seed"));
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
                "--cluster", cluster, "--no_controller")); // this booster's own JVM: it is what gets killed
        if (noLocal) {
            command.add("--no_local");
        }
        command.addAll(List.of("-a", "cat " + file));
        String name = "booster-" + boosters++;
        // hold the command until the worker is known (the default starts it at once and runs the one sub-work
        // locally while the booster still joins): this test is about the remote run
        String plugin = "{\"type\":1,\"path\":\"" + pluginJar.toString().replace("\\", "\\\\") + "\"}";
        Process process = nodes.start(name, command, Map.of(
                "TROUPE_BOOSTER_JAVA_OPTS", "-Dtroupe.booster.worker-discovery-timeout=15s",
                "TROUPE_CUSTOM_SETTINGS", plugin));
        int exit = ProcessNodes.awaitExit(process, Duration.ofSeconds(BOOSTER_TIMEOUT_SECONDS), "booster " + command,
                () -> "\n" + run(-1, name).describe());
        return run(exit, name);
    }

    private Run run(int exit, String name) {
        return new Run(exit, ProcessNodes.read(nodes.out(name)), ProcessNodes.read(nodes.err(name)));
    }

    private ProcessNodes.Node node(String name, String roles, int port, List<String> seeds) throws IOException {
        // one host plays client and worker: the remote cat reads the test's own file, which the worker sandbox
        // (another user, bubblewrap; docs/security.md) would hide
        return nodes.node(name).roles(roles).port(port).seeds(seeds).env("TROUPE_NODE_JAVA_OPTS",
                "-Dtroupe.worker.sandbox.user=root -Dtroupe.worker.sandbox.allow-root=true"
                        + " -Dtroupe.worker.sandbox.bubblewrap=off").start();
    }
}
