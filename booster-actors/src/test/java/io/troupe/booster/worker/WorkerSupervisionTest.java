package io.troupe.booster.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.booster.TestClusters;
import io.troupe.booster.cas.CasStreams;
import io.troupe.booster.cas.ContentStore;
import io.troupe.booster.cas.Digests;
import io.troupe.booster.worker.SubWorkExecutor.Done;
import io.troupe.booster.worker.SubWorkExecutor.Execute;
import io.troupe.booster.worker.SubWorkExecutor.Failed;
import io.troupe.booster.worker.SubWorkExecutor.Failure;
import io.troupe.booster.worker.SubWorkExecutor.Reply;
import io.troupe.booster.worker.SubWorkExecutor.Step;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.stream.Materializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The worker-side actors' supervision, one test per failure they handle: the SubWorkExecutor restarts (slots
 * freed, every requester answered, still serving), an Execution that fails stops and its requester is answered,
 * and the content store's failures (a corrupt upload, a blob gone from disk) end in an answer, not a wait.
 */
class WorkerSupervisionTest {

    @TempDir
    Path tmp;

    private ActorTestKit kit;
    private Path sandboxes;
    /** every log event while the test runs: Pekko's own failures (its dead-letter listener) must not show */
    private final ListAppender<ILoggingEvent> logged = new ListAppender<>();

    @BeforeEach
    void start() throws Exception {
        // the runs write pid files here as the sandbox user, and the test reads them
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxrwxrwx"));
        sandboxes = tmp.resolve("sandboxes");
        logged.start();
        rootLogger().addAppender(logged);
        kit = ActorTestKit.create("troupe", TestClusters.node("worker", sandboxes, List.of("sh"),
                "troupe.worker.slots = 1\ntroupe.worker.queue-size = 1\ntroupe.worker.heartbeat-interval = 0s\n"
                        + "troupe.worker.toolchains = [sh]\ntroupe.worker.sandbox.bubblewrap = off"));
    }

    @AfterEach
    void stop() {
        try {
            assertNoNullPointerLogged();
        } finally {
            kit.shutdownTestKit();
            rootLogger().detachAppender(logged);
        }
    }

