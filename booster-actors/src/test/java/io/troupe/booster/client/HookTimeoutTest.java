package io.troupe.booster.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.troupe.api.booster.BoosterConfig;
import io.troupe.api.booster.Command;
import io.troupe.api.booster.DistCommand;
import io.troupe.api.booster.DistResult;
import io.troupe.api.booster.Handler;
import io.troupe.api.booster.PreloadConfig;
import io.troupe.api.booster.Sandbox;
import io.troupe.booster.TestClusters;
import io.troupe.booster.gateway.ExecutorGateway;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A plugin's per-sub-work hooks that hang (PreExecute, PostExecute) are cut after
 * troupe.booster.sub-work-hook-timeout: the sub-work runs locally (or fails under --no_local) with reason
 * hook_timeout, the hung thread is interrupted, and its local slot is freed. A hung GetPreloadConfig fails the work
 * after troupe.booster.handler-timeout.
 */
class HookTimeoutTest {

    private static Path root;
    private static ActorTestKit kit;
    private static final Map<String, String> ENV = Map.of("PATH", System.getenv("PATH"));

    @BeforeAll
    static void start() throws Exception {
        root = Files.createTempDirectory("troupe-hook-timeout-test-");
        kit = TestClusters.selfWorker(root.resolve("sandboxes"), List.of("sh"),
                "troupe.worker.slots = 2\ntroupe.booster.sub-work-hook-timeout = 700ms\n"
                        + "troupe.booster.handler-timeout = 700ms").kit();
    }

    @AfterAll
    static void stop() {
        kit.shutdownTestKit();
    }

    /** A plugin whose chosen hook waits forever, until interrupted; it counts the interrupts. */
    private static final class Hanging implements Handler {
        final String hook;
        final AtomicInteger interrupted = new AtomicInteger();
        final AtomicInteger remoteResults = new AtomicInteger();

        Hanging(String hook) {
            this.hook = hook;
        }

        private void maybeHang(String name) {
            if (hook.equals(name)) {
                try {
                    new CountDownLatch(1).await();
                } catch (InterruptedException e) {
                    interrupted.incrementAndGet();
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted");
                }
            }
        }

        @Override
        public DistCommand preExecute(List<String> command) {
            maybeHang("PreExecute");
            return DistCommand.of(Command.of(command.get(0), command.subList(1, command.size())));
        }

        @Override
        public void postExecute(DistResult result) throws Exception {
            remoteResults.incrementAndGet();
            maybeHang("PostExecute");
            Handler.super.postExecute(result);
        }

        @Override
        public PreloadConfig getPreloadConfig(BoosterConfig config) {
            maybeHang("GetPreloadConfig");
            return PreloadConfig.empty();
        }
    }

    private record Outcome(ExecutorGateway.SubWorkReply reply, WorkActor.Finished finished, JsonNode stats) {
        String stderr() {
            return new String(reply.stderr(), StandardCharsets.UTF_8);
        }
    }

    private static Outcome run(String name, boolean noLocal, Handler handler, List<String> argv) throws Exception {
        Path dir = Files.createDirectories(root.resolve(name));
        // one local slot: a lease kept by a hung hook would stall the local run
        WorkSettings settings = new WorkSettings("custom", "hooks", name, null, false, null, false, noLocal, 0, 1, 0, 20,
                List.of(), dir, ENV, dir.resolve("stats.json"));
        TestProbe<WorkActor.Event> events = kit.createTestProbe();
        ActorRef<WorkActor.Command> work =
                kit.spawn(WorkActor.create(settings, handler, WorkActor.Launch.EXTERNAL, events.getRef()));
        events.expectMessageClass(WorkActor.Ready.class, Duration.ofSeconds(20));
        TestProbe<ExecutorGateway.SubWorkReply> reply = kit.createTestProbe();
        work.tell(new WorkActor.SubWork(new ExecutorGateway.SubWorkArrived(argv, dir.toString(), ENV,
                ExecutorGateway.Stdin.UNKNOWN, reply.getRef())));
        ExecutorGateway.SubWorkReply answer = reply.expectMessageClass(ExecutorGateway.SubWorkReply.class, Duration.ofSeconds(30));
        work.tell(new WorkActor.WorkCommandExited(0));
        WorkActor.Finished finished = events.expectMessageClass(WorkActor.Finished.class, Duration.ofSeconds(20));
        return new Outcome(answer, finished, new ObjectMapper().readTree(dir.resolve("stats.json").toFile()));
    }

