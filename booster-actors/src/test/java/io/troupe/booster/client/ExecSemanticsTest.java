package io.troupe.booster.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.troupe.api.booster.Command;
import io.troupe.api.booster.DeterministicFailure;
import io.troupe.api.booster.DistCommand;
import io.troupe.api.booster.DistResult;
import io.troupe.api.booster.Handler;
import io.troupe.api.booster.Sandbox;
import io.troupe.booster.TestClusters;
import io.troupe.booster.gateway.ExecutorGateway;
import io.troupe.booster.gateway.GatewayProtocol.StdinKind;
import io.troupe.booster.handler.EchoHandler;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The attempt and fallback rules of a sub-work (Sandbox, deterministic failures, stdin, progress timeouts,
 * fallback reasons, --max_fallback_ratio) on a single-node cluster with an embedded worker.
 */
class ExecSemanticsTest {

    private static Path root;
    private static ActorTestKit kit;
    private static ActorRef<io.troupe.booster.worker.SubWorkExecutor.Command> worker;
    private static final Map<String, String> ENV = Map.of("PATH", System.getenv("PATH"), "X", "from-client");

    @BeforeAll
    static void start() throws Exception {
        root = Files.createTempDirectory("troupe-execsem-test-");
        // a quick heartbeat, so a 1-second --io_timeout_secs is several heartbeats long
        TestClusters.WorkerNode node = TestClusters.selfWorker(root.resolve("sandboxes"), List.of("sh", "cat"),
                "troupe.worker.slots = 2\ntroupe.worker.heartbeat-interval = 200ms");
        kit = node.kit();
        worker = node.worker();
    }

    @AfterAll
    static void stop() {
        kit.shutdownTestKit();
    }

    private record Sub(List<String> argv, ExecutorGateway.Stdin stdin) {
        static Sub of(String... argv) {
            return new Sub(List.of(argv), ExecutorGateway.Stdin.UNKNOWN);
        }
    }

    private record Outcome(List<ExecutorGateway.SubWorkReply> replies, WorkActor.Finished finished, JsonNode stats) {
        ExecutorGateway.SubWorkReply reply() {
            return replies.get(0);
        }

        String stdout() {
            return new String(reply().stdout(), StandardCharsets.UTF_8);
        }

        String stderr() {
            return new String(reply().stderr(), StandardCharsets.UTF_8);
        }

        JsonNode sub(int index) {
            return stats.at("/sub_works/" + index);
        }
    }

    private static WorkSettings settings(String name, boolean local, int retries, int ioTimeoutSecs,
            int remoteTimeoutSecs, double maxFallbackRatio) throws Exception {
        Path dir = Files.createDirectories(root.resolve(name));
        return new WorkSettings("custom", "execsem", name, null, false, null, local, false, retries, 2, 0, ioTimeoutSecs,
                List.of(), dir, ENV, dir.resolve("stats.json"), remoteTimeoutSecs, maxFallbackRatio);
    }

    private static WorkSettings settings(String name, int retries) throws Exception {
        return settings(name, false, retries, 20, 0, 1.0);
    }

    /** Runs one work whose sub-works are {@code subs}, one after the other, and reads its --stats_json. */
    private static Outcome run(WorkSettings settings, Handler handler, Sub... subs) throws Exception {
        TestProbe<WorkActor.Event> events = kit.createTestProbe();
        ActorRef<WorkActor.Command> work =
                kit.spawn(WorkActor.create(settings, handler, WorkActor.Launch.EXTERNAL, events.getRef()));
        events.expectMessageClass(WorkActor.Ready.class, Duration.ofSeconds(20));
        List<ExecutorGateway.SubWorkReply> replies = new ArrayList<>();
        for (Sub sub : subs) {
            TestProbe<ExecutorGateway.SubWorkReply> reply = kit.createTestProbe();
            work.tell(new WorkActor.SubWork(new ExecutorGateway.SubWorkArrived(sub.argv(),
                    settings.workDir().toString(), ENV, sub.stdin(), reply.getRef())));
            replies.add(reply.expectMessageClass(ExecutorGateway.SubWorkReply.class, Duration.ofSeconds(30)));
        }
        work.tell(new WorkActor.WorkCommandExited(0));
        WorkActor.Finished finished = events.expectMessageClass(WorkActor.Finished.class, Duration.ofSeconds(20));
        JsonNode stats = new ObjectMapper().readTree(settings.statsJson().toFile());
        return new Outcome(replies, finished, stats);
    }

