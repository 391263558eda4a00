package io.troupe.booster.work;

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
            "pekko.cluster.downing-provider-class = \"org.apache.pekko.cluster.sbr.SplitBrainResolverProvider\"",
            "pekko.cluster.split-brain-resolver.active-strategy = keep-majority",
            // joining next to an unreachable member: WeaklyUp sooner than the default 7 s
            "pekko.cluster.allow-weakly-up-members = 2s",
            "pekko.coordinated-shutdown.phases.cluster-exiting.timeout = 2s");

    @TempDir
    Path tmp;

    private ActorTestKit seed;
    private ActorTestKit worker;
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
        worker.spawn(SubWorkExecutor.create(), "worker");
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

    /** {@code env} with the stable shim directory under this test's temp dir, not in the user's ~/.cache. */
    private Map<String, String> withCache(Map<String, String> env) {
        env.put("XDG_CACHE_HOME", tmp.resolve("cache").toString());
        return env;
    }
}