    private static void awaitInterrupted(Hanging handler) {
        kit.createTestProbe().awaitAssert(Duration.ofSeconds(10), () -> {
            assertEquals(1, handler.interrupted.get(), "the hung hook's thread is interrupted");
            return null;
        });
    }

    @Test
    void aHungPreExecuteRunsTheSubWorkLocallyAsHookTimeout() throws Exception {
        Hanging handler = new Hanging("PreExecute");
        Outcome outcome = run("pre", false, handler, List.of("sh", "-c", "echo ran-$((40+2))"));
        assertEquals(0, outcome.reply().exitCode(), outcome.stderr());
        assertEquals("ran-42\n", new String(outcome.reply().stdout(), StandardCharsets.UTF_8));
        assertEquals(Map.of(FallbackReason.HOOK_TIMEOUT, 1), outcome.finished().summary().fallbacks());
        assertTrue(outcome.finished().summary().line().contains("fell back: hook timeout 1"),
                outcome.finished().summary().line());
        assertEquals("hook_timeout", outcome.stats().at("/sub_works/0/fallback_reason").asText());
        String detail = outcome.stats().at("/sub_works/0/fallback_detail").asText();
        assertTrue(detail.contains("PreExecute of handler " + Hanging.class.getName() + " did not return within 700 ms")
                && detail.contains("troupe.booster.sub-work-hook-timeout"), detail);
        assertEquals("local", outcome.stats().at("/sub_works/0/route").asText());
        awaitInterrupted(handler);
    }

    @Test
    void aHungPreExecuteUnderNoLocalFailsNamingTheHookTheHandlerAndTheKey() throws Exception {
        Hanging handler = new Hanging("PreExecute");
        Outcome outcome = run("pre-nolocal", true, handler, List.of("sh", "-c", "echo never"));
        assertEquals(1, outcome.reply().exitCode());
        String stderr = outcome.stderr();
        assertTrue(stderr.contains("PreExecute of handler " + Hanging.class.getName())
                && stderr.contains("troupe.booster.sub-work-hook-timeout") && stderr.contains("--no_local"), stderr);
        assertEquals(Map.of(FallbackReason.HOOK_TIMEOUT, 1), outcome.finished().summary().fallbacks());
        awaitInterrupted(handler);
    }

    @Test
    void aHungPostExecuteDropsTheRemoteResultAndRunsLocally() throws Exception {
        Hanging handler = new Hanging("PostExecute");
        Outcome outcome = run("post", false, handler, List.of("sh", "-c", "echo out-$((40+2))"));
        assertEquals(0, outcome.reply().exitCode(), outcome.stderr());
        assertEquals("out-42\n", new String(outcome.reply().stdout(), StandardCharsets.UTF_8));
        assertEquals(1, handler.remoteResults.get(), "it ran remotely once, and was not retried remotely");
        assertEquals(Map.of(FallbackReason.HOOK_TIMEOUT, 1), outcome.finished().summary().fallbacks());
        assertEquals("local", outcome.stats().at("/sub_works/0/route").asText());
        assertEquals(1, outcome.stats().at("/sub_works/0/attempts").asInt());
        assertTrue(outcome.stats().at("/sub_works/0/fallback_detail").asText().contains("PostExecute of handler"),
                outcome.stats().toString());
        awaitInterrupted(handler);
    }

    @Test
    void aHungGetPreloadConfigFailsTheWorkNamingTheHookAndTheKey() throws Exception {
        Hanging handler = new Hanging("GetPreloadConfig");
        Path dir = Files.createDirectories(root.resolve("preload"));
        WorkSettings settings = new WorkSettings("custom", "hooks", "preload", "true", true, null, false, false, 0, 1, 0,
                20, List.of(), dir, ENV, null);
        long started = System.nanoTime();
        WorkLaunch.Environment environment = WorkLaunch.prepareEnvironment(settings, handler,
                WorkLaunch.boosterConfig(settings, 1), Duration.ofMillis(300));
        assertTrue(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started) < 10, "bounded");
        String message = String.valueOf(environment.error());
        assertTrue(message.contains("GetPreloadConfig of handler " + Hanging.class.getName())
                && message.contains("troupe.booster.handler-timeout"), message);
    }
}