    /** Runs the sub-work's own argv remotely; a non-zero remote exit is a deterministic failure (a compile error). */
    private static final class CompilerLike implements Handler {
        final AtomicInteger remoteRuns = new AtomicInteger();
        final List<Sandbox> sandboxes = new CopyOnWriteArrayList<>();

        @Override
        public DistCommand preExecute(List<String> command) {
            throw new AssertionError("the booster calls preExecute(command, sandbox)");
        }

        @Override
        public DistCommand preExecute(List<String> command, Sandbox sandbox) {
            sandboxes.add(sandbox);
            return DistCommand.of(Command.of(command.get(0), command.subList(1, command.size())));
        }

        @Override
        public void postExecute(DistResult result) throws Exception {
            remoteRuns.incrementAndGet();
            int code = result.results().get(0).retCode();
            if (code != 0) {
                throw new DeterministicFailure("exit code " + code);
            }
        }
    }

    @Test
    void preExecuteGetsTheSubWorksDirectoryAndEnvironment() throws Exception {
        CompilerLike handler = new CompilerLike();
        WorkSettings settings = settings("sandbox", 0);
        Outcome outcome = run(settings, handler, Sub.of("sh", "-c", "echo remote-$X"));
        assertEquals("remote-\n", outcome.stdout(), "X is the client's, not sent to the worker: " + outcome.stderr());
        assertEquals(1, handler.sandboxes.size());
        assertEquals(settings.workDir().toAbsolutePath(), handler.sandboxes.get(0).dir());
        assertEquals("from-client", handler.sandboxes.get(0).env().get("X"));
        assertEquals("remote", outcome.sub(0).at("/route").asText());
        assertTrue(outcome.sub(0).at("/fallback_reason").isNull());
        assertTrue(outcome.sub(0).has("send_ms"), outcome.stats.toString());
        // the worker's own share of the remote phase, and the process's share of that
        double worker = outcome.sub(0).at("/worker_ms").asDouble();
        double process = outcome.sub(0).at("/process_ms").asDouble();
        long sendAndRemote = outcome.sub(0).at("/send_ms").asLong() + outcome.sub(0).at("/remote_ms").asLong();
        assertTrue(worker > 0 && worker <= sendAndRemote + 2, outcome.sub(0).toString()); // ms rounding of both
        assertTrue(process > 0 && process <= worker, outcome.sub(0).toString());
    }

    @Test
    void aDeterministicRemoteFailureIsRunLocallyOnceAndOnlyTheLocalDiagnosticsAreShown() throws Exception {
        CompilerLike handler = new CompilerLike();
        Path dir = Files.createDirectories(root.resolve("compile-error"));
        Files.writeString(dir.resolve("where"), "local");
        // the worker's sandbox has no file "where": the remote message differs from the local one
        // --max_fallback_ratio 0: a compile error the local run repeats is a failure, not a fallback
        Outcome outcome = run(settings("compile-error", false, 3, 20, 0, 0.0), handler,
                Sub.of("sh", "-c", "echo \"error: bad.c:1 ($(cat where 2>/dev/null || echo remote))\" >&2; exit 3"));
        assertEquals(3, outcome.reply().exitCode(), "the tool's own exit code");
        assertEquals("error: bad.c:1 (local)\n", outcome.stderr(), "the diagnostics once, from the local run");
        assertEquals(1, handler.remoteRuns.get(), "no remote retry although --remote_retry_times 3");
        assertEquals(new WorkActor.Summary(1, 0, 0, 1, 0, Map.of()), outcome.finished().summary());
        assertFalse(outcome.finished().summary().line().contains("fell back"), outcome.finished().summary().line());
        assertEquals(0, outcome.finished().exitCode(), "within --max_fallback_ratio 0");
        assertEquals("remote_nonzero", outcome.sub(0).at("/fallback_reason").asText(), "why it ran locally");
        assertEquals(1, outcome.sub(0).at("/attempts").asInt());
        assertFalse(outcome.stats.at("/work/summary/fallbacks").has("remote_nonzero"));
    }

