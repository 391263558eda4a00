package io.troupe.booster.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.booster.TestClusters;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker does not DeathWatch a remote requester per sub-work: when the requester's node leaves the
 * cluster, the executor's one MemberRemoved subscription stops that node's runs.
 */
@Tag("multinode")
class RequesterNodeGoneTest {

    @TempDir
    Path tmp;

    private ActorTestKit workerNode;
    private ActorTestKit boosterNode;

    @AfterEach
    void stop() {
        if (!boosterNode.system().whenTerminated().isCompleted()) {
            boosterNode.shutdownTestKit();
        }
        workerNode.shutdownTestKit();
    }

    @Test
    void theRunsOfABoosterNodeThatLeftAreKilled() throws Exception {
        workerNode = ActorTestKit.create("troupe", TestClusters.node("worker", tmp.resolve("w"), List.of("sh"), TestClusters.HOST_FILES));
        boosterNode = ActorTestKit.create("troupe", TestClusters.node("booster", tmp.resolve("b"), List.of(), ""));
        workerNode.spawn(SubWorkExecutor.create(), "worker");
        var seed = Cluster.get(workerNode.system()).selfMember().address();
        Cluster.get(workerNode.system()).manager().tell(Join.create(seed));
        Cluster.get(boosterNode.system()).manager().tell(Join.create(seed));
        TestClusters.awaitWorkers(boosterNode, 1, Duration.ofSeconds(20));
        TestProbe<Receptionist.Listing> listing = boosterNode.createTestProbe();
        boosterNode.system().receptionist().tell(Receptionist.find(SubWorkExecutor.KEY, listing.getRef()));
        ActorRef<SubWorkExecutor.Command> worker =
                listing.receiveMessage().getServiceInstances(SubWorkExecutor.KEY).iterator().next();

        Path pidFile = tmp.resolve("gone.pid");
        TestProbe<SubWorkExecutor.Reply> requester = boosterNode.createTestProbe();
        worker.tell(new SubWorkExecutor.Execute("gone",
                List.of(new SubWorkExecutor.Step("sh", null, List.of("-c", "echo $$ > " + pidFile + "; exec sleep 300"),
                        List.of(), List.of())),
                List.of(), 0, requester.getRef(), requester.getRef()));
        TestProbe<Object> waiter = workerNode.createTestProbe();
        waiter.awaitAssert(Duration.ofSeconds(20), () -> {
            assertTrue(Files.exists(pidFile) && Files.size(pidFile) > 0);
            return null;
        });
        long pid = Long.parseLong(Files.readString(pidFile).trim());
        assertTrue(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "the run is under way");

        boosterNode.shutdownTestKit(); // leaves the cluster: MemberRemoved on the worker's node
        waiter.awaitAssert(Duration.ofSeconds(20), () -> {
            assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "the run is killed");
            return null;
        });
        waiter.awaitAssert(Duration.ofSeconds(10), () -> {
            try (var left = Files.list(tmp.resolve("w"))) {
                assertEquals(List.of(), left.toList(), "its sandbox is removed");
            }
            return null;
        });
    }
}
