package io.troupe.booster.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.api.booster.Command;
import io.troupe.api.booster.DistCommand;
import io.troupe.api.booster.DistResult;
import io.troupe.api.booster.FileDesc;
import io.troupe.api.booster.Handler;
import io.troupe.booster.TestClusters;
import io.troupe.booster.gateway.ExecutorGateway;
import io.troupe.booster.handler.EchoHandler;
import io.troupe.booster.handler.InlineHooks;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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

/** One sub-work through the WorkActor tree on a single-node cluster with an embedded worker. */
class SubWorkFlowTest {

    private static Path root;
    private static ActorTestKit kit;
    private static String workerAddress;
    private static final Map<String, String> ENV = Map.of("PATH", System.getenv("PATH"), "X", "from-client");

    @BeforeAll
    static void start() throws Exception {
        root = Files.createTempDirectory("troupe-flow-test-");
        kit = TestClusters.selfWorker(root.resolve("sandboxes"), List.of("sh"), "troupe.worker.slots = 2").kit();
        workerAddress = kit.system().address().toString();
    }

    @AfterAll
    static void stop() {
        kit.shutdownTestKit();
    }

    private record Outcome(ExecutorGateway.SubWorkReply reply, WorkActor.Summary summary) {
        String stdout() {
            return new String(reply.stdout(), StandardCharsets.UTF_8);
        }

        String stderr() {
            return new String(reply.stderr(), StandardCharsets.UTF_8);
        }
    }

    private static WorkSettings settings(Path workDir, boolean local, boolean noLocal, int retries) {
        return new WorkSettings("custom", "flow", "flow", null, false, null, local, noLocal, retries, 2, 0, 20,
                List.of(), workDir, ENV, null);
    }

    /** Runs one work with one sub-work {@code argv} and returns its reply and summary. */
    private static Outcome runOne(WorkSettings settings, Handler handler, List<String> argv) {
        TestProbe<WorkActor.Event> events = kit.createTestProbe();
        ActorRef<WorkActor.Command> work =
                kit.spawn(WorkActor.create(settings, handler, WorkActor.Launch.EXTERNAL, events.getRef()));
        events.expectMessageClass(WorkActor.Ready.class, Duration.ofSeconds(20));
        TestProbe<ExecutorGateway.SubWorkReply> reply = kit.createTestProbe();
        work.tell(new WorkActor.SubWork(new ExecutorGateway.SubWorkArrived(argv, settings.workDir().toString(), ENV,
                reply.getRef())));
        ExecutorGateway.SubWorkReply answer = reply.expectMessageClass(ExecutorGateway.SubWorkReply.class,
                Duration.ofSeconds(30));
        work.tell(new WorkActor.WorkCommandExited(0));
        WorkActor.Finished finished = events.expectMessageClass(WorkActor.Finished.class, Duration.ofSeconds(20));
        return new Outcome(answer, finished.summary());
    }

    private static Path workDir(String name) throws Exception {
        return Files.createDirectories(root.resolve(name));
    }

    @Test
    void remoteRunSendsInputsAndWritesResultFilesWhereTheClientExpects() throws Exception {
        Path dir = workDir("results");
        Files.writeString(dir.resolve("in.txt"), "shout");
        List<DistResult> seen = new CopyOnWriteArrayList<>();
        Handler handler = new Handler() {
            @Override
            public DistCommand preExecute(List<String> command) {
                return DistCommand.of(new Command(null, "sh", null,
                        List.of("-c", "mkdir -p out; tr a-z A-Z < in.txt > out/up.txt; echo ran"),
                        List.of(FileDesc.of("in.txt")), List.of("out/up.txt"), List.of()));
            }

            @Override
            public void postExecute(DistResult result) throws Exception {
                seen.add(result);
                Handler.super.postExecute(result);
            }
        };
        Outcome outcome = runOne(settings(dir, false, false, 0), handler, List.of("upcase", "in.txt"));
        assertEquals(0, outcome.reply().exitCode(), outcome.stderr());
        assertEquals("ran\n", outcome.stdout());
        assertEquals("SHOUT", Files.readString(dir.resolve("out/up.txt")));
        assertEquals(dir.resolve("out/up.txt").toString(), seen.get(0).results().get(0).resultFiles().get(0).localPath());
        assertEquals(new WorkActor.Summary(1, 1, 0, 0, 1), outcome.summary());
    }

