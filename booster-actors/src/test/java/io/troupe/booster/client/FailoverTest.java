package io.troupe.booster.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.troupe.booster.TestClusters;
import io.troupe.booster.handler.EchoHandler;
import io.troupe.booster.testutil.Proc;
import io.troupe.booster.testutil.StderrCapture;
import io.troupe.booster.worker.SubWorkExecutor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker that stops answering in the middle of a sub-work (its actor system ends without leaving the
 * cluster, as after kill -9): the sub-work is re-sent to the other worker as soon as the node is
 * unreachable, long before the split-brain resolver downs it.
 */
@Tag("multinode")
class FailoverTest {

    private static final String SBR = String.join("\n",
            "pekko.cluster.downing-provider-class = \"io.troupe.booster.downing.NodeMajorityDowningProvider\"",
            "pekko.cluster.split-brain-resolver.active-strategy = keep-majority",
            "pekko.coordinated-shutdown.phases.cluster-exiting.timeout = 2s");
    /** the remote command: long enough to be caught running, short enough for a fast test */
    private static final double SLEEP_SECONDS = 3;

    @TempDir
    Path tmp;

    private ActorTestKit seed;
    private ActorTestKit first;
    private ActorTestKit second;
    private final StderrCapture stderr = new StderrCapture();

    @BeforeEach
    void start() {
        Proc.useGivenNativeBoosterExec();
        stderr.start();
        seed = ActorTestKit.create("troupe", TestClusters.node("proxy", tmp.resolve("s"), List.of(), SBR));
        // workers that stop without leaving the cluster
        String noLeave = SBR + "\npekko.coordinated-shutdown.run-by-actor-system-terminate = off";
        first = ActorTestKit.create("troupe", TestClusters.node("worker", tmp.resolve("w1"), List.of("sleep"), noLeave));
        second = ActorTestKit.create("troupe", TestClusters.node("worker", tmp.resolve("w2"), List.of("sleep"), noLeave));
        first.spawn(SubWorkExecutor.create(), "worker");
        second.spawn(SubWorkExecutor.create(), "worker");
        var seedAddress = Cluster.get(seed.system()).selfMember().address();
        for (ActorTestKit node : List.of(seed, first, second)) {
            Cluster.get(node.system()).manager().tell(Join.create(seedAddress));
        }
        TestClusters.awaitWorkers(seed, 2, Duration.ofSeconds(20));
    }

    @AfterEach
    void stop() {
        stderr.stop();
        for (ActorTestKit node : List.of(first, second)) {
            if (!node.system().whenTerminated().isCompleted()) {
                node.shutdownTestKit();
            }
        }
        seed.shutdownTestKit();
    }

    @Test
    void anUnreachableWorkersSubWorkIsResentAtOnce() throws Exception {
        Path rules = Files.writeString(tmp.resolve("rules.json"),
                "{\"hooks\":[{\"src_command\":\"sleep\",\"target_command\":\"booster-exec $SRC_CMD\"}]}");
        Path stats = tmp.resolve("stats.json");
        String seedPort = Integer.toString(Cluster.get(seed.system()).selfMember().address().getPort().get());
        WorkSettings settings = new WorkSettings("echo", "demo", "failover",
                "sleep " + SLEEP_SECONDS + " && echo slept > out.txt", true, rules, false, true, 1, 2, 0, 60,
                List.of("127.0.0.1:" + seedPort), tmp, withCache(new HashMap<>(System.getenv())), stats);
        Config config = ConfigFactory.parseString("troupe.booster.join-timeout = 30s\n"
                + "troupe.booster.worker-discovery-timeout = 10s\n" + SBR).withFallback(ConfigFactory.load());
        CompletableFuture<Integer> work = CompletableFuture.supplyAsync(() -> {
            try {
                return BoosterRun.run(settings, new EchoHandler(), config);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });

        // whichever worker took the sub-work is the one that goes silent
        ActorTestKit running = awaitRunningOn(Duration.ofSeconds(30));
        long killedAt = System.nanoTime();
        running.system().terminate();
        ActorTestKit other = running == first ? second : first;

        assertEquals(0, work.get(60, TimeUnit.SECONDS), stderr.text());
        double afterKill = (System.nanoTime() - killedAt) / 1e9;
        assertEquals("slept\n", Files.readString(tmp.resolve("out.txt")));
        JsonNode sub = new ObjectMapper().readTree(stats.toFile()).at("/sub_works/0");
        assertEquals("remote", sub.at("/route").asText(), sub.toString());
        assertEquals(2, sub.at("/attempts").asInt(), sub.toString());
        assertEquals(other.system().address().toString(), sub.at("/worker").asText(), sub.toString());
        // unreachable after the failure detector's few seconds, then a full re-run; downing alone takes 20 s+
        assertTrue(afterKill < 5 + SLEEP_SECONDS + 4, "ended " + afterKill + " s after the kill; " + stderr.text());
    }

    private ActorTestKit awaitRunningOn(Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (System.nanoTime() < deadline) {
            for (ActorTestKit node : List.of(first, second)) {
                Path root = tmp.resolve(node == first ? "w1" : "w2");
                if (Files.isDirectory(root) && hasExecution(root)) {
                    return node;
                }
            }
            Thread.sleep(20); // polling with a deadline: the sandbox directory is the only outside sign
        }
        throw new AssertionError("the sub-work never started on a worker: " + stderr.text());
    }

    private static boolean hasExecution(Path root) {
        try (var entries = Files.list(root)) {
            return entries.anyMatch(p -> p.getFileName().toString().startsWith("execution-"));
        } catch (java.io.IOException e) {
            return false;
        }
    }

    /** {@code env} with the stable shim directory under this test's temp dir, not in the user's ~/.cache. */
    private Map<String, String> withCache(Map<String, String> env) {
        env.put("XDG_CACHE_HOME", tmp.resolve("cache").toString());
        return env;
    }
}
