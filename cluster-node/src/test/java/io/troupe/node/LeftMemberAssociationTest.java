package io.troupe.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.remote.RARP;
import org.apache.pekko.remote.artery.ArteryTransport;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A node forgets the Artery association (and the inbound compression tables and remote actor refs it holds) of
 * a member that has left, as every booster does after its work: before, {@code bench/soak.sh} showed the heap
 * growing by one association per booster for Artery's default hour.
 */
@Tag("multinode")
class LeftMemberAssociationTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void aNodeKeepsTheAssociationOfALeftMemberForAMinuteNotAnHour() {
        Config config = NodeConfig.withOverrides(Map.of());
        assertEquals(Duration.ofMinutes(1),
                config.getDuration("pekko.remote.artery.advanced.remove-quarantined-association-after"));
    }

    @Test
    void theAssociationOfABoosterThatLeftIsRemoved() throws Exception {
        // the node's setting, shortened so the test takes seconds; the mechanism is the same
        try (TestNodes nodes = new TestNodes()) {
            TroupeNode node = nodes.start(Map.of(
                    "pekko.remote.artery.advanced.remove-quarantined-association-after", "2s",
                    "pekko.cluster.quarantine-removed-node-after", "500ms"));
            ArteryTransport transport = (ArteryTransport) ((RARP) RARP.get(node.system().classicSystem()))
                    .provider().transport();
            ActorSystem<Void> booster = TestNodes.booster(TestNodes.clusterHostPort(node), "");
            Address address = booster.address();
            TestNodes.await("the booster up", WAIT, () -> TestNodes.members(node)
                    .anyMatch(m -> m.address().equals(address) && m.status() == MemberStatus.up()));
            assertTrue(transport.remoteAddresses().contains(address), "no association to the booster");

            // as BoosterRun ends: terminate runs CoordinatedShutdown, which leaves the cluster first
            booster.terminate();
            booster.getWhenTerminated().toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
            TestNodes.await("the booster removed", WAIT, () -> TestNodes.members(node)
                    .noneMatch(m -> m.address().equals(address)));
            TestNodes.await("the association to the booster removed", WAIT,
                    () -> !transport.remoteAddresses().contains(address));
            assertFalse(transport.remoteAddresses().exists(a -> a.port().isDefined()),
                    "associations left: " + transport.remoteAddresses());
        }
    }
}
