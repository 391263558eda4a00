package io.troupe.booster.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.troupe.booster.TestClusters;
import io.troupe.booster.worker.SubWorkExecutor;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.StreamSupport;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Down;
import org.apache.pekko.cluster.typed.Join;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker node that dies without leaving, is downed, and comes back on the same host and port: a running
 * booster's (or controller's) directory chooses it again. Real nodes: a seed, the booster, the worker twice.
 * In about half the runs the booster's watch of the new worker is answered with a death that did not happen
 * (sent before its link to the new incarnation was up); the directory then believes the worker's answer to a poll.
 */
@Tag("multinode")
class WorkerRestartTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    /** The worker dies as a killed process would: no leave, no coordinated shutdown. */
    private static final String CRASHES = "pekko.coordinated-shutdown.run-by-actor-system-terminate = off\n"
            + "pekko.cluster.run-coordinated-shutdown-when-down = off\n"
            + "pekko.cluster.failure-detector.heartbeat-interval = 200ms\n"
            + "pekko.cluster.failure-detector.acceptable-heartbeat-pause = 1s";

    @TempDir
    Path tmp;

    private ActorTestKit seed;
    private ActorTestKit booster;
    private ActorTestKit worker;

    @AfterEach
    void stop() {
        for (ActorTestKit kit : new ActorTestKit[] {worker, booster, seed}) {
            if (kit != null) {
                kit.shutdownTestKit();
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private ActorTestKit startWorker(int port, Address seedAddress, String name) {
        ActorTestKit kit = ActorTestKit.create("troupe", TestClusters.node("worker", tmp.resolve(name), List.of("true"),
                CRASHES + "\npekko.remote.artery.canonical.port = " + port));
        kit.spawn(SubWorkExecutor.create(), "worker");
        Cluster.get(kit.system()).manager().tell(Join.create(seedAddress));
        return kit;
    }

    /** The worker the directory chooses for a new sub-work, if any. */
    private Optional<Address> chosen(ActorRef<WorkerDirectory.Command> directory, String subWork) {
        TestProbe<WorkerDirectory.Choice> probe = booster.createTestProbe();
        directory.tell(new WorkerDirectory.Acquire(subWork, probe.getRef()));
        WorkerDirectory.Choice choice = probe.receiveMessage();
        if (choice instanceof WorkerDirectory.Chosen chosen) {
            directory.tell(new WorkerDirectory.Release(subWork, chosen.worker(), WorkerDirectory.Outcome.OK, null));
            return Optional.of(chosen.worker().path().address());
        }
        return Optional.empty();
    }

    @Test
    void aWorkerRestartedOnTheSameAddressIsChosenAgain() throws Exception {
        seed = ActorTestKit.create("troupe", TestClusters.node("proxy", tmp.resolve("seed"), List.of(), CRASHES));
        Cluster seedCluster = Cluster.get(seed.system());
        Address seedAddress = seedCluster.selfMember().address();
        seedCluster.manager().tell(Join.create(seedAddress));
        booster = ActorTestKit.create("troupe", TestClusters.node("booster", tmp.resolve("booster"), List.of(), CRASHES));
        Cluster.get(booster.system()).manager().tell(Join.create(seedAddress));
        ActorRef<WorkerDirectory.Command> directory = booster.spawn(
                WorkerDirectory.create(booster.system().settings().config(), 0), "workers");
        int port = freePort();
        worker = startWorker(port, seedAddress, "w1");
        Address workerAddress = Cluster.get(worker.system()).selfMember().address();

        TestProbe<Object> probe = booster.createTestProbe();
        int[] n = {0};
        probe.awaitAssert(WAIT, () -> {
            assertEquals(Optional.of(workerAddress), chosen(directory, "before-" + n[0]++));
            return null;
        });

        // killed: gone without a word; the seed downs it (as the split-brain resolver would)
        worker.system().terminate();
        worker.system().getWhenTerminated().toCompletableFuture().get();
        worker = null;
        probe.awaitAssert(WAIT, () -> {
            assertEquals(Optional.empty(), chosen(directory, "dead-" + n[0]++), "no worker while it is unreachable");
            return null;
        });
        seedCluster.manager().tell(new Down(workerAddress));
        probe.awaitAssert(WAIT, () -> {
            assertEquals(0, StreamSupport.stream(seedCluster.state().getMembers().spliterator(), false)
                    .filter(member -> member.address().equals(workerAddress)).count(), "removed");
            return null;
        });

        // back on the same host and port: a new incarnation
        worker = startWorker(port, seedAddress, "w2");
        probe.awaitAssert(WAIT, () -> {
            assertEquals(MemberStatus.up(), Cluster.get(worker.system()).selfMember().status());
            assertEquals(Optional.of(workerAddress), chosen(directory, "after-" + n[0]++),
                    "the restarted worker is chosen again");
            return null;
        });
    }
}
