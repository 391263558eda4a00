package io.troupe.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
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
            ActorSystem<Void> booster = vanishingBooster(TestNodes.clusterHostPort(node));
            Address address = booster.address();
            await("the booster up", () -> members(node)
                    .anyMatch(m -> m.address().equals(address) && m.status() == MemberStatus.up()));
            long vanished = System.nanoTime();
            booster.terminate(); // without leaving: CoordinatedShutdown does not run on terminate
            booster.getWhenTerminated().toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
            await("the booster removed", () -> members(node).noneMatch(m -> m.address().equals(address)));
            long tookSeconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - vanished);
            assertTrue(tookSeconds < 20, "the booster was removed only after " + tookSeconds + " s");
            Member self = Cluster.get(node.system()).selfMember();
            assertEquals(MemberStatus.up(), self.status(), "the node itself was downed");
            assertEquals(1L, members(node).count());
        }
    }

    @Test
    void theDefaultIsFiveSeconds() {
        Config config = NodeConfig.withOverrides(Map.of());
        assertEquals(Duration.ofSeconds(5), config.getDuration("troupe.cluster.down-unreachable-boosters-after"));
    }

    /** A member as a booster is one (role booster, port 0), joining {@code seed}, that will not leave. */
    private static ActorSystem<Void> vanishingBooster(String seed) {
        Config config = ConfigFactory.parseString("""
                pekko.actor.provider = cluster
                pekko.remote.artery.canonical.hostname = "127.0.0.1"
                pekko.remote.artery.canonical.port = 0
                pekko.cluster.roles = [booster]
                pekko.cluster.seed-nodes = ["pekko://troupe@%s"]
                pekko.cluster.jmx.multi-mbeans-in-same-jvm = on
                pekko.coordinated-shutdown.run-by-actor-system-terminate = off
                pekko.coordinated-shutdown.run-by-jvm-shutdown-hook = off
                pekko.coordinated-shutdown.exit-jvm = off
                pekko.fail-mixed-versions = off
                pekko.loglevel = WARNING
                pekko.actor.serialize-messages = on
                """.formatted(seed)).withFallback(NodeConfig.withOverrides(Map.of()));
        return ActorSystem.create(Behaviors.empty(), "troupe", config);
    }

    private static Stream<Member> members(TroupeNode node) {
        return StreamSupport.stream(Cluster.get(node.system()).state().getMembers().spliterator(), false);
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
