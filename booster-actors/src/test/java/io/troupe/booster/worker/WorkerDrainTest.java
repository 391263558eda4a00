package io.troupe.booster.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.troupe.booster.TestClusters;
import io.troupe.booster.worker.SubWorkExecutor.Done;
import io.troupe.booster.worker.SubWorkExecutor.Drain;
import io.troupe.booster.worker.SubWorkExecutor.Drained;
import io.troupe.booster.worker.SubWorkExecutor.Execute;
import io.troupe.booster.worker.SubWorkExecutor.Failed;
import io.troupe.booster.worker.SubWorkExecutor.Failure;
import io.troupe.booster.worker.SubWorkExecutor.Reply;
import io.troupe.booster.worker.SubWorkExecutor.Step;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A worker whose node shuts down: it refuses new sub-works and hands back queued ones as DRAINING, lets the
 * running one finish, answers {@link Drained} when none is left, stops what still runs at the drain timeout, and
 * its CoordinatedShutdown task holds the node until then.
 */
class WorkerDrainTest {

    private Path root;
    private ActorTestKit kit;

    @BeforeEach
    void sandboxRoot() throws Exception {
        root = Files.createTempDirectory("troupe-drain-test-");
        // the runs write marker files here as the sandbox user (nobody, when the tests run as root)
        Files.setPosixFilePermissions(root, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
    }

    @AfterEach
    void stop() {
        if (kit != null) {
            kit.shutdownTestKit();
        }
    }

    private ActorRef<SubWorkExecutor.Command> worker(String extra) {
        Config config = TestClusters.node("worker", root.resolve("sandboxes"), List.of("sh"),
                "troupe.worker.slots = 1\ntroupe.worker.queue-size = 2\ntroupe.worker.heartbeat-interval = 0s\n"
                        + "troupe.worker.sandbox.bubblewrap = off\n" + extra);
        TestClusters.WorkerNode node = TestClusters.worker(WorkerDrain.withPhaseTimeout(config));
        kit = node.kit();
        return node.worker();
    }

    private static Step sh(String script) {
        return new Step("sh", null, List.of("-c", script), List.of(), List.of());
    }

    private TestProbe<Reply> send(ActorRef<SubWorkExecutor.Command> worker, String id, String script) {
        TestProbe<Reply> probe = kit.createTestProbe();
        worker.tell(new Execute(id, List.of(sh(script)), List.of(), 0, probe.getRef(), probe.getRef()));
        return probe;
    }

    private static Failed expectDraining(TestProbe<Reply> probe) {
        Reply reply = probe.expectMessageClass(Reply.class, Duration.ofSeconds(20));
        assertTrue(reply instanceof Failed failed && failed.failure() == Failure.DRAINING, reply.toString());
        return (Failed) reply;
    }

    private static String stdout(Reply reply) {
        assertTrue(reply instanceof Done, reply.toString());
        return new String(((Done) reply).results().get(0).stdout(), StandardCharsets.UTF_8);
    }

    private void awaitFile(Path file) {
        kit.createTestProbe().awaitAssert(Duration.ofSeconds(10), () -> {
            assertTrue(Files.exists(file) && Files.size(file) > 0, file + " written");
            return null;
        });
    }

    @Test
    void refusesNewHandsBackQueuedAndLetsTheRunningOneFinish() throws Exception {
        ActorRef<SubWorkExecutor.Command> worker = worker("");
        Path started = root.resolve("started");
        Path release = root.resolve("release");
        TestProbe<Reply> running = send(worker, "running", "echo x > " + started + "; while [ ! -e " + release
                + " ]; do sleep 0.05; done; echo finished");
        awaitFile(started);
        TestProbe<Reply> queued = send(worker, "queued", "echo never");

        TestProbe<Drained> drained = kit.createTestProbe();
        worker.tell(new Drain(Duration.ofSeconds(30), drained.getRef()));
        Failed handedBack = expectDraining(queued);
        assertTrue(handedBack.message().contains("handed back before it started"), handedBack.message());
        assertTrue(handedBack.load().draining(), "the answer tells the booster the worker drains");
        Failed refused = expectDraining(send(worker, "late", "echo never"));
        assertTrue(refused.message().contains("is shutting down and takes no new sub-work"), refused.message());
        TestProbe<SubWorkExecutor.Load> load = kit.createTestProbe();
        worker.tell(new SubWorkExecutor.GetLoad(load.getRef()));
        assertTrue(load.receiveMessage().draining(), "load reports say it drains");
        drained.expectNoMessage(Duration.ofMillis(300)); // one sub-work still runs

        Files.writeString(release, "go");
        assertEquals("finished\n", stdout(running.expectMessageClass(Reply.class, Duration.ofSeconds(20))));
        assertEquals(new Drained(2, 0), drained.expectMessageClass(Drained.class, Duration.ofSeconds(10)));
    }

    @Test
    void pastTheDrainTimeoutTheRunningSubWorkIsStoppedAndHandedBack() throws Exception {
        ActorRef<SubWorkExecutor.Command> worker = worker("");
        Path pidFile = root.resolve("stuck.pid");
        TestProbe<Reply> running = send(worker, "stuck", "echo $$ > " + pidFile + "; exec sleep 300");
        awaitFile(pidFile);
        long pid = Long.parseLong(Files.readString(pidFile).trim());

        TestProbe<Drained> drained = kit.createTestProbe();
        worker.tell(new Drain(Duration.ofMillis(300), drained.getRef()));
        Failed stopped = expectDraining(running);
        assertTrue(stopped.message().contains("stopped at troupe.worker.drain-timeout"), stopped.message());
        assertEquals(new Drained(0, 1), drained.expectMessageClass(Drained.class, Duration.ofSeconds(10)));
        assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "the stopped run is killed");
        running.expectNoMessage(Duration.ofMillis(200)); // answered once
    }

