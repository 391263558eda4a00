package io.troupe.node.faults;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.troupe.node.ProcessNodes;
import io.troupe.node.TestNodes;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The seed node (the one the other worker and the booster were given) is killed with SIGKILL in the middle
 * of a 200-sub-work work: the work completes on the remaining worker or locally, every result right; then a
 * new booster given the dead seed first and the live worker second still joins and runs its sub-works there.
 */
@Tag("process")
class SeedFaultsIT {
    private static final int SUB_WORKS = 200;

    @TempDir
    Path tmp;
    private FaultCluster cluster;

    @AfterEach
    void stop() throws Exception {
        cluster.close();
    }

    @Test
    void aWorkOutlivesItsSeedAndANewBoosterJoinsThroughTheNextSeed() throws Exception {
        cluster = new FaultCluster(tmp);
        // keep-majority breaks the 1:1 tie for the lowest address: the live worker must win it, so the seed
        // gets the higher port
        int a = TestNodes.freePort();
        int b = TestNodes.freePort();
        FaultCluster.Node seed = cluster.startWorker("seed", Math.max(a, b), List.of(), null);
        FaultCluster.Node live = cluster.startWorker("live", Math.min(a, b), List.of(seed.seed()), null);
        cluster.awaitMembers(live, 2, FaultCluster.NODE_START);

        FaultCluster.Work work = cluster.startWork("during", List.of(seed.seed()), SUB_WORKS, 0.2, Map.of());
        cluster.await("sub-works running on the seed", Duration.ofSeconds(60),
                () -> cluster.startedOn(seed).size() >= 8 || !work.process.isAlive());
        assertTrue(work.process.isAlive(), "the work ended before the seed ran anything" + work.describe());
        ProcessNodes.signal(seed.process(), "KILL");
        assertTrue(seed.process().waitFor(20, TimeUnit.SECONDS), "the seed did not die");
        cluster.step("SIGKILL sent to the seed");
        cluster.await("every sub-work's output", Duration.ofSeconds(FaultCluster.WORK_TIMEOUT_SECONDS),
                () -> work.printed() == SUB_WORKS || !work.process.isAlive());
        cluster.step("all " + SUB_WORKS + " outputs printed");
        // the booster ends while the dead seed is not yet downed: it cannot finish its leave and vanishes
        // unreachable mid-leave, having seen the seed unreachable itself; that must cost no live node
        JsonNode stats = work.finish();
        String membersAtEnd = TestNodes.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(
                "http://127.0.0.1:" + live.node().admin() + "/cluster/members")).build()).body();
        System.out.println("[SeedFaultsIT] the booster ended while the dead seed was still a member: "
                + membersAtEnd.contains(":" + seed.node().port() + "\""));
        work.assertAllRight(stats);
        System.out.println("[SeedFaultsIT] seed killed mid-work: summary " + stats.get("work").get("summary"));
        assertTrue(live.process().isAlive(), "the remaining worker died" + cluster.logs());

        // the downing removes the dead seed and the booster; a booster then joins through the second seed
        cluster.awaitMembers(live, 1, Duration.ofSeconds(60));
        cluster.clearRuns();
        FaultCluster.Work next = cluster.startWork("next", List.of(seed.seed(), live.seed()), 40, 0.05, Map.of());
        JsonNode nextStats = next.finish();
        next.assertAllRight(nextStats);
        System.out.println("[SeedFaultsIT] dead seed first: summary " + nextStats.get("work").get("summary"));
        assertTrue(nextStats.get("work").get("summary").get("remote_ok").asInt() > 0,
                "a booster given a dead seed and a live one must still reach the live worker" + next.describe());
    }
}
