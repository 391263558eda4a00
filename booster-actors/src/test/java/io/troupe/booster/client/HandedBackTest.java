package io.troupe.booster.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
 * A sub-work handed back by a draining worker (its node shuts down) goes to another worker without using up a
 * retry, even under {@code --remote_retry_times 0 --no_local}, and the draining worker is not chosen again.
 */
class HandedBackTest {

    private static Path root;
    private static ActorTestKit kit;
    private static final AtomicInteger refused = new AtomicInteger();

    /** Looks idle (chosen first) until it answers: every sub-work is handed back, and its load says it drains. */
    private static Behavior<SubWorkExecutor.Command> drainingWorker(String address) {
        return Behaviors.setup(context -> {
            context.getSystem().receptionist().tell(Receptionist.register(SubWorkExecutor.KEY, context.getSelf()));
            return Behaviors.receive(SubWorkExecutor.Command.class)
                    .onMessage(SubWorkExecutor.GetLoad.class, get -> {
                        get.replyTo().tell(new SubWorkExecutor.Load(address + "/draining", 64, 0, 0, 64,
                                List.of(), refused.get() > 0));
                        return Behaviors.same();
                    })
                    .onMessage(SubWorkExecutor.Execute.class, execute -> {
                        refused.incrementAndGet();
                        execute.replyTo().tell(new SubWorkExecutor.Failed(execute.subWorkId(),
                                SubWorkExecutor.Failure.DRAINING, "worker is shutting down and takes no new sub-work",
                                new SubWorkExecutor.Load(address + "/draining", 64, 0, 0, 64, List.of(), true)));
                        return Behaviors.same();
                    })
                    .build();
        });
    }

    @BeforeAll
    static void start() throws Exception {
        root = Files.createTempDirectory("troupe-handed-back-test-");
        kit = TestClusters.selfWorker(root.resolve("sandboxes"), List.of("sh"),
                "troupe.worker.slots = 1\ntroupe.worker.sandbox.bubblewrap = off").kit();
        kit.spawn(drainingWorker(kit.system().address().toString()), "draining");
        TestClusters.awaitWorkers(kit, 2, Duration.ofSeconds(20));
    }

    @AfterAll
    static void stop() {
        kit.shutdownTestKit();
    }

    @Test
    void aHandedBackSubWorkRunsOnAnotherWorkerWithoutUsingARetry() throws Exception {
        Path dir = Files.createDirectories(root.resolve("work"));
        WorkSettings settings = new WorkSettings("custom", "drain", "drain", null, false, null, false, true, 0, 2, 0,
                30, List.of(), dir, Map.of("PATH", System.getenv("PATH")), dir.resolve("stats.json"), 0, 1.0);
        TestProbe<WorkActor.Event> events = kit.createTestProbe();
        ActorRef<WorkActor.Command> work =
                kit.spawn(WorkActor.create(settings, new EchoHandler(), WorkActor.Launch.EXTERNAL, events.getRef()));
        events.expectMessageClass(WorkActor.Ready.class, Duration.ofSeconds(20));
        for (String word : List.of("first", "second")) {
            TestProbe<ExecutorGateway.SubWorkReply> reply = kit.createTestProbe();
            work.tell(new WorkActor.SubWork(new ExecutorGateway.SubWorkArrived(List.of("sh", "-c", "echo " + word),
                    dir.toString(), settings.env(), reply.getRef())));
            ExecutorGateway.SubWorkReply answer = reply.expectMessageClass(ExecutorGateway.SubWorkReply.class,
                    Duration.ofSeconds(30));
            assertEquals(word + "\n", new String(answer.stdout(), StandardCharsets.UTF_8),
                    new String(answer.stderr(), StandardCharsets.UTF_8));
        }
        work.tell(new WorkActor.WorkCommandExited(0));
        WorkActor.Finished finished = events.expectMessageClass(WorkActor.Finished.class, Duration.ofSeconds(20));
        assertEquals(2, finished.summary().remoteOk(), finished.summary().line());
        assertEquals(1, refused.get(), "the draining worker was tried once, then no more");
        JsonNode subWorks = new ObjectMapper().readTree(dir.resolve("stats.json").toFile()).at("/sub_works");
        assertEquals(2, subWorks.get(0).at("/attempts").asInt(), subWorks.toString());
        assertEquals(1, subWorks.get(1).at("/attempts").asInt(), subWorks.toString());
    }
}