    /** A handler of the booster's own class path that declares its hooks cheap, as the built-in echo does. */
    private static final class InlineUpcase implements Handler, InlineHooks {
        final List<String> threads = new CopyOnWriteArrayList<>();

        @Override
        public DistCommand preExecute(List<String> command) {
            threads.add(Thread.currentThread().getName());
            return DistCommand.of(new Command(null, "sh", null, List.of("-c", "tr a-z A-Z < in.txt > up.txt"),
                    List.of(FileDesc.of("in.txt")), List.of("up.txt"), List.of()));
        }

        @Override
        public void postExecute(DistResult result) throws Exception {
            threads.add(Thread.currentThread().getName());
            Handler.super.postExecute(result);
        }
    }

    @Test
    void inlineHooksRunOnTheActorThreadAndFileWorkStillOnTheBlockingDispatcher() throws Exception {
        Path dir = workDir("inline");
        Files.writeString(dir.resolve("in.txt"), "quiet");
        InlineUpcase handler = new InlineUpcase();
        Outcome outcome = runOne(settings(dir, false, false, 0), handler, List.of("upcase"));
        assertEquals(0, outcome.reply().exitCode(), outcome.stderr());
        assertEquals("QUIET", Files.readString(dir.resolve("up.txt")), "input sent, result file written");
        assertEquals(new WorkActor.Summary(1, 1, 0, 0, 1), outcome.summary());
        assertEquals(2, handler.threads.size(), handler.threads.toString());
        assertTrue(handler.threads.get(0).contains("default-dispatcher"), "PreExecute inline: " + handler.threads);
        assertTrue(handler.threads.get(1).contains("blocking-dispatcher"),
                "PostExecute with a result file to write: " + handler.threads);

        List<String> pluginThreads = new CopyOnWriteArrayList<>();
        Handler ordinary = command -> {
            pluginThreads.add(Thread.currentThread().getName());
            return DistCommand.of(Command.of("sh", List.of("-c", "true")));
        };
        Outcome plain = runOne(settings(dir, false, false, 0), ordinary, List.of("true"));
        assertEquals(new WorkActor.Summary(1, 1, 0, 0, 1), plain.summary(), plain.stderr());
        assertTrue(pluginThreads.get(0).contains("blocking-dispatcher"), "other handlers: " + pluginThreads);
    }

    @Test
    void refusedRemotelyRunsLocallyAndTheStatsSayWhere() throws Exception {
        Path dir = workDir("refused");
        Path stats = dir.resolve("stats.json");
        WorkSettings base = settings(dir, false, false, 1);
        WorkSettings withStats = new WorkSettings(base.type(), base.projectId(), base.buildId(), base.command(),
                base.hook(), base.hookConfig(), base.local(), base.noLocal(), base.remoteRetryTimes(),
                base.maxLocalTotalJobs(), base.maxJobs(), base.ioTimeoutSecs(), base.clusterSeeds(), base.workDir(),
                base.env(), stats);
        Outcome outcome = runOne(withStats, new EchoHandler(), List.of("printf", "local-%s", "ok"));
        assertEquals(0, outcome.reply().exitCode());
        assertEquals("local-ok", outcome.stdout());
        assertEquals(new WorkActor.Summary(1, 0, 1, 0, 0, Map.of(FallbackReason.WORKER_REFUSED, 1)), outcome.summary());
        var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(stats.toFile());
        assertEquals(1, json.at("/work/summary/local_fallback").asInt());
        assertEquals("local", json.at("/sub_works/0/route").asText());
        assertEquals("printf", json.at("/sub_works/0/argv/0").asText());
        assertEquals(1, json.at("/sub_works/0/attempts").asInt(), "refused by the only worker, then no other to try");
        assertTrue(json.at("/sub_works/0/total_ms").asLong() >= json.at("/sub_works/0/local_ms").asLong());
    }

