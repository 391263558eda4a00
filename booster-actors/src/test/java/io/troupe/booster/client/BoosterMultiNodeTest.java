package io.troupe.booster.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.booster.TestClusters;
import io.troupe.booster.gateway.ExecutorGateway;
import io.troupe.booster.handler.EchoHandler;
import io.troupe.booster.worker.SubWorkExecutor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A booster and two workers, three actor systems in one JVM; one worker is stopped mid-work. */
@Tag("multinode")
class BoosterMultiNodeTest {

    private static final int SUB_WORKS = 200;

    @TempDir
    Path tmp;

    private ActorTestKit worker1;
    private ActorTestKit worker2;
    private ActorTestKit booster;

    @AfterEach
    void shutdown() {
        for (ActorTestKit kit : new ActorTestKit[] {booster, worker2, worker1}) {
            if (kit != null) {
                kit.shutdownTestKit();
            }
        }
    }

    @Test
    void everySubWorkArrivesExactlyOnceWhileAWorkerStops() throws Exception {
        String workerConf = "troupe.worker.slots = 4\ntroupe.worker.queue-size = 256";
        worker1 = ActorTestKit.create("troupe", TestClusters.node("worker", tmp.resolve("w1"), List.of("sh"), workerConf));
        worker2 = ActorTestKit.create("troupe", TestClusters.node("worker", tmp.resolve("w2"), List.of("sh"), workerConf));
        booster = ActorTestKit.create("troupe", TestClusters.node("booster", tmp.resolve("b"), List.of(),
                "troupe.booster.progress-interval = 500ms"));
        worker1.spawn(SubWorkExecutor.create(), "worker");
        var executor2 = worker2.spawn(SubWorkExecutor.create(), "worker");

        var seed = Cluster.get(worker1.system()).selfMember().address();
        for (ActorTestKit kit : List.of(worker1, worker2, booster)) {
            Cluster.get(kit.system()).manager().tell(Join.create(seed));
        }
        TestProbe<Receptionist.Listing> listing = booster.createTestProbe();
        listing.awaitAssert(Duration.ofSeconds(20), () -> {
            assertEquals(3, Cluster.get(booster.system()).state().members().size());
            Cluster.get(booster.system()).state().getMembers()
                    .forEach(m -> assertEquals(MemberStatus.up(), m.status()));
            booster.system().receptionist().tell(Receptionist.find(SubWorkExecutor.KEY, listing.getRef()));
            assertEquals(2, listing.receiveMessage().getServiceInstances(SubWorkExecutor.KEY).size());
            return null;
        });

        Path workDir = Files.createDirectories(tmp.resolve("work"));
        // no remote retry: sub-works caught on the stopped worker must come back through the local retry
        WorkSettings settings = new WorkSettings("echo", "multinode", "mn", null, false, null, false, false,
                0, 2, 0, 20, List.of(), workDir, Map.of("PATH", System.getenv("PATH")), null);
        TestProbe<WorkActor.Event> events = booster.createTestProbe();
        var work = booster.spawn(WorkActor.create(settings, new EchoHandler(), WorkActor.Launch.EXTERNAL, events.getRef()), "work");
        WorkActor.Ready ready = events.expectMessageClass(WorkActor.Ready.class, Duration.ofSeconds(20));
        assertEquals(12, ready.jobs(), "@BK_JOBS = 1.5 x 8 remote slots");

        TestProbe<ExecutorGateway.SubWorkReply> replies = booster.createTestProbe();
        for (int i = 0; i < SUB_WORKS; i++) {
            work.tell(new WorkActor.SubWork(new ExecutorGateway.SubWorkArrived(
                    List.of("sh", "-c", "sleep 0.02; echo result-" + i + "; echo err-" + i + " >&2"),
                    workDir.toString(), Map.of("PATH", System.getenv("PATH")), replies.getRef())));
        }
        Map<String, Integer> seen = new HashMap<>();
        for (int received = 0; received < SUB_WORKS; received++) {
            if (received == 40) {
                // stop one worker while sub-works are queued and running on it: its executor first (a graceful
                // leave alone could let it drain its queue), then the whole actor system
                worker2.stop(executor2);
                worker2.system().terminate();
            }
            ExecutorGateway.SubWorkReply reply = replies.expectMessageClass(ExecutorGateway.SubWorkReply.class,
                    Duration.ofSeconds(60));
            String out = new String(reply.stdout(), StandardCharsets.UTF_8);
            String err = new String(reply.stderr(), StandardCharsets.UTF_8);
            assertEquals(0, reply.exitCode(), "exit code of " + out);
            assertTrue(out.matches("result-\\d+\n"), "stdout: " + out);
            String index = out.substring("result-".length()).trim();
            assertEquals("err-" + index + "\n", err, "stderr belongs to the same sub-work");
            seen.merge(index, 1, Integer::sum);
        }
        replies.expectNoMessage(Duration.ofMillis(500));
        assertEquals(SUB_WORKS, seen.size());
        for (int i = 0; i < SUB_WORKS; i++) {
            assertEquals(1, seen.getOrDefault(Integer.toString(i), 0), "result-" + i + " arrived exactly once");
        }

        work.tell(new WorkActor.WorkCommandExited(0));
        WorkActor.Finished finished = events.expectMessageClass(WorkActor.Finished.class, Duration.ofSeconds(20));
        assertEquals(0, finished.exitCode());
        WorkActor.Summary summary = finished.summary();
        assertEquals(SUB_WORKS, summary.total());
        assertEquals(0, summary.failed());
        assertEquals(SUB_WORKS, summary.remoteOk() + summary.localFallback());
        assertTrue(summary.remoteOk() > 0, "some ran remotely: " + summary);
        assertTrue(summary.localFallback() > 0, "those on the stopped worker were retried locally: " + summary);
        assertEquals(2, summary.workersUsed(), summary.line());
        assertEquals(Set.of(), Set.copyOf(listDir(tmp.resolve("w1"))), "worker 1 removed every sandbox");
    }

    private static List<Path> listDir(Path dir) throws Exception {
        if (!Files.exists(dir)) {
            return List.of();
        }
        try (var files = Files.list(dir)) {
            return files.toList();
        }
    }
}
