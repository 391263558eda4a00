package io.troupe.booster.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** BoosterRun joining a running cluster: remote run on its worker; local retry when the worker is gone. */
@Tag("multinode")
class BoosterClusterTest {

    private static final String SBR = String.join("\n",
            "pekko.cluster.downing-provider-class = \"io.troupe.booster.downing.NodeMajorityDowningProvider\"",
            "pekko.cluster.split-brain-resolver.active-strategy = keep-majority",
            // joining next to an unreachable member: WeaklyUp sooner than the default 7 s
            "pekko.cluster.allow-weakly-up-members = 2s",
            "pekko.coordinated-shutdown.phases.cluster-exiting.timeout = 2s");

    @TempDir
    Path tmp;

    private ActorTestKit seed;
    private ActorTestKit worker;
    private org.apache.pekko.actor.typed.ActorRef<SubWorkExecutor.Command> executor;
    private final StderrCapture stderr = new StderrCapture();

    @BeforeEach
    void start(org.junit.jupiter.api.TestInfo test) {
        boolean killable = test.getTestMethod().orElseThrow().getName().contains("Killed");
        Proc.useGivenNativeBoosterExec();
        stderr.start();
        seed = ActorTestKit.create("troupe", TestClusters.node("proxy", tmp.resolve("s"), List.of(), SBR));
        // a worker that stops without leaving the cluster, as after kill -9
        worker = ActorTestKit.create("troupe", TestClusters.node("worker", tmp.resolve("w"), List.of("cat"),
                SBR + "\n" + TestClusters.HOST_FILES
                        + (killable ? "\npekko.coordinated-shutdown.run-by-actor-system-terminate = off" : "")));
        executor = worker.spawn(SubWorkExecutor.create(), "worker");
        var seedAddress = Cluster.get(seed.system()).selfMember().address();
        Cluster.get(seed.system()).manager().tell(Join.create(seedAddress));
        Cluster.get(worker.system()).manager().tell(Join.create(seedAddress));
        TestClusters.awaitWorkers(seed, 1, Duration.ofSeconds(20));
    }

    @AfterEach
    void stop() {
        stderr.stop();
        if (!worker.system().whenTerminated().isCompleted()) {
            worker.shutdownTestKit();
        }
        seed.shutdownTestKit();
    }

    private int runCat(boolean noLocal) throws Exception {
        Path file = Files.writeString(tmp.resolve("resolv.txt"), "search example\n");
        Path rules = Files.writeString(tmp.resolve("rules.json"),
                "{\"hooks\":[{\"src_command\":\"cat\",\"target_command\":\"booster-exec $SRC_CMD\"}]}");
        String seedPort = Integer.toString(Cluster.get(seed.system()).selfMember().address().getPort().get());
        WorkSettings settings = new WorkSettings("echo", "demo", "cluster-" + noLocal, "cat " + file + " > out.txt 2> err.txt",
                true, rules, false, noLocal, 0, 2, 0, 30, List.of("127.0.0.1:" + seedPort), tmp,
                withCache(new HashMap<>(System.getenv())), null);
        Config config = ConfigFactory.parseString("troupe.booster.join-timeout = 30s\n"
                        + "troupe.booster.worker-discovery-timeout = 2s\n" + SBR)
                .withFallback(ConfigFactory.load());
        return BoosterRun.run(settings, new EchoHandler(), config);
    }

    private String err() {
        return stderr.text();
    }

    @Test
    void joinsTheClusterAndRunsOnItsWorker() throws Exception {
        assertEquals(0, runCat(false), err());
        assertEquals("search example\n", Files.readString(tmp.resolve("out.txt")));
        assertTrue(err().contains("[booster] total 1, remote ok 1, local fallback 0, failed 0, workers used 1"), err());
    }

    @Test
    void aKilledWorkerMeansLocalRetryOrAClearFailureUnderNoLocal() throws Exception {
        worker.system().terminate(); // no leave: the worker becomes unreachable
        worker.system().getWhenTerminated().toCompletableFuture().get();
        assertEquals(0, runCat(false), err());
        assertEquals("search example\n", Files.readString(tmp.resolve("out.txt")));
        assertTrue(err().contains("[booster] total 1, remote ok 0, local fallback 1, failed 0, workers used 0"), err());

        Files.delete(tmp.resolve("out.txt"));
        assertEquals(1, runCat(true), "the work command's exit code: cat failed");
        // what the hooked cat printed to its stderr; the cluster's Receptionist leaves out workers on
        // unreachable members, so the booster finds none
        assertEquals("[booster] sub-work 'cat " + tmp.resolve("resolv.txt") + "' could not run remotely: "
                + "no workers registered in the cluster; not retried locally because of --no_local\n",
                Files.readString(tmp.resolve("err.txt")));
        assertTrue(err().contains("[booster] total 1, remote ok 0, local fallback 0, failed 1, workers used 0"), err());
        assertEquals("", Files.readString(tmp.resolve("out.txt")));
    }

