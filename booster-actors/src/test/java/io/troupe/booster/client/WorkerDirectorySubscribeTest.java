package io.troupe.booster.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.troupe.booster.worker.SubWorkExecutor;
import java.time.Duration;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The directory pushes its worker set to subscribers; "no worker" says whether one was ever usable. */
class WorkerDirectorySubscribeTest {

    private final ActorTestKit kit = ActorTestKit.create(ConfigFactory.parseString("pekko.actor.serialize-messages = on")
            .withFallback(ConfigFactory.load()));

    @AfterEach
    void stop() {
        kit.shutdownTestKit();
    }

    private ActorRef<SubWorkExecutor.Command> fakeWorker(String name, int slots) {
        return kit.spawn(Behaviors.setup(context -> {
            context.getSystem().receptionist().tell(Receptionist.register(SubWorkExecutor.KEY, context.getSelf()));
            return Behaviors.receive(SubWorkExecutor.Command.class)
                    .onMessage(SubWorkExecutor.GetLoad.class, get -> {
                        get.replyTo().tell(new SubWorkExecutor.Load(name, slots, 0, 0, 8));
                        return Behaviors.same();
                    })
                    .build();
        }), name);
    }

    @Test
    void subscribersHearTheWorkerSetWithoutAsking() {
        // a long poll interval: what the subscriber hears comes from the listing and the first poll, not ticks
        ActorRef<WorkerDirectory.Command> directory = kit.spawn(WorkerDirectory.create(3, Duration.ofMinutes(10)));
        TestProbe<WorkerDirectory.Snapshot> subscriber = kit.createTestProbe();
        directory.tell(new WorkerDirectory.Subscribe(subscriber.getRef()));
        assertEquals(new WorkerDirectory.Snapshot(0, 0, 0), subscriber.receiveMessage(), "the current set at once");

        TestProbe<WorkerDirectory.Choice> choice = kit.createTestProbe();
        directory.tell(new WorkerDirectory.Acquire("early", choice.getRef()));
        WorkerDirectory.NoWorker none = choice.expectMessageClass(WorkerDirectory.NoWorker.class);
        assertTrue(none.noneYet(), "no worker was ever usable: " + none);

        fakeWorker("w1", 4);
        WorkerDirectory.Snapshot snapshot = subscriber.receiveMessage(Duration.ofSeconds(10));
        while (snapshot.usableWorkers() == 0) { // listed first, usable once its load report is in
            snapshot = subscriber.receiveMessage(Duration.ofSeconds(10));
        }
        assertEquals(new WorkerDirectory.Snapshot(1, 1, 4), snapshot);

        fakeWorker("w2", 8);
        snapshot = subscriber.receiveMessage(Duration.ofSeconds(10));
        while (snapshot.usableWorkers() < 2) {
            snapshot = subscriber.receiveMessage(Duration.ofSeconds(10));
        }
        assertEquals(new WorkerDirectory.Snapshot(2, 2, 12), snapshot);
        subscriber.expectNoMessage(Duration.ofMillis(300)); // nothing changed: nothing pushed

        // every worker already failed this sub-work: "no worker", but not "not yet"
        for (int i = 0; i < 2; i++) {
            directory.tell(new WorkerDirectory.Acquire("x", choice.getRef()));
            ActorRef<SubWorkExecutor.Command> worker = choice.expectMessageClass(WorkerDirectory.Chosen.class).worker();
            directory.tell(new WorkerDirectory.Release("x", worker, WorkerDirectory.Outcome.FAILED, null));
        }
        directory.tell(new WorkerDirectory.Acquire("x", choice.getRef()));
        assertFalse(choice.expectMessageClass(WorkerDirectory.NoWorker.class).noneYet());
    }
}
