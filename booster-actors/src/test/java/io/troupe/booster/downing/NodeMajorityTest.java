package io.troupe.booster.downing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.booster.downing.NodeMajority.Member;
import io.troupe.booster.downing.NodeMajority.Observation;
import io.troupe.booster.downing.NodeMajority.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.Address;
import org.apache.pekko.cluster.UniqueAddress;
import org.junit.jupiter.api.Test;

/** The downing decision: keep-majority over nodes, boosters neither counted nor observing. */
class NodeMajorityTest {
    private static final long SECOND = 1_000_000_000L;
    private static final Duration STABLE = Duration.ofSeconds(10);
    private static final Duration UNSTABLE = Duration.ofSeconds(8);
    private static final Duration GRACE = Duration.ofSeconds(5);

    // ports give the address order: n1 < n2 < n3 < b1 < b2
    private static final UniqueAddress N1 = address(7001);
    private static final UniqueAddress N2 = address(7002);
    private static final UniqueAddress N3 = address(7003);
    private static final UniqueAddress B1 = address(7101);
    private static final UniqueAddress B2 = address(7102);

    private static UniqueAddress address(int port) {
        return new UniqueAddress(new Address("pekko", "troupe", "127.0.0.1", port), (long) port);
    }

    private static Member node(UniqueAddress address) {
        return new Member(address, true, Status.UP);
    }

    private static Member booster(UniqueAddress address) {
        return new Member(address, false, Status.UP);
    }

    private static Observation sees(UniqueAddress observer, UniqueAddress subject) {
        return new Observation(observer, subject);
    }

    private static final List<Member> CLUSTER = List.of(node(N1), node(N2), node(N3), booster(B1), booster(B2));

    @Test
    void theMajorityDownsAnUnreachableNodeOnceItWasStableForStableAfter() {
        NodeMajority table = new NodeMajority(N1, STABLE, UNSTABLE, GRACE, 0);
        table.update(CLUSTER, List.of(sees(N1, N3), sees(N2, N3)), 1 * SECOND);
        assertTrue(table.decide(10 * SECOND).isEmpty(), "not stable for 10 s yet");
        NodeMajority.Decision decision = table.decide(11 * SECOND);
        assertEquals(List.of(N3), decision.down(), decision.why());
        assertTrue(table.decide(12 * SECOND).isEmpty(), "each down is asked for once");
    }

    @Test
    void onlyTheLowestReachableNodeDecides() {
        NodeMajority second = new NodeMajority(N2, STABLE, UNSTABLE, GRACE, 0);
        second.update(CLUSTER, List.of(sees(N2, N3)), 0);
        assertFalse(second.isDecider());
        assertTrue(second.decide(60 * SECOND).isEmpty());
        // once n1 is unreachable too, n2 is the lowest it sees reachable
        second.update(CLUSTER, List.of(sees(N2, N3), sees(N2, N1)), SECOND);
        assertTrue(second.isDecider());
        NodeMajority booster = new NodeMajority(B1, STABLE, UNSTABLE, GRACE, 0);
        booster.update(CLUSTER, List.of(sees(N1, B2)), 0);
        assertFalse(booster.isDecider(), "a booster never decides");
        assertTrue(booster.decide(60 * SECOND).isEmpty());
    }

    @Test
    void theMinorityDownsItself() {
        NodeMajority table = new NodeMajority(N3, STABLE, UNSTABLE, GRACE, 0);
        table.update(CLUSTER, List.of(sees(N3, N1), sees(N3, N2)), 0);
        assertTrue(table.isDecider(), "n3 sees only itself reachable");
        NodeMajority.Decision decision = table.decide(10 * SECOND);
        // its own side, boosters included, itself last
        assertEquals(List.of(B1, B2, N3), decision.down(), decision.why());
    }

    @Test
    void aTieIsWonByTheSideWithTheLowestAddress() {
        List<Member> two = List.of(node(N1), node(N2), booster(B1));
        NodeMajority low = new NodeMajority(N1, STABLE, UNSTABLE, GRACE, 0);
        low.update(two, List.of(sees(N1, N2)), 0);
        assertEquals(List.of(N2), low.decide(10 * SECOND).down());
        NodeMajority high = new NodeMajority(N2, STABLE, UNSTABLE, GRACE, 0);
        high.update(two, List.of(sees(N2, N1)), 0);
        assertEquals(List.of(B1, N2), high.decide(10 * SECOND).down());
    }