    @Test
    void subWorksRunLocallyUntilAWorkerIsKnownThenRemotely() throws Exception {
        Path file = Files.writeString(tmp.resolve("in.txt"), "x\n");
        Path rules = Files.writeString(tmp.resolve("rules.json"),
                "{\"hooks\":[{\"src_command\":\"cat\",\"target_command\":\"booster-exec $SRC_CMD\"}]}");
        String seedPort = Integer.toString(Cluster.get(seed.system()).selfMember().address().getPort().get());
        // one sub-work at once, then one every 250 ms for 8 s: the join and the first worker come in between
        String command = "cat " + file + " > first.txt; i=0; while [ $i -lt 32 ]; do sleep 0.25; cat " + file
                + " > last.txt; i=$((i+1)); done";
        WorkSettings settings = new WorkSettings("echo", "demo", "known", command, true, rules, false, false, 0, 2, 0, 30,
                List.of("127.0.0.1:" + seedPort), tmp, withCache(new HashMap<>(System.getenv())), tmp.resolve("stats.json"));
        Config config = ConfigFactory.parseString("troupe.booster.join-timeout = 30s\n" + SBR)
                .withFallback(ConfigFactory.load());
        assertEquals(0, BoosterRun.run(settings, new EchoHandler(), config), err());

        var stats = new com.fasterxml.jackson.databind.ObjectMapper().readTree(tmp.resolve("stats.json").toFile());
        var subWorks = stats.get("sub_works");
        assertEquals(33, subWorks.size(), stats.toString());
        assertEquals("local", subWorks.get(0).get("route").asText(), subWorks.get(0).toString());
        assertEquals("no_worker_yet", subWorks.get(0).get("fallback_reason").asText(), subWorks.get(0).toString());
        assertEquals("remote", subWorks.get(32).get("route").asText(), subWorks.get(32).toString());
        // once remote, it stays remote: the worker set is pushed, not polled, and nothing else competes
        boolean remote = false;
        for (var subWork : subWorks) {
            remote |= subWork.get("route").asText().equals("remote");
            assertTrue(!remote || subWork.get("route").asText().equals("remote"), subWorks.toString());
        }
        var work = stats.get("work");
        assertTrue(work.get("first_remote_ms").asLong() > work.get("command_started_ms").asLong(), work.toString());
        assertTrue(work.get("first_worker_ms").asLong() > 0 && !work.get("cluster_joined_ms").isNull(), work.toString());
        assertTrue(work.get("no_worker_reason").isNull(), work.toString());
        assertTrue(err().contains("fell back: no worker yet "), err());
    }

    /**
     * A sub-work that arrives while no worker is known and the one local slot is taken waits; once a worker is known it
     * runs there, and first_remote_ms counts from then, not from its arrival.
     */
    @Test
    void aSubWorkThatWaitedForTheLocalSlotCountsAsRemoteFromWhenAWorkerTookIt() throws Exception {
        worker.stop(executor); // the cluster has no worker until both sub-works are in the booster
        TestClusters.awaitWorkers(seed, 0, Duration.ofSeconds(20));
        Path file = Files.writeString(tmp.resolve("in.txt"), "x\n");
        Path fifo = tmp.resolve("hold");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        Path rules = Files.writeString(tmp.resolve("rules.json"),
                "{\"hooks\":[{\"src_command\":\"cat\",\"target_command\":\"booster-exec $SRC_CMD\"}]}");
        String seedPort = Integer.toString(Cluster.get(seed.system()).selfMember().address().getPort().get());
        // the first cat runs locally and holds the slot until the fifo is written and closed; opening the fifo for
        // writing returns once that cat has opened it, so the second cat comes only while the first holds the slot
        String command = "cat " + fifo + " > held.txt & held=$!; exec 3> " + fifo + "; cat " + file + " > waited.txt;"
                + " echo released >&3; exec 3>&-; wait $held";
        WorkSettings settings = new WorkSettings("echo", "demo", "waited", command, true, rules, false, false, 0, 1, 0, 90,
                List.of("127.0.0.1:" + seedPort), tmp, withCache(new HashMap<>(System.getenv())), tmp.resolve("stats.json"));
        Config config = ConfigFactory.parseString("troupe.booster.join-timeout = 30s\n"
                        + "troupe.booster.progress-interval = 100ms\n" + SBR)
                .withFallback(ConfigFactory.load());
        var exit = java.util.concurrent.CompletableFuture.supplyAsync(() -> BoosterRun.run(settings, new EchoHandler(), config));
        // both sub-works are in the booster, neither done: one holds the local slot, the other waits
        seed.createTestProbe().awaitAssert(Duration.ofSeconds(30), Duration.ofMillis(50), () -> {
            assertTrue(err().contains("progress: done 0 of 2 (remote 0, local 0, failed 0), running 2"), err());
            return null;
        });
        worker.spawn(SubWorkExecutor.create(), "worker-again");
        assertEquals(0, exit.get(90, java.util.concurrent.TimeUnit.SECONDS), err());

        assertEquals("x\n", Files.readString(tmp.resolve("waited.txt")));
        assertEquals("released\n", Files.readString(tmp.resolve("held.txt")));
        var stats = new com.fasterxml.jackson.databind.ObjectMapper().readTree(tmp.resolve("stats.json").toFile());
        com.fasterxml.jackson.databind.JsonNode waited = null;
        for (var subWork : stats.get("sub_works")) {
            if (subWork.get("argv").toString().contains("in.txt")) {
                waited = subWork;
            }
        }
        assertTrue(waited != null && waited.get("route").asText().equals("remote"), stats.toString());
        assertTrue(waited.get("local_wait_ms").asLong() > 0, waited.toString());
        var work = stats.get("work");
        long arrivedMs = waited.get("start_ms").asLong() - work.get("jvm_start_ms").asLong();
        long firstWorker = work.get("first_worker_ms").asLong();
        long firstRemote = work.get("first_remote_ms").asLong();
        // not from its arrival: after its wait for the slot, and not before a worker was known (the work and the
        // sub-work hear of the worker a moment apart)
        assertTrue(firstRemote >= arrivedMs + waited.get("local_wait_ms").asLong(), work + " " + waited);
        assertTrue(firstRemote >= firstWorker - 200, work + " " + waited);
    }

    /** {@code env} with the stable shim directory under this test's temp dir, not in the user's ~/.cache. */
    private Map<String, String> withCache(Map<String, String> env) {
        env.put("XDG_CACHE_HOME", tmp.resolve("cache").toString());
        return env;
    }
}