    @Test
    void aRemoteFailureTheLocalRunDoesNotRepeatIsAFallback() throws Exception {
        Path dir = Files.createDirectories(root.resolve("remote-only-error"));
        Files.writeString(dir.resolve("where"), "local");
        // fails only where the file is missing (the worker): the local run succeeds, so the cluster failed it
        Outcome outcome = run(settings("remote-only-error", false, 0, 20, 0, 0.0), new CompilerLike(),
                Sub.of("sh", "-c", "cat where"));
        assertEquals(0, outcome.reply().exitCode(), outcome.stderr());
        assertEquals(new WorkActor.Summary(1, 0, 1, 0, 0, Map.of(FallbackReason.REMOTE_NONZERO, 1)),
                outcome.finished().summary());
        assertEquals(WorkActor.FALLBACK_RATIO_EXCEEDED, outcome.finished().exitCode());
    }

    @Test
    void aHandlerMayServeEachSubWorkWithAFreshInstanceAsTbsDoes() throws Exception {
        PerSubWork work = new PerSubWork(null);
        Outcome outcome = run(settings("per-sub-work", 0), work,
                Sub.of("sh", "-c", "echo one"), Sub.of("sh", "-c", "echo two"), Sub.of("sh", "-c", "echo three"));
        assertEquals(3, outcome.finished().summary().remoteOk(), outcome.stderr());
        assertEquals(0, work.preExecutes.get(), "the work's own instance serves no sub-work");
        // what each instance's preExecute kept in its field reached its own postExecute and finalExecute
        assertEquals(List.of("echo one=one", "echo two=two", "echo three=three"), List.copyOf(work.judged));
        assertEquals(List.of("echo one", "echo two", "echo three"), List.copyOf(work.finished));
        assertEquals(3, work.instances.size());
        assertEquals(3, work.instances.stream().distinct().count(), "one instance per sub-work");
    }

    /** Keeps preExecute's command in a field, as a TBS handler keeps per-job state in its struct. */
    private static final class PerSubWork implements Handler {
        final AtomicInteger preExecutes = new AtomicInteger();
        final List<String> judged;
        final List<String> finished;
        final List<Integer> instances;
        private String mine;

        PerSubWork(PerSubWork work) {
            this.judged = work == null ? new CopyOnWriteArrayList<>() : work.judged;
            this.finished = work == null ? new CopyOnWriteArrayList<>() : work.finished;
            this.instances = work == null ? new CopyOnWriteArrayList<>() : work.instances;
        }

        @Override
        public Handler forSubWork() {
            return new PerSubWork(this);
        }

        @Override
        public DistCommand preExecute(List<String> command) {
            preExecutes.incrementAndGet();
            instances.add(System.identityHashCode(this));
            mine = command.get(2);
            return DistCommand.of(Command.of(command.get(0), command.subList(1, command.size())));
        }

        @Override
        public void postExecute(DistResult result) throws Exception {
            judged.add(mine + "=" + new String(result.results().get(0).stdout(), StandardCharsets.UTF_8).strip());
            if (result.results().get(0).retCode() != 0) {
                throw new Exception("remote exit " + result.results().get(0).retCode());
            }
        }

