package io.troupe.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A booster that vanishes without leaving is downed by the node after
 * {@code troupe.cluster.down-unreachable-boosters-after}, not by the split-brain resolver (whose stable-after is
 * a minute here, so only BoosterDowning can have done it), and the node stays up. Before, boosters vanishing one
 * after another made the resolver see an unstable cluster and down every member, the node included
 * ({@code bench/soak.sh} on a loaded machine).
 */
@Tag("multinode")
class BoosterDowningTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void boostersThatVanishAreDownedByTheNodeWhichStaysUp() throws Exception {
        try (TestNodes nodes = new TestNodes()) {
            TroupeNode node = nodes.start(Map.of(
                    "pekko.cluster.split-brain-resolver.stable-after", "60s",
                    "troupe.cluster.down-unreachable-boosters-after", "2s"));
            ActorSystem<Void> booster = TestNodes.booster(TestNodes.clusterHostPort(node),
                    "pekko.coordinated-shutdown.run-by-actor-system-terminate = off"); // vanishes: never leaves
            Address address = booster.address();
            TestNodes.await("the booster up", WAIT, () -> TestNodes.members(node)
                    .anyMatch(m -> m.address().equals(address) && m.status() == MemberStatus.up()));
            long vanished = System.nanoTime();
            booster.terminate(); // without leaving: CoordinatedShutdown does not run on terminate
            booster.getWhenTerminated().toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
            TestNodes.await("the booster removed", WAIT,
                    () -> TestNodes.members(node).noneMatch(m -> m.address().equals(address)));
            long tookSeconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - vanished);
            assertTrue(tookSeconds < 20, "the booster was removed only after " + tookSeconds + " s");
            Member self = Cluster.get(node.system()).selfMember();
            assertEquals(MemberStatus.up(), self.status(), "the node itself was downed");
            assertEquals(1L, TestNodes.members(node).count());
        }
    }

    @Test
    void theDefaultIsFiveSeconds() {
        Config config = NodeConfig.withOverrides(Map.of());
        assertEquals(Duration.ofSeconds(5), config.getDuration("troupe.cluster.down-unreachable-boosters-after"));
    }
}