    @Test
    void aBoostersObservationsNeverMakeANodeUnreachable() {
        NodeMajority table = new NodeMajority(N1, STABLE, UNSTABLE, GRACE, 0);
        // a booster on a bad network sees every node unreachable
        table.update(CLUSTER, List.of(sees(B1, N1), sees(B1, N2), sees(B1, N3)), 0);
        assertEquals(java.util.Set.of(), table.unreachableNodes());
        assertTrue(table.decide(100 * SECOND).isEmpty());
    }

    @Test
    void aBoosterUnreachableForTheGraceIsDownedWithoutTouchingTheNodesDecision() {
        NodeMajority table = new NodeMajority(N1, STABLE, UNSTABLE, GRACE, 0);
        table.update(CLUSTER, List.of(sees(N2, N3)), 0);
        // at 9 s a leaving booster vanishes: the nodes' stability is not reset by it
        List<Member> leaving = new ArrayList<>(CLUSTER);
        leaving.set(3, new Member(B1, false, Status.LEAVING));
        table.update(leaving, List.of(sees(N2, N3), sees(N1, B1), sees(B1, N3), sees(B1, N2)), 9 * SECOND);
        assertTrue(table.decide(9 * SECOND).isEmpty());
        NodeMajority.Decision nodes = table.decide(10 * SECOND);
        assertEquals(List.of(N3), nodes.down(), nodes.why());
        NodeMajority.Decision boosters = table.decide(14 * SECOND);
        assertEquals(List.of(B1), boosters.down(), boosters.why());
    }

    @Test
    void boostersVanishingOneAfterAnotherNeverDownANode() {
        NodeMajority table = new NodeMajority(N1, STABLE, UNSTABLE, GRACE, 0);
        List<Member> members = new ArrayList<>(List.of(node(N1), node(N2), node(N3)));
        List<Observation> unreachable = new ArrayList<>();
        List<UniqueAddress> downed = new ArrayList<>();
        // a booster vanishes every second for a minute, each seen by a node and each seeing the nodes unreachable
        for (int second = 0; second < 60; second++) {
            UniqueAddress vanished = address(8000 + second);
            members.add(booster(vanished));
            unreachable.add(sees(N2, vanished));
            unreachable.add(sees(vanished, N3));
            table.update(members, unreachable, second * SECOND);
            downed.addAll(table.decide(second * SECOND).down());
        }
        assertTrue(downed.stream().allMatch(address -> address.compareTo(address(8000)) >= 0), "a node was downed: " + downed);
        assertEquals(55, downed.size(), "every booster unreachable for 5 s is downed: " + downed);
    }

    @Test
    void unreachableNodesThatKeepChangingDownEveryMember() {
        NodeMajority table = new NodeMajority(N1, STABLE, UNSTABLE, GRACE, 0);
        List<Member> members = new ArrayList<>(CLUSTER);
        members.add(node(address(7004)));
        members.add(node(address(7005)));
        // n4 and n5 flap in turn every 5 s: never stable for 10 s
        for (int second = 0; second < 18; second += 5) {
            UniqueAddress flapping = address(second % 10 == 0 ? 7004 : 7005);
            table.update(members, List.of(sees(N2, flapping)), second * SECOND);
            assertTrue(table.decide(second * SECOND).down().stream().noneMatch(a -> a.compareTo(B1) < 0),
                    "no node downed before stable-after + down-all-when-unstable");
        }
        NodeMajority.Decision all = table.decide(18 * SECOND);
        assertEquals(7, all.down().size(), all.why());
        assertEquals(N1, all.down().get(6), "itself last");
    }

