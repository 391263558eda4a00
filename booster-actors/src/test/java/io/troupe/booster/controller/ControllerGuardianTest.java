package io.troupe.booster.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.booster.TestClusters;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.StreamSupport;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Down;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.remote.RARP;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The controller's guardian against a real one-node cluster: the ways it stops taking new works, a join that
 * times out and this member's removal by the cluster (heard as its Down, or only as the quarantine that follows
 * the removal), each mark it unusable, so new works are declined (their clients run without it) and it leaves
 * once idle.
 */
class ControllerGuardianTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path tmp;

    private ActorTestKit seed;
    private ActorTestKit controller;

    @AfterEach
    void stop() {
        if (controller != null) {
            controller.shutdownTestKit();
        }
        if (seed != null) {
            seed.shutdownTestKit();
        }
    }

    /** A controller joined to a one-node cluster (the seed, a worker node), and its status. */
    private ControllerStatus joinedController() {
        seed = ActorTestKit.create("troupe", TestClusters.node("worker", tmp.resolve("seed"), List.of("true"), ""));
        Cluster seedCluster = Cluster.get(seed.system());
        Address seedAddress = seedCluster.selfMember().address();
        seedCluster.manager().tell(Join.create(seedAddress));
        ControllerStatus status = new ControllerStatus(Duration.ofMinutes(2), System::nanoTime);
        controller = ActorTestKit.create("troupe", TestClusters.node("booster", tmp.resolve("controller"), List.of(), ""));
        controller.spawn(ControllerGuardian.create(List.of(seedAddress), List.of("seed:1"), 0, status), "guardian");
        Address self = controllerAddress();
        seed.createTestProbe().awaitAssert(WAIT, () -> {
            assertTrue(StreamSupport.stream(seedCluster.state().getMembers().spliterator(), false)
                    .anyMatch(member -> member.address().equals(self) && member.status() == MemberStatus.up()),
                    "the controller is Up in the seed's view");
            return null;
        });
        assertNull(status.unusable(), "a joined controller takes works");
        return status;
    }

    private Address controllerAddress() {
        return Cluster.get(controller.system()).selfMember().address();
    }

    private void assertLeft(ControllerStatus status) {
        seed.createTestProbe().awaitAssert(WAIT, () -> {
            assertNotNull(status.unusable(), "removed: unusable");
            return null;
        });
        assertEquals("this controller left the cluster at seed:1", status.unusable());
        assertEquals(status.unusable(), status.begin(), "a new work is declined, with the reason");
        status.clientCame();
        assertEquals(status.unusable(), status.shouldLeave(), "idle and unusable once a client came: it leaves at once");
    }

    @Test
    void aControllerTheClusterDownsTakesNoNewWork() {
        ControllerStatus status = joinedController();
        Cluster.get(seed.system()).manager().tell(new Down(controllerAddress()));
        assertLeft(status);
    }

    /**
     * The seed removes a downed controller and quarantines it at once; a controller whose Down gossip had not
     * arrived by then hears only the quarantine (CI once saw exactly that). Here the seed quarantines it without
     * any Down, so only the quarantine can tell it.
     */
    @Test
    void aControllerQuarantinedByANodeTakesNoNewWork() {
        ControllerStatus status = joinedController();
        org.apache.pekko.actor.ActorSystem classicSeed = org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(seed.system());
        long uid = Cluster.get(controller.system()).selfMember().uniqueAddress().longUid();
        ((RARP) RARP.get(classicSeed)).provider().transport().quarantine(controllerAddress(), scala.Option.apply(uid),
                "the test removes it");
        assertLeft(status);
        controller.createTestProbe().awaitAssert(WAIT, () -> {
            assertTrue(Cluster.get(controller.system()).isTerminated(), "it downed itself: its cluster stopped");
            return null;
        });
        // the seed still lists it (the quarantine alone did not remove it): down it, so that the seed can leave
        Cluster.get(seed.system()).manager().tell(new Down(controllerAddress()));
    }

    @Test
    void aJoinThatTimesOutMakesTheControllerUnusable() throws Exception {
        int nobody;
        try (ServerSocket socket = new ServerSocket(0)) {
            nobody = socket.getLocalPort(); // closed again: nothing answers there
        }
        ControllerStatus status = new ControllerStatus(Duration.ofMinutes(2), System::nanoTime);
        controller = ActorTestKit.create("troupe", TestClusters.node("booster", tmp.resolve("controller"), List.of(),
                "troupe.booster.join-timeout = 1s"));
        Address absent = new Address("pekko", "troupe", "127.0.0.1", nobody);
        controller.spawn(ControllerGuardian.create(List.of(absent), List.of("127.0.0.1:" + nobody), 0, status), "guardian");

        controller.createTestProbe().awaitAssert(WAIT, () -> {
            assertNotNull(status.unusable(), "the join timed out: unusable");
            return null;
        });
        assertEquals("could not join the cluster at 127.0.0.1:" + nobody + " within 1 s", status.unusable());
        assertEquals(status.unusable(), status.begin(), "a new work is declined, with the reason");
    }
}