    @Test
    void theDrainWaitsForAResultDownloadUnderWay() throws Exception {
        ActorRef<SubWorkExecutor.Command> worker = worker("troupe.worker.cas.inline-bytes = 0"); // results by digest
        TestProbe<Reply> probe = kit.createTestProbe();
        worker.tell(new Execute("result", List.of(new Step("sh", null, List.of("-c", "echo made > out.txt"), List.of(),
                List.of("out.txt"))), List.of(), 0, probe.getRef(), probe.getRef()));
        Reply reply = probe.expectMessageClass(Reply.class, Duration.ofSeconds(20));
        assertTrue(reply instanceof Done, reply.toString());
        SubWorkExecutor.ResultFile file = ((Done) reply).results().get(0).files().get(0);
        TestProbe<SubWorkExecutor.DownloadFrom> download = kit.createTestProbe();
        worker.tell(new SubWorkExecutor.Fetch("result", List.of(new SubWorkExecutor.Blob(file.digest(), file.size())),
                download.getRef()));
        SubWorkExecutor.DownloadFrom from = download.expectMessageClass(SubWorkExecutor.DownloadFrom.class,
                Duration.ofSeconds(10));

        TestProbe<Drained> drained = kit.createTestProbe();
        worker.tell(new Drain(Duration.ofSeconds(30), drained.getRef()));
        drained.expectNoMessage(Duration.ofMillis(1500)); // the booster has not taken the result file yet
        from.source().getSource().runWith(org.apache.pekko.stream.javadsl.Sink.ignore(), kit.system())
                .toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertEquals(new Drained(0, 0), drained.expectMessageClass(Drained.class, Duration.ofSeconds(10)));
    }

    @Test
    void theNodesShutdownWaitsForTheRunningSubWork() throws Exception {
        ActorRef<SubWorkExecutor.Command> worker = worker("troupe.worker.drain-timeout = 20s");
        WorkerDrain.register(kit.system(), worker);
        Path started = root.resolve("started");
        TestProbe<Reply> running = send(worker, "slow", "echo x > " + started + "; sleep 1; echo finished");
        awaitFile(started);

        CoordinatedShutdown.get(kit.system()).runAll(CoordinatedShutdown.unknownReason());
        assertEquals("finished\n", stdout(running.expectMessageClass(Reply.class, Duration.ofSeconds(20))),
                "the drain let the sub-work answer before the node stopped");
        kit.system().getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    @Test
    void thePhaseTimeoutOutlastsTheDrainTimeoutAndBadValuesAreNamed() {
        Config config = ConfigFactory.parseString("troupe.worker.drain-timeout = 90s").withFallback(ConfigFactory.load());
        assertEquals(Duration.ofSeconds(100), WorkerDrain.withPhaseTimeout(config)
                .getDuration("pekko.coordinated-shutdown.phases.service-requests-done.timeout"));
        Config longer = ConfigFactory.parseString(
                "pekko.coordinated-shutdown.phases.service-requests-done.timeout = 5 minutes").withFallback(config);
        assertEquals(Duration.ofMinutes(5), WorkerDrain.withPhaseTimeout(longer)
                .getDuration("pekko.coordinated-shutdown.phases.service-requests-done.timeout"), "a longer one is kept");
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> WorkerDrain.timeout(
                ConfigFactory.parseString("troupe.worker.drain-timeout = soon").withFallback(ConfigFactory.load())));
        assertTrue(bad.getMessage().startsWith("troupe.worker.drain-timeout: "), bad.getMessage());
    }
}