        @Override
        public void finalExecute(List<String> command) {
            finished.add(mine);
        }
    }

    @Test
    void aRemoteNonZeroExitTheHandlerAcceptsIsFailedOnTheWorkerThatRanIt() throws Exception {
        Handler acceptsAll = new Handler() {
            @Override
            public DistCommand preExecute(List<String> command) {
                return DistCommand.of(Command.of(command.get(0), command.subList(1, command.size())));
            }

            @Override
            public void postExecute(DistResult result) {
                // the remote result stands, whatever its exit code
            }
        };
        Outcome outcome = run(settings("accepted-exit", 0), acceptsAll, Sub.of("sh", "-c", "echo ran >&2; exit 7"));
        assertEquals(7, outcome.reply().exitCode());
        assertEquals("ran\n", outcome.stderr(), "the remote run's own output, once");
        assertEquals(new WorkActor.Summary(1, 0, 0, 1, 1, Map.of()), outcome.finished().summary());
    }

    @Test
    void aFailureThatCannotChangeIsNotTriedRemotely() throws Exception {
        Handler tooLarge = command -> {
            throw new FallbackException(FallbackReason.TOO_LARGE, "input big.o is 2 GiB, more than the 1 GiB limit");
        };
        Outcome outcome = run(settings("too-large", 3), tooLarge, Sub.of("sh", "-c", "echo local"));
        assertEquals("local\n", outcome.stdout());
        assertEquals(0, outcome.sub(0).at("/attempts").asInt());
        assertEquals("too_large", outcome.sub(0).at("/fallback_reason").asText());
        assertEquals("local", outcome.sub(0).at("/route").asText());
    }

    @Test
    void aRegularFileOnStdinIsForwardedToTheWorker() throws Exception {
        byte[] input = "line one\nline two\n".getBytes(StandardCharsets.UTF_8);
        Outcome outcome = run(settings("stdin-file", 0), new EchoHandler(),
                new Sub(List.of("cat"), new ExecutorGateway.Stdin(StdinKind.FILE, input)));
        assertEquals("line one\nline two\n", outcome.stdout(), outcome.stderr());
        assertEquals("remote", outcome.sub(0).at("/route").asText());
    }

    @Test
    void aRegularFileOnStdinFeedsALocalRunToo() throws Exception {
        Outcome outcome = run(settings("stdin-local", true, 0, 20, 0, 1.0), new EchoHandler(),
                new Sub(List.of("cat"), new ExecutorGateway.Stdin(StdinKind.FILE, "fed\n".getBytes(StandardCharsets.UTF_8))));
        assertEquals("fed\n", outcome.stdout(), outcome.stderr());
        assertEquals("local", outcome.sub(0).at("/route").asText());
    }

    @Test
    void aForcedLocalSubWorkIsCountedUnderItsOwnReasonAndNotByTheFallbackRatio() throws Exception {
        WorkSettings plain = settings("force-local", false, 0, 20, 0, 0.0);
        Map<String, String> env = new java.util.HashMap<>(ENV);
        env.put(io.troupe.booster.exec.BoosterExec.FORCE_LOCAL_KEYS_ENV, "conftest" + io.troupe.booster.exec.BoosterExec.KEY_SEPARATOR + "-E");
        WorkSettings settings = new WorkSettings(plain.type(), plain.projectId(), plain.buildId(), plain.command(), false,
                null, false, false, 0, 2, 0, 20, List.of(), plain.workDir(), env, plain.statsJson(), 0, 0.0);
        Outcome outcome = run(settings, new EchoHandler(), Sub.of("sh", "-c", "echo conftest"), Sub.of("sh", "-c", "echo remote"));
        assertTrue(outcome.replies().get(0).runLocally(), "booster-exec runs it itself");
        assertFalse(outcome.replies().get(1).runLocally());
        assertEquals("remote\n", new String(outcome.replies().get(1).stdout(), StandardCharsets.UTF_8));
        assertEquals(Map.of(FallbackReason.FORCED_LOCAL, 1), outcome.finished().summary().fallbacks());
        assertTrue(outcome.finished().summary().line().contains("fell back: forced local 1"),
                outcome.finished().summary().line());
        assertEquals("forced_local", outcome.sub(0).at("/fallback_reason").asText());
        assertEquals("local", outcome.sub(0).at("/route").asText());
        assertEquals(0, outcome.finished().exitCode(), "--max_fallback_ratio 0 does not count what the user forced local");
    }