    private static ch.qos.logback.classic.Logger rootLogger() {
        return (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    }

    /**
     * A reply that reaches an actor already stopped goes to dead letters; one whose message is null (a
     * pipeToSelf of a future completing with null) made Pekko's dead-letter listener throw.
     */
    private void assertNoNullPointerLogged() {
        List<ILoggingEvent> events;
        synchronized (logged) { // the appender appends holding its own lock
            events = List.copyOf(logged.list);
        }
        List<String> npes = events.stream()
                .filter(event -> event.getLevel() == Level.ERROR && event.getThrowableProxy() != null
                        && event.getThrowableProxy().getClassName().equals(NullPointerException.class.getName())
                        && !event.getLoggerName().equals(SubWorkExecutor.class.getName())) // the test's own failure
                .map(event -> event.getLoggerName() + ": " + event.getFormattedMessage())
                .toList();
        assertEquals(List.of(), npes, "a NullPointerException was logged");
    }

    private static Step sh(String script) {
        return new Step("sh", null, List.of("-c", script), List.of(), List.of());
    }

    private long awaitPid(Path pidFile) {
        kit.createTestProbe().awaitAssert(Duration.ofSeconds(20), () -> {
            assertTrue(Files.exists(pidFile) && Files.readString(pidFile).strip().matches("\\d+"), "no pid in " + pidFile);
            return null;
        });
        try {
            return Long.parseLong(Files.readString(pidFile).strip());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private void awaitGone(long pid) {
        kit.createTestProbe().awaitAssert(Duration.ofSeconds(10), () -> {
            assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "process " + pid + " still runs");
            return null;
        });
    }

    private void awaitNoSandbox() {
        kit.createTestProbe().awaitAssert(Duration.ofSeconds(10), () -> {
            try (var left = Files.list(sandboxes)) {
                assertEquals(List.of(), left.toList(), "sandboxes left");
            }
            return null;
        });
    }

    private static Failed expectFailed(TestProbe<Reply> probe, Failure kind, String containing) {
        Reply reply = probe.expectMessageClass(Reply.class, Duration.ofSeconds(20));
        assertTrue(reply instanceof Failed, "expected a failure, got " + reply);
        Failed failed = (Failed) reply;
        assertEquals(kind, failed.failure(), failed.message());
        assertTrue(failed.message().contains(containing), failed.message());
        return failed;
    }

    @Test
    void theExecutorRestartsAfterAFailureAnswersEveryoneFreesItsSlotAndKeepsServing() throws Exception {
        ActorRef<SubWorkExecutor.Command> worker = kit.spawn(SubWorkExecutor.create(), "worker");
        Path pidFile = tmp.resolve("running.pid");
        TestProbe<Reply> running = kit.createTestProbe();
        worker.tell(new Execute("running", List.of(sh("echo $$ > " + pidFile + "; exec sleep 60")), List.of(), 0,
                running.getRef(), running.getRef()));
        long pid = awaitPid(pidFile);
        TestProbe<Reply> queued = kit.createTestProbe();
        worker.tell(new Execute("queued", List.of(sh("true")), List.of(), 0, queued.getRef(), queued.getRef()));
        TestProbe<SubWorkExecutor.Load> load = kit.createTestProbe();
        worker.tell(new SubWorkExecutor.GetLoad(load.getRef()));
        assertEquals(1, load.receiveMessage(Duration.ofSeconds(20)).queued(), "one slot, one queued");

        // a malformed offer (no blob list, as a foreign client may send) throws inside the executor
        worker.tell(new SubWorkExecutor.Offer("malformed", null, kit.<SubWorkExecutor.OfferReply>createTestProbe().getRef()));

        expectFailed(running, Failure.IO_ERROR, "stopped on the worker");
        expectFailed(queued, Failure.IO_ERROR, "restarted");
        awaitGone(pid);
        awaitNoSandbox();
        worker.tell(new SubWorkExecutor.GetLoad(load.getRef()));
        SubWorkExecutor.Load after = load.receiveMessage(Duration.ofSeconds(20));
        assertEquals(0, after.running(), "the slot is free after the restart");
        assertEquals(0, after.queued());

        TestProbe<Reply> next = kit.createTestProbe();
        worker.tell(new Execute("next", List.of(sh("echo served")), List.of(), 0, next.getRef(), next.getRef()));
        Reply reply = next.expectMessageClass(Reply.class, Duration.ofSeconds(20));
        assertTrue(reply instanceof Done, "expected Done, got " + reply);
        assertEquals("served\n", new String(((Done) reply).results().get(0).stdout(), StandardCharsets.UTF_8));
    }

    @Test
    void anExecutionThatFailsStopsKillsItsRunAndAnswersTheRequester() throws Exception {
        WorkerSettings settings = WorkerSettings.fromConfig(kit.system().settings().config().getConfig("troupe.worker"));
        Executor blocking = kit.system().dispatchers().lookup(DispatcherSelector.fromConfig("troupe.blocking-dispatcher"));
        ContentStore store = ContentStore.open(tmp.resolve("cas"), 1 << 20);
        Path pidFile = tmp.resolve("run.pid");
        TestProbe<Reply> requester = kit.createTestProbe();
        Execute request = new Execute("failing", List.of(sh("echo $$ > " + pidFile + "; exec sleep 60")), List.of(), 0,
                requester.getRef(), requester.getRef());
        SandboxRun run = new SandboxRun(request, settings, SandboxLauncher.of(settings), store,
                () -> new SubWorkExecutor.Load("test", 1, 1, 0, 0), () -> { }, System.nanoTime(),
                SandboxDirs.newRoot(sandboxes, "execution-failing"));
        CompletableFuture<Void> submitted = new CompletableFuture<>();
        ActorRef<Execution.Command> execution = kit.spawn(Execution.create(run, submitted));
        run.submit(execution, blocking).whenComplete((ok, error) -> submitted.complete(null));
        long pid = awaitPid(pidFile);

        // a process without a pid makes the Execution's own code throw
        execution.tell(new Execution.Started(0, new PidlessProcess()));

        expectFailed(requester, Failure.IO_ERROR, "stopped on the worker");
        awaitGone(pid);
        awaitNoSandbox();
        kit.createTestProbe().expectTerminated(execution, Duration.ofSeconds(10));
    }

    @Test
    void aCorruptUploadIsRefusedAndLeavesNothingInTheStore() throws Exception {
        ActorRef<SubWorkExecutor.Command> worker = kit.spawn(SubWorkExecutor.create(), "worker");
        byte[] announced = "the bytes the booster hashed".getBytes(StandardCharsets.UTF_8);
        String digest = Digests.of(announced);
        byte[] corrupt = announced.clone();
        corrupt[0] ^= 1;
        Path local = Files.write(tmp.resolve("corrupt.bin"), corrupt);

        TestProbe<SubWorkExecutor.OfferReply> offers = kit.createTestProbe();
        worker.tell(new SubWorkExecutor.Offer("s", List.of(new SubWorkExecutor.Blob(digest, corrupt.length)), offers.getRef()));
        var to = offers.expectMessageClass(SubWorkExecutor.UploadTo.class, Duration.ofSeconds(20));
        CasStreams.ofFiles(List.of(new CasStreams.LocalBlob(digest, local)))
                .runWith(to.sink().getSink(), Materializer.matFromSystem(kit.system()));
        var uploaded = offers.expectMessageClass(SubWorkExecutor.Uploaded.class, Duration.ofSeconds(20));
        assertNotNull(uploaded.error(), "a blob whose bytes do not match its digest is refused");
        assertTrue(uploaded.error().contains(digest), uploaded.error());

        TestProbe<Reply> replies = kit.createTestProbe();
        worker.tell(new Execute("s", List.of(sh("cat in")), List.of(SubWorkExecutor.InputFile.byDigest("in", digest,
                announced.length, false)), 0, replies.getRef(), replies.getRef()));
        assertEquals(List.of(digest), replies.expectMessageClass(SubWorkExecutor.NeedInputs.class).missing(),
                "the corrupt blob is not in the store");
        Path casTmp = settings().casDir().resolve("tmp");
        try (var parts = Files.list(casTmp)) {
            assertEquals(List.of(), parts.toList(), "the partial file is removed");
        }
    }

    @Test
    void aBlobGoneFromDiskFailsTheRunAndIsAskedForAgain() throws Exception {
        ActorRef<SubWorkExecutor.Command> worker = kit.spawn(SubWorkExecutor.create(), "worker");
        byte[] content = "input that will vanish".getBytes(StandardCharsets.UTF_8);
        String digest = Digests.of(content);
        Path local = Files.write(tmp.resolve("in.bin"), content);
        TestProbe<SubWorkExecutor.OfferReply> offers = kit.createTestProbe();
        worker.tell(new SubWorkExecutor.Offer("s", List.of(new SubWorkExecutor.Blob(digest, content.length)), offers.getRef()));
        var to = offers.expectMessageClass(SubWorkExecutor.UploadTo.class, Duration.ofSeconds(20));
        CasStreams.ofFiles(List.of(new CasStreams.LocalBlob(digest, local)))
                .runWith(to.sink().getSink(), Materializer.matFromSystem(kit.system()));
        assertEquals(null, offers.expectMessageClass(SubWorkExecutor.Uploaded.class, Duration.ofSeconds(20)).error());

        // a disk error, or another process, takes the blob away behind the store's back
        Files.delete(settings().casDir().resolve(digest));
        Execute execute = new Execute("s", List.of(sh("cat in")), List.of(SubWorkExecutor.InputFile.byDigest("in", digest,
                content.length, false)), 0, null, null);
        TestProbe<Reply> first = kit.createTestProbe();
        worker.tell(withReplyTo(execute, first.getRef()));
        expectFailed(first, Failure.IO_ERROR, digest);
        TestProbe<Reply> second = kit.createTestProbe();
        worker.tell(withReplyTo(execute, second.getRef()));
        assertEquals(List.of(digest), second.expectMessageClass(SubWorkExecutor.NeedInputs.class).missing(),
                "the store forgot the lost blob: the booster sends it again");
        awaitNoSandbox();
    }

    private static Execute withReplyTo(Execute execute, ActorRef<Reply> replyTo) {
        return new Execute(execute.subWorkId(), execute.steps(), execute.inputs(), execute.timeoutMillis(), replyTo, replyTo);
    }

    private WorkerSettings settings() {
        return WorkerSettings.fromConfig(kit.system().settings().config().getConfig("troupe.worker"));
    }

    /** A Process whose {@link Process#pid()} throws, as the JDK's default does. */
    private static final class PidlessProcess extends StreamlessProcess {
        @Override
        public int waitFor() {
            return 0;
        }

        @Override
        public int exitValue() {
            return 0;
        }

        @Override
        public void destroy() {}
    }
}
