package io.troupe.booster.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.troupe.booster.TestClusters;
import io.troupe.booster.gateway.ExecutorGateway;
import io.troupe.booster.handler.EchoHandler;
import io.troupe.booster.worker.SubWorkExecutor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * --io_timeout_secs bounds silence: a worker that takes a sub-work and then neither answers nor sends
 * heartbeats is given up after that long, and the sub-work runs on the next worker.
 */
class SilentWorkerTest {

    private static Path root;
    private static ActorTestKit kit;
    private static final AtomicInteger swallowed = new AtomicInteger();

    /** Looks idle (many free slots, so it is chosen first), takes every sub-work and never says a word. */
    private static Behavior<SubWorkExecutor.Command> silentWorker(String address) {
        return Behaviors.setup(context -> {
            context.getSystem().receptionist().tell(Receptionist.register(SubWorkExecutor.KEY, context.getSelf()));
            return Behaviors.receive(SubWorkExecutor.Command.class)
                    .onMessage(SubWorkExecutor.GetLoad.class, get -> {
                        get.replyTo().tell(new SubWorkExecutor.Load(address + "/silent", 64, 0, 0, 64));
                        return Behaviors.same();
                    })
                    .onMessage(SubWorkExecutor.Execute.class, execute -> {
                        swallowed.incrementAndGet();
                        return Behaviors.same();
                    })
                    .build();
        });
    }

    @BeforeAll
    static void start() throws Exception {
        root = Files.createTempDirectory("troupe-silent-test-");
        kit = TestClusters.selfWorker(root.resolve("sandboxes"), List.of("sh"),
                "troupe.worker.slots = 1\ntroupe.worker.heartbeat-interval = 200ms").kit();
        kit.spawn(silentWorker(kit.system().address().toString()), "silent");
        TestClusters.awaitWorkers(kit, 2, Duration.ofSeconds(20));
    }

    @AfterAll
    static void stop() {
        kit.shutdownTestKit();
    }

    @Test
    void aSilentWorkerIsGivenUpAfterTheIoTimeoutAndTheNextWorkerRunsIt() throws Exception {
        Path dir = Files.createDirectories(root.resolve("work"));
        WorkSettings settings = new WorkSettings("custom", "silent", "silent", null, false, null, false, false, 1, 2, 0,
                1, List.of(), dir, Map.of("PATH", System.getenv("PATH")), dir.resolve("stats.json"), 0, 1.0);
        TestProbe<WorkActor.Event> events = kit.createTestProbe();
        ActorRef<WorkActor.Command> work =
                kit.spawn(WorkActor.create(settings, new EchoHandler(), WorkActor.Launch.EXTERNAL, events.getRef()));
        events.expectMessageClass(WorkActor.Ready.class, Duration.ofSeconds(20));
        TestProbe<ExecutorGateway.SubWorkReply> reply = kit.createTestProbe();
        work.tell(new WorkActor.SubWork(new ExecutorGateway.SubWorkArrived(List.of("sh", "-c", "echo answered"),
                dir.toString(), settings.env(), reply.getRef())));
        ExecutorGateway.SubWorkReply answer = reply.expectMessageClass(ExecutorGateway.SubWorkReply.class,
                Duration.ofSeconds(30));
        assertEquals("answered\n", new String(answer.stdout(), StandardCharsets.UTF_8),
                new String(answer.stderr(), StandardCharsets.UTF_8));
        work.tell(new WorkActor.WorkCommandExited(0));
        WorkActor.Finished finished = events.expectMessageClass(WorkActor.Finished.class, Duration.ofSeconds(20));
        assertEquals(1, finished.summary().remoteOk(), finished.summary().line());
        assertEquals(1, swallowed.get(), "the silent worker was tried first");
        JsonNode sub = new ObjectMapper().readTree(dir.resolve("stats.json").toFile()).at("/sub_works/0");
        assertEquals(2, sub.at("/attempts").asInt(), sub.toString());
        assertTrue(sub.at("/remote_ms").asLong() >= 1000, "waited out one --io_timeout_secs: " + sub);
    }
}