    @Test
    void theForceLocalKeysAreNotPassedToTheWorkCommand() throws Exception {
        WorkSettings plain = settings("force-local-env", 0);
        Map<String, String> env = new java.util.HashMap<>(ENV);
        env.put(io.troupe.booster.exec.BoosterExec.FORCE_LOCAL_KEYS_ENV, "conftest");
        WorkSettings settings = new WorkSettings(plain.type(), plain.projectId(), plain.buildId(), "true", false,
                null, false, false, 0, 2, 0, 20, List.of(), plain.workDir(), env, null);
        WorkLaunch.Environment environment = WorkLaunch.prepareEnvironment(settings, new EchoHandler(),
                WorkLaunch.boosterConfig(settings, 1), Duration.ZERO);
        // booster-exec would run such a sub-work without asking the booster, which then could not count it
        assertFalse(environment.env().containsKey(io.troupe.booster.exec.BoosterExec.FORCE_LOCAL_KEYS_ENV));
        Files.deleteIfExists(environment.tempDir());
    }

    @Test
    void theWorkCommandRunsUnderBashAsInTbs() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(Path.of("/bin/bash")), "no /bin/bash here");
        WorkSettings plain = settings("bash-work", 0);
        // bk-booster runs -a with /bin/bash -c: scripts use source, [[ ]] and pipefail; dash knows none of them
        WorkSettings settings = new WorkSettings(plain.type(), plain.projectId(), plain.buildId(),
                "set -o pipefail; [[ -n $BASH_VERSION ]] && source /dev/null && echo bash > out.txt", false,
                null, false, false, 0, 2, 0, 20, List.of(), plain.workDir(), ENV, null);
        Path out = settings.workDir().resolve("out.txt");
        Process p = WorkLaunch.startWorkProcess(settings, WorkLaunch.boosterConfig(settings, 1), ENV);
        assertEquals(0, p.waitFor(), "exit code of the work command");
        assertEquals("bash\n", Files.readString(out));
    }

    @Test
    void anInterruptedWorkStopsItsRemoteSubWorksAtOnceInsteadOfWaitingForThem() throws Exception {
        WorkSettings settings = settings("interrupted", 0);
        TestProbe<WorkActor.Event> events = kit.createTestProbe();
        ActorRef<WorkActor.Command> work =
                kit.spawn(WorkActor.create(settings, new EchoHandler(), WorkActor.Launch.EXTERNAL, events.getRef()));
        events.expectMessageClass(WorkActor.Ready.class, Duration.ofSeconds(20));
        TestProbe<ExecutorGateway.SubWorkReply> reply = kit.createTestProbe();
        work.tell(new WorkActor.SubWork(new ExecutorGateway.SubWorkArrived(List.of("sh", "-c", "sleep 60"),
                settings.workDir().toString(), ENV, ExecutorGateway.Stdin.UNKNOWN, reply.getRef())));
        awaitRunningOnTheWorker(1, Duration.ofSeconds(20));
        // Ctrl-C: make dies of SIGINT; a booster-exec still waiting gets that exit code, the worker stops the run
        work.tell(new WorkActor.WorkCommandExited(130));
        WorkActor.Finished finished = events.expectMessageClass(WorkActor.Finished.class, Duration.ofSeconds(20));
        assertEquals(130, finished.exitCode());
        assertEquals(1, finished.summary().failed());
        assertEquals(130, reply.expectMessageClass(ExecutorGateway.SubWorkReply.class).exitCode());
        awaitRunningOnTheWorker(0, Duration.ofSeconds(10)); // the remote run was cancelled
        assertTrue(WorkActor.interrupted(143) && WorkActor.interrupted(129) && !WorkActor.interrupted(2)
                && !WorkActor.interrupted(1));
    }

    @Test
    void anInterruptedWorkEndsItsLocalRunsToo() throws Exception {
        WorkSettings settings = settings("interrupted-local", true, 0, 20, 0, 1.0);
        TestProbe<WorkActor.Event> events = kit.createTestProbe();
        ActorRef<WorkActor.Command> work =
                kit.spawn(WorkActor.create(settings, new EchoHandler(), WorkActor.Launch.EXTERNAL, events.getRef()));
        events.expectMessageClass(WorkActor.Ready.class, Duration.ofSeconds(20));
        Path pidFile = settings.workDir().resolve("local.pid");
        TestProbe<ExecutorGateway.SubWorkReply> reply = kit.createTestProbe();
        work.tell(new WorkActor.SubWork(new ExecutorGateway.SubWorkArrived(
                List.of("sh", "-c", "echo $$ > " + pidFile + "; exec sleep 60"),
                settings.workDir().toString(), ENV, ExecutorGateway.Stdin.UNKNOWN, reply.getRef())));
        TestProbe<Long> pid = kit.createTestProbe();
        long localPid = pid.awaitAssert(Duration.ofSeconds(20), () -> Long.parseLong(Files.readString(pidFile).trim()));
        assertTrue(ProcessHandle.of(localPid).map(ProcessHandle::isAlive).orElse(false), "the local run runs");
        work.tell(new WorkActor.WorkCommandExited(130));
        assertEquals(130, events.expectMessageClass(WorkActor.Finished.class, Duration.ofSeconds(20)).exitCode());
        // the sleep gets SIGTERM when its sub-work stops, as a terminal's Ctrl-C would have reached it
        pid.awaitAssert(Duration.ofSeconds(10), () -> {
            assertFalse(ProcessHandle.of(localPid).map(ProcessHandle::isAlive).orElse(false), "pid " + localPid);
            return null;
        });
    }

    private static void awaitRunningOnTheWorker(int running, Duration within) {
        TestProbe<io.troupe.booster.worker.SubWorkExecutor.Load> load = kit.createTestProbe();
        load.awaitAssert(within, () -> {
            worker.tell(new io.troupe.booster.worker.SubWorkExecutor.GetLoad(load.getRef()));
            assertEquals(running, load.receiveMessage().running(), "sub-works running on the worker");
            return null;
        });
    }

    @Test
    void aPipeOnStdinIsAnsweredRunItYourself() throws Exception {
        Outcome outcome = run(settings("stdin-pipe", 0), new EchoHandler(),
                new Sub(List.of("cat"), new ExecutorGateway.Stdin(StdinKind.PIPE, null)));
        assertTrue(outcome.reply().runLocally(), "booster-exec runs it, inheriting the pipe");
        assertEquals(Map.of(FallbackReason.STDIN, 1), outcome.finished().summary().fallbacks());
        assertEquals("stdin", outcome.sub(0).at("/fallback_reason").asText());
        assertTrue(outcome.finished().summary().line().contains("fell back: stdin 1"));
    }

    @Test
    void heartbeatsKeepALongRemoteRunAliveUnderAShortIoTimeout() throws Exception {
        // 3 s of remote run time under a 1 s --io_timeout_secs: the worker's heartbeats are the progress
        Outcome outcome = run(settings("heartbeat", false, 2, 1, 0, 1.0), new EchoHandler(),
                Sub.of("sh", "-c", "sleep 3; echo done"));
        assertEquals("done\n", outcome.stdout(), outcome.stderr());
        assertEquals("remote", outcome.sub(0).at("/route").asText());
        assertEquals(1, outcome.sub(0).at("/attempts").asInt(), "ran once");
    }

    @Test
    void theRemoteTimeoutEndsARunAndItIsNotRetriedRemotely() throws Exception {
        Path dir = Files.createDirectories(root.resolve("remote-timeout"));
        Files.writeString(dir.resolve("here"), "");
        // slow only on the worker, whose sandbox has no file "here"
        Outcome outcome = run(settings("remote-timeout", false, 2, 20, 1, 1.0), new EchoHandler(),
                Sub.of("sh", "-c", "if [ -f here ]; then echo local; else sleep 30; fi"));
        assertEquals("local\n", outcome.stdout(), outcome.stderr());
        assertEquals("timeout", outcome.sub(0).at("/fallback_reason").asText());
        assertEquals(1, outcome.sub(0).at("/attempts").asInt(), "--remote_retry_times 2, yet one remote attempt");
        assertTrue(outcome.sub(0).at("/remote_ms").asLong() < 10_000, outcome.sub(0).toString());
    }

    @Test
    void moreFallbacksThanTheRatioAllowsFailTheWork() throws Exception {
        Sub remote = Sub.of("sh", "-c", "echo remote");
        Sub refused = Sub.of("printf", "local"); // printf is not on this worker's allowlist
        Outcome within = run(settings("ratio-ok", false, 0, 20, 0, 0.5), new EchoHandler(), remote, refused);
        assertEquals(0, within.finished().exitCode(), "1 of 2 fell back: not more than 0.5");
        Outcome beyond = run(settings("ratio-bad", false, 0, 20, 0, 0.4), new EchoHandler(), remote, refused);
        assertEquals(WorkActor.FALLBACK_RATIO_EXCEEDED, beyond.finished().exitCode());
        assertEquals(Map.of(FallbackReason.WORKER_REFUSED, 1), beyond.finished().summary().fallbacks());
        assertEquals(0, beyond.replies().get(1).exitCode(), "the sub-work itself succeeded locally");
        assertEquals("worker_refused", beyond.sub(1).at("/fallback_reason").asText());
        assertNull(beyond.sub(0).get("fallback_reason").textValue());
        assertFalse(beyond.stats.at("/work/summary/fallbacks").has("stdin"));
    }

    @Test
    void whatTheHandlerKeepsLocalFromTheStartIsNotCountedByTheRatio() throws Exception {
        // a link among compiles: the handler never meant it for a worker, so --max_fallback_ratio 0 still passes
        Outcome outcome = run(settings("ratio-refused", false, 0, 20, 0, 0.0), new KeepsPrintfLocal(),
                Sub.of("sh", "-c", "echo remote"), Sub.of("printf", "linked"));
        assertEquals(0, outcome.finished().exitCode(), outcome.stderr());
        assertEquals(Map.of(FallbackReason.REFUSED, 1), outcome.finished().summary().fallbacks());
        assertEquals(1, outcome.finished().summary().meantRemote());
        assertTrue(outcome.finished().summary().line().contains("fell back: refused by the handler 1"),
                outcome.finished().summary().line());
    }

    /** Runs everything remotely but printf, which it refuses at PreExecute as a compiler handler refuses a link. */
    private static final class KeepsPrintfLocal implements Handler {
        @Override
        public DistCommand preExecute(List<String> command) {
            throw new AssertionError("the booster calls preExecute(command, sandbox)");
        }

        @Override
        public DistCommand preExecute(List<String> command, Sandbox sandbox) throws Exception {
            if (command.get(0).equals("printf")) {
                throw new Exception("linking runs locally");
            }
            return DistCommand.of(Command.of(command.get(0), command.subList(1, command.size())));
        }

        @Override
        public void postExecute(DistResult result) {
        }
    }
}
