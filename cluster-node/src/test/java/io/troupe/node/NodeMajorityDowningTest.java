package io.troupe.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.remote.transport.ThrottlerTransportAdapter;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Troupe's downing (NodeMajorityDowningProvider) on real nodes: boosters that vanish are downed after
 * {@code troupe.cluster.down-unreachable-boosters-after}, and a booster that vanishes while a node is
 * unreachable does not make the nodes down each other.
 */
@Tag("multinode")
class NodeMajorityDowningTest {
    private static final Duration WAIT = Duration.ofSeconds(40);

    @Test
    void boostersThatVanishAreDownedByTheNodeWhichStaysUp() throws Exception {
        try (TestNodes nodes = new TestNodes()) {
            // stable-after is a minute: only the booster grace can have downed it
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

    /**
     * A node dies; before it is downed, a booster ends its work and leaves. Its leave cannot complete while a
     * member is unreachable, so it vanishes unreachable too, mid-leave, having seen the dead node unreachable
     * itself. Pekko's resolver took that second change (and the booster's own observations) as instability and
     * downed every node (DownAll, or DownIndirectlyConnected). Here the dead node alone is downed.
     */
    @Test
    void aNodeDyingWhileABoosterLeavesCostsThatNodeOnly() throws Exception {
        Map<String, Object> fast = new HashMap<>(Map.of(
                "pekko.cluster.split-brain-resolver.stable-after", "3s",
                "troupe.cluster.down-unreachable-boosters-after", "2s"));
        try (TestNodes nodes = new TestNodes()) {
            TroupeNode first = nodes.start(fast);
            fast.put("troupe.node.seeds", List.of(TestNodes.clusterHostPort(first)));
            TroupeNode second = nodes.start(fast);
            Map<String, Object> vanishing = new HashMap<>(fast);
            vanishing.put("pekko.coordinated-shutdown.run-by-actor-system-terminate", "off");
            TroupeNode dying = nodes.start(vanishing);
            ActorSystem<Void> booster = TestNodes.booster(TestNodes.clusterHostPort(first), String.join("\n", "",
                    "pekko.cluster.split-brain-resolver.stable-after = 3s",
                    "pekko.coordinated-shutdown.phases.cluster-exiting.timeout = 2s"));
            TestNodes.await("four members up", WAIT, () -> TestNodes.members(first)
                    .filter(m -> m.status() == MemberStatus.up()).count() == 4, () -> describe(first));
            Address dead = dying.system().address();
            Address leaving = booster.address();

            dying.system().terminate(); // a crash: no leave
            TestNodes.await("the booster sees the dead node unreachable", WAIT, () -> StreamSupport.stream(
                    org.apache.pekko.cluster.typed.Cluster.get(booster).state().getUnreachable().spliterator(), false)
                    .anyMatch(m -> m.address().equals(dead)));
            booster.terminate(); // a graceful leave that cannot complete while a member is unreachable

            for (TroupeNode survivor : List.of(first, second)) {
                TestNodes.await("the dead node and the booster removed", WAIT, () -> TestNodes.members(survivor)
                        .noneMatch(m -> m.address().equals(dead) || m.address().equals(leaving)), () -> describe(survivor));
            }
            for (TroupeNode survivor : List.of(first, second)) {
                assertEquals(MemberStatus.up(), Cluster.get(survivor.system()).selfMember().status(), describe(survivor));
                assertEquals(2L, TestNodes.members(survivor).count(), describe(survivor));
            }
            booster.getWhenTerminated().toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        }
    }

    /**
     * A booster whose link to one worker fails (a laptop's flaky network) sees that worker unreachable, and the
     * worker sees the booster unreachable. Pekko's resolver took both for "indirectly connected" and downed the
     * worker with the booster. Here the booster alone is downed; both nodes stay.
     */
    @Test
    void aBoosterCutOffFromOneNodeDownsNoNode() throws Exception {
        Map<String, Object> fast = new HashMap<>(Map.of(
                "pekko.cluster.split-brain-resolver.stable-after", "3s",
                "troupe.cluster.down-unreachable-boosters-after", "2s"));
        fast.putAll(PROVIDER);
        try (TestNodes nodes = new TestNodes()) {
            TroupeNode first = nodes.start(fast);
            fast.put("troupe.node.seeds", List.of(TestNodes.clusterHostPort(first)));
            TroupeNode second = nodes.start(fast);
            ActorSystem<Void> booster = TestNodes.booster(TestNodes.clusterHostPort(first), String.join("\n", "",
                    "pekko.cluster.split-brain-resolver.stable-after = 3s",
                    "pekko.remote.artery.advanced.test-mode = on") + PROVIDER_HOCON);
            try {
                TestNodes.await("three members up", WAIT, () -> TestNodes.members(first)
                        .filter(m -> m.status() == MemberStatus.up()).count() == 3, () -> describe(first));
                Address cutOff = booster.address();
                // Artery's test mode drops everything between the two, both ways
                ((org.apache.pekko.remote.RARP) org.apache.pekko.remote.RARP.get(booster.classicSystem()))
                        .provider().transport().managementCommand(new ThrottlerTransportAdapter.SetThrottle(
                                second.system().address(), ThrottlerTransportAdapter.bothDirection(),
                                ThrottlerTransportAdapter.blackholeThrottleMode()));
                TestNodes.await("the booster downed and removed", WAIT, () -> TestNodes.members(first)
                        .noneMatch(m -> m.address().equals(cutOff)), () -> describe(first));
                for (TroupeNode node : List.of(first, second)) {
                    TestNodes.await("both nodes up, nothing else", WAIT, () -> TestNodes.members(node).count() == 2
                            && TestNodes.members(node).allMatch(m -> m.status() == MemberStatus.up()), () -> describe(node));
                }
            } finally {
                booster.terminate();
            }
        }
    }

    private static final Map<String, Object> PROVIDER = Map.of();
    private static final String PROVIDER_HOCON = "";

    private static String describe(TroupeNode node) {
        return "members of " + node.system().address() + ": " + TestNodes.members(node)
                .map(m -> m.address() + " " + m.status() + " " + m.getRoles()).collect(Collectors.joining(", "))
                + "; unreachable: " + StreamSupport.stream(Cluster.get(node.system()).state().getUnreachable()
                        .spliterator(), false).map(m -> m.address().toString()).collect(Collectors.joining(", "));
    }

    @Test
    void theDefaultIsFiveSeconds() {
        Config config = NodeConfig.withOverrides(Map.of());
        assertEquals(Duration.ofSeconds(5), config.getDuration("troupe.cluster.down-unreachable-boosters-after"));
    }
}