    @Test
    void downAllWhenUnstableOffKeepsWaitingForStability() {
        NodeMajority table = new NodeMajority(N1, STABLE, null, GRACE, 0);
        table.update(CLUSTER, List.of(sees(N2, N3)), 0);
        table.update(CLUSTER, List.of(sees(N2, N3), sees(N1, N2)), 9 * SECOND);
        assertTrue(table.decide(18 * SECOND).isEmpty());
        // n1 sees n2 and n3 unreachable: 1 of 3, it loses and downs its own side
        assertEquals(List.of(B1, B2, N1), table.decide(19 * SECOND).down());
    }

    @Test
    void joiningNodesAreNotCountedButGoWithTheirSide() {
        List<Member> members = List.of(node(N1), new Member(N2, true, Status.JOINING), node(N3));
        NodeMajority table = new NodeMajority(N1, STABLE, UNSTABLE, GRACE, 0);
        table.update(members, List.of(sees(N1, N2), sees(N1, N3)), 0);
        // counted: n1 reachable, n3 unreachable (n2 joining): a tie n1 wins
        assertEquals(List.of(N2, N3), table.decide(10 * SECOND).down());
    }

    @Test
    void downedAndExitingMembersAreNotUnreachable() {
        List<Member> members = List.of(node(N1), node(N2), new Member(N3, true, Status.DOWN));
        NodeMajority table = new NodeMajority(N1, STABLE, UNSTABLE, GRACE, 0);
        table.update(members, List.of(sees(N1, N3)), 0);
        assertEquals(java.util.Set.of(), table.unreachableNodes());
        members = List.of(node(N1), node(N2), new Member(N3, true, Status.EXITING));
        table.update(members, List.of(sees(N1, N3)), SECOND);
        assertTrue(table.decide(60 * SECOND).isEmpty());
    }

    @Test
    void aNodeThatBecomesReachableAgainIsNotDowned() {
        NodeMajority table = new NodeMajority(N1, STABLE, UNSTABLE, GRACE, 0);
        table.update(CLUSTER, List.of(sees(N2, N3)), 0);
        table.update(CLUSTER, List.of(), 5 * SECOND);
        assertTrue(table.decide(30 * SECOND).isEmpty());
        // a new episode measures stability from its own start
        table.update(CLUSTER, List.of(sees(N2, N3)), 40 * SECOND);
        assertTrue(table.decide(49 * SECOND).isEmpty());
        assertEquals(List.of(N3), table.decide(50 * SECOND).down());
    }

    @Test
    void settingsFollowTheResolversKeys() {
        com.typesafe.config.Config config = com.typesafe.config.ConfigFactory.parseString(String.join("\n",
                "pekko.cluster.split-brain-resolver.active-strategy = keep-majority",
                "pekko.cluster.split-brain-resolver.stable-after = 20s",
                "pekko.cluster.split-brain-resolver.down-all-when-unstable = on",
                "pekko.cluster.split-brain-resolver.keep-majority.role = node"));
        NodeMajorityDowningProvider.Settings on = NodeMajorityDowningProvider.Settings.of(config);
        assertEquals(Duration.ofSeconds(15), on.downAllWhenUnstable());
        assertEquals(Duration.ofSeconds(5), on.boosterGrace());
        assertEquals("node", on.role());
        NodeMajorityDowningProvider.Settings off = NodeMajorityDowningProvider.Settings.of(com.typesafe.config.ConfigFactory
                .parseString("pekko.cluster.split-brain-resolver.down-all-when-unstable = off").withFallback(config));
        assertEquals(null, off.downAllWhenUnstable());
        IllegalArgumentException noRole = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> NodeMajorityDowningProvider.Settings.of(com.typesafe.config.ConfigFactory
                        .parseString("pekko.cluster.split-brain-resolver.keep-majority.role = \"\"").withFallback(config)));
        assertTrue(noRole.getMessage().contains("keep-majority.role"), noRole.getMessage());
        IllegalArgumentException oldest = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> NodeMajorityDowningProvider.Settings.of(com.typesafe.config.ConfigFactory
                        .parseString("pekko.cluster.split-brain-resolver.active-strategy = keep-oldest").withFallback(config)));
        assertTrue(oldest.getMessage().contains("active-strategy = keep-oldest"), oldest.getMessage());
    }
}
