package io.troupe.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
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
            ActorSystem<Void> booster = booster(TestNodes.clusterHostPort(node));
            Address address = booster.address();
            await("the booster up", () -> members(node)
                    .anyMatch(m -> m.address().equals(address) && m.status() == MemberStatus.up()));
            assertTrue(transport.remoteAddresses().contains(address), "no association to the booster");

            // as BoosterRun ends: terminate runs CoordinatedShutdown, which leaves the cluster first
            booster.terminate();
            booster.getWhenTerminated().toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
            await("the booster removed", () -> members(node)
                    .noneMatch(m -> m.address().equals(address)));
            await("the association to the booster removed",
                    () -> !transport.remoteAddresses().contains(address));
            assertFalse(transport.remoteAddresses().exists(a -> a.port().isDefined()),
                    "associations left: " + transport.remoteAddresses());
        }
    }

    /** A member as a booster is one (role booster, port 0), joining {@code seed}. */
    private static ActorSystem<Void> booster(String seed) {
        Config config = ConfigFactory.parseString("""
                pekko.actor.provider = cluster
                pekko.remote.artery.canonical.hostname = "127.0.0.1"
                pekko.remote.artery.canonical.port = 0
                pekko.cluster.roles = [booster]
                pekko.cluster.seed-nodes = ["pekko://troupe@%s"]
                pekko.cluster.jmx.multi-mbeans-in-same-jvm = on
                pekko.coordinated-shutdown.run-by-jvm-shutdown-hook = off
                pekko.coordinated-shutdown.exit-jvm = off
                pekko.fail-mixed-versions = off
                pekko.loglevel = WARNING
                pekko.actor.serialize-messages = on
                """.formatted(seed)).withFallback(NodeConfig.withOverrides(Map.of()));
        return ActorSystem.create(Behaviors.empty(), "troupe", config);
    }

    private static java.util.stream.Stream<org.apache.pekko.cluster.Member> members(TroupeNode node) {
        return java.util.stream.StreamSupport.stream(Cluster.get(node.system()).state().getMembers().spliterator(), false);
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("not within " + WAIT.toSeconds() + " s: " + what);
            }
            Thread.sleep(50);
        }
    }
}