    @Test
    void noLocalFailsWithAClearMessage() throws Exception {
        Outcome outcome = runOne(settings(workDir("nolocal"), false, true, 0), new EchoHandler(),
                List.of("printf", "x"));
        assertEquals(1, outcome.reply().exitCode());
        assertEquals("[booster] sub-work 'printf x' failed remotely after 1 attempt(s): worker " + workerAddress
                + ": executable 'printf' is not on the worker allowlist (troupe.worker.allowlist on " + workerAddress
                + "); not retried locally because of --no_local\n", outcome.stderr());
        assertEquals(new WorkActor.Summary(1, 0, 0, 1, 0, Map.of(FallbackReason.WORKER_REFUSED, 1)), outcome.summary());
    }

    @Test
    void remoteNonZeroExitIsRetriedLocallyAndTheLocalResultCounts() throws Exception {
        Path dir = workDir("nonzero");
        // remotely there is no marker file, so the command fails there; locally it exists
        Files.writeString(dir.resolve("marker"), "here");
        Outcome outcome = runOne(settings(dir, false, false, 0), new EchoHandler(),
                List.of("sh", "-c", "cat marker && echo \" $X\""));
        assertEquals(0, outcome.reply().exitCode(), outcome.stderr());
        assertEquals("here from-client\n", outcome.stdout(), "ran locally in the client's cwd with its env");
        assertEquals(new WorkActor.Summary(1, 0, 1, 0, 0, Map.of(FallbackReason.REMOTE_NONZERO, 1)), outcome.summary());
    }

    @Test
    void localModeAndNeedRemoteResourceSkipTheWorkers() throws Exception {
        AtomicInteger preExecutes = new AtomicInteger();
        Handler counting = new Handler() {
            @Override
            public DistCommand preExecute(List<String> command) {
                preExecutes.incrementAndGet();
                return DistCommand.of(Command.of(command.get(0), command.subList(1, command.size())));
            }

            @Override
            public boolean needRemoteResource(List<String> command) {
                return !command.get(0).equals("true");
            }
        };
        Outcome local = runOne(settings(workDir("local"), true, false, 0), counting, List.of("sh", "-c", "echo l"));
        assertEquals("l\n", local.stdout());
        Outcome notRemote = runOne(settings(workDir("local"), false, false, 0), counting, List.of("true"));
        assertEquals(0, notRemote.reply().exitCode());
        assertEquals(0, preExecutes.get(), "PreExecute is never called for local sub-works");
        assertEquals(new WorkActor.Summary(1, 0, 1, 0, 0), notRemote.summary());
    }

    @Test
    void localRunFindsTheProgramOnTheSubWorksOwnPath() throws Exception {
        Path dir = workDir("toolchain");
        Path bin = Files.createDirectories(dir.resolve("toolchain-bin"));
        Path tool = Files.writeString(bin.resolve("mytool"), "#!/bin/sh\necho toolchain \"$@\"\n");
        assertTrue(tool.toFile().setExecutable(true));
        TestProbe<WorkActor.Event> events = kit.createTestProbe();
        ActorRef<WorkActor.Command> work = kit.spawn(WorkActor.create(settings(dir, true, false, 0), new EchoHandler(),
                WorkActor.Launch.EXTERNAL, events.getRef()));
        events.expectMessageClass(WorkActor.Ready.class, Duration.ofSeconds(20));
        TestProbe<ExecutorGateway.SubWorkReply> reply = kit.createTestProbe();
        work.tell(new WorkActor.SubWork(new ExecutorGateway.SubWorkArrived(List.of("mytool", "a"), dir.toString(),
                Map.of("PATH", bin + ":" + System.getenv("PATH")), reply.getRef())));
        ExecutorGateway.SubWorkReply answer = reply.expectMessageClass(ExecutorGateway.SubWorkReply.class);
        assertEquals("toolchain a\n", new String(answer.stdout(), StandardCharsets.UTF_8));
        work.tell(new WorkActor.WorkCommandExited(0));
        events.expectMessageClass(WorkActor.Finished.class, Duration.ofSeconds(20));
    }

    @Test
    void failedLocalCommandCountsAsFailedWithItsExitCode() throws Exception {
        Outcome outcome = runOne(settings(workDir("fail"), true, false, 0), new EchoHandler(),
                List.of("sh", "-c", "echo bad >&2; exit 7"));
        assertEquals(7, outcome.reply().exitCode());
        assertEquals("bad\n", outcome.stderr());
        assertTrue(outcome.summary().line().endsWith("failed 1, workers used 0"), outcome.summary().line());
    }
}
