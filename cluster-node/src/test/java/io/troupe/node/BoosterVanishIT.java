package io.troupe.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10, point 3: a booster that vanishes never downs a worker, and its sub-works are killed on the worker
 * within 10 s. A real {@code bin/cluster-node} worker and a real {@code bin/booster} whose hooked {@code sleep}
 * runs on the worker; the booster is killed with SIGKILL. The worker stops the sub-work once the booster has
 * been unreachable for {@code troupe.worker.requester-unreachable-grace} (its default), long before the split-brain resolver
 * removes it (stable-after 12 s here), and the worker stays Up, alone, after the removal.
 */
@Tag("process")
class BoosterVanishIT {
    private static final Duration NODE_START = Duration.ofSeconds(60);
    /** the sub-work's command line, unique enough to find its process among the worker's */
    private static final String SLEEP = "sleep 4711";

    @TempDir
    Path tmp;
    @RegisterExtension
    final ProcessNodes nodes = new ProcessNodes(() -> tmp);

    @Test
    void aKilledBoostersSubWorkIsKilledOnTheWorkerWithinTenSecondsAndTheWorkerStays() throws Exception {
        Path conf = Files.createDirectories(tmp.resolve("conf"));
        Files.writeString(conf.resolve("cluster-node.conf"), "troupe.worker {\n  allowlist = [sleep]\n"
                + "  sandbox-root = \"" + tmp.resolve("sandboxes") + "\"\n}\n"
                // shorter than the default 20 s to keep the test short, still past the 10 s the kill must take
                + "pekko.cluster.split-brain-resolver.stable-after = 12s\n");
        ProcessNodes.Node node = nodes.node("worker").conf(conf).start();
        Process worker = node.process();
        nodes.awaitMembers(node, 1, NODE_START, node);

        Path rules = Files.writeString(tmp.resolve("rules.json"),
                "{\"hooks\":[{\"src_command\":\"sleep\",\"target_command\":\"booster-exec $SRC_CMD\"}]}\n");
        // the command waits for the worker: the sleep must run there, not locally while the booster joins
        Process booster = nodes.start("booster", List.of(ProcessNodes.REPO.resolve("bin/booster").toString(), "-bt",
                "echo", "-p", "vanish", "--hook", "--hook_config", rules.toString(), "--cluster", node.seed(),
                "--no_controller", "-a", SLEEP + " && echo slept"),
                Map.of("TROUPE_BOOSTER_JAVA_OPTS", "-Dtroupe.booster.worker-discovery-timeout=15s"));

        nodes.await("the hooked sleep on the worker (or the booster's or the worker's exit)", Duration.ofSeconds(90),
                () -> subWork(worker).isPresent() || !booster.isAlive() || !worker.isAlive());
        ProcessHandle subWork = subWork(worker).orElseThrow(() -> new AssertionError(
                "the hooked sleep never ran on the worker\n--- booster stderr\n"
                        + ProcessNodes.read(nodes.err("booster")) + nodes.logs()));
        // the booster's own children (the work command, booster-exec) outlive it: collected now for the clean-up
        booster.descendants().forEach(nodes::track);
        long killed = System.nanoTime();
        booster.destroyForcibly();
        assertTrue(booster.waitFor(20, TimeUnit.SECONDS), "booster did not die");
        assertEquals(137, booster.exitValue(), "the booster was killed with SIGKILL");

        long remaining = Math.max(0, killed + Duration.ofSeconds(10).toNanos() - System.nanoTime());
        TestNodes.await("the sub-work (pid " + subWork.pid() + ") on the worker to end within 10 s of the booster's"
                + " SIGKILL", Duration.ofNanos(remaining), () -> !subWork.isAlive(),
                () -> "\n--- worker\n" + nodes.log("worker"));
        long took = (System.nanoTime() - killed) / 1_000_000;
        System.out.println("[BoosterVanishIT] the sub-work ended " + took + " ms after the booster's SIGKILL");
        assertTrue(subWork(worker).isEmpty(),
                "a sleep is left under the worker\n" + nodes.log("worker"));
        // killed for the grace, not for the removal (which comes after stable-after)
        assertTrue(nodes.log("worker").contains("requester-unreachable-grace"), nodes.log("worker"));

        // the split-brain resolver counts role "node" only: it downs the booster, never the worker
        JsonNode members = nodes.awaitMembers(node, 1, Duration.ofSeconds(60), node);
        assertEquals("pekko://troupe@" + node.seed(), members.get(0).get("address").asText(), members.toString());
        assertTrue(worker.isAlive(), "the worker must survive the booster's death\n" + nodes.log("worker"));
    }

    /** The worker's process running the hooked sleep, if it is there. */
    private static Optional<ProcessHandle> subWork(Process worker) {
        return worker.descendants().filter(p -> commandLine(p).endsWith(SLEEP)).findFirst();
    }

    /** The command line from /proc (ProcessHandle.Info may hide another user's). */
    private static String commandLine(ProcessHandle process) {
        try {
            byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(process.pid()), "cmdline"));
            return new String(raw, StandardCharsets.UTF_8).replace('\0', ' ').strip();
        } catch (IOException e) {
            return "";
        }
    }
}
