package io.troupe.booster.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.troupe.booster.worker.SubWorkExecutor;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The directory actor with fake workers registered under troupe-worker. */
class WorkerDirectoryTest {

    private final ActorTestKit kit = ActorTestKit.create(ConfigFactory.parseString("pekko.actor.serialize-messages = on")
            .withFallback(ConfigFactory.load()));

    @AfterEach
    void stop() {
        kit.shutdownTestKit();
    }

    /** Answers load polls with {@code free} free of 4 slots while {@code answering} is set. */
    private ActorRef<SubWorkExecutor.Command> fakeWorker(String name, int free, AtomicBoolean answering) {
        return fakeWorker(name, free, answering, null);
    }

    /** Also passes every {@link SubWorkExecutor.Execute} it receives to {@code executes}, if given. */
    private ActorRef<SubWorkExecutor.Command> fakeWorker(String name, int free, AtomicBoolean answering,
            ActorRef<SubWorkExecutor.Execute> executes) {
        return fakeWorker(name, free, answering, executes, null);
    }

    /** And every {@link SubWorkExecutor.Cancel} to {@code cancels}, if given. */
    private ActorRef<SubWorkExecutor.Command> fakeWorker(String name, int free, AtomicBoolean answering,
            ActorRef<SubWorkExecutor.Execute> executes, ActorRef<SubWorkExecutor.Cancel> cancels) {
        Behavior<SubWorkExecutor.Command> behavior = Behaviors.setup(context -> {
            context.getSystem().receptionist().tell(Receptionist.register(SubWorkExecutor.KEY, context.getSelf()));
            return Behaviors.receive(SubWorkExecutor.Command.class)
                    .onMessage(SubWorkExecutor.GetLoad.class, get -> {
                        if (answering.get()) {
                            get.replyTo().tell(new SubWorkExecutor.Load(name, 4, 4 - free, 0, 8));
                        }
                        return Behaviors.same();
                    })
                    .onMessage(SubWorkExecutor.Execute.class, execute -> {
                        if (executes != null) {
                            executes.tell(execute);
                        }
                        return Behaviors.same();
                    })
                    .onMessage(SubWorkExecutor.Cancel.class, cancel -> {
                        if (cancels != null) {
                            cancels.tell(cancel);
                        }
                        return Behaviors.same();
                    })
                    .build();
        });
        return kit.spawn(behavior, name);
    }

    private WorkerDirectory.Choice acquire(ActorRef<WorkerDirectory.Command> directory, String subWork) {
        TestProbe<WorkerDirectory.Choice> probe = kit.createTestProbe();
        directory.tell(new WorkerDirectory.Acquire(subWork, probe.getRef()));
        return probe.receiveMessage();
    }

    private void awaitUsable(ActorRef<WorkerDirectory.Command> directory, int usable) {
        TestProbe<WorkerDirectory.Snapshot> probe = kit.createTestProbe();
        probe.awaitAssert(Duration.ofSeconds(10), () -> {
            directory.tell(new WorkerDirectory.GetSnapshot(probe.getRef()));
            assertEquals(usable, probe.receiveMessage().usableWorkers());
            return null;
        });
    }

    /** Dispatches {@code id} as a sub-work running {@code true}, answered to {@code replyTo}. */
    private static void dispatch(ActorRef<WorkerDirectory.Command> directory, String id,
            ActorRef<WorkerDirectory.Choice> replyTo, ActorRef<SubWorkExecutor.Reply> replies,
            ActorRef<WorkerDirectory.WorkerLost> lost) {
        directory.tell(new WorkerDirectory.Dispatch(id, new SubWorkExecutor.Execute(id + "#1",
                List.of(new SubWorkExecutor.Step("true", null, List.of(), List.of(), List.of())), List.of(), 1000,
                replies, replies), replyTo, lost));
    }

    @Test
    void choosesBansAndMarksSilentWorkersUnhealthy() {
        AtomicBoolean busyAnswers = new AtomicBoolean(true);
        AtomicBoolean idleAnswers = new AtomicBoolean(true);
        ActorRef<SubWorkExecutor.Command> busy = fakeWorker("busy", 1, busyAnswers);
        ActorRef<SubWorkExecutor.Command> idle = fakeWorker("idle", 3, idleAnswers);
        ActorRef<WorkerDirectory.Command> directory = kit.spawn(WorkerDirectory.create(2, Duration.ofMillis(100)));
        awaitUsable(directory, 2);

        assertEquals(new WorkerDirectory.Chosen(idle), acquire(directory, "s1"), "most free slots");
        directory.tell(new WorkerDirectory.Release("s1", idle, WorkerDirectory.Outcome.FAILED, null));
        assertEquals(new WorkerDirectory.Chosen(busy), acquire(directory, "s1"), "idle failed s1: banned for it");
        assertEquals(new WorkerDirectory.Chosen(idle), acquire(directory, "s2"), "but not for s2");

        idleAnswers.set(false); // stops answering load polls: unhealthy after 2 misses
        awaitUsable(directory, 1);
        assertEquals(new WorkerDirectory.Chosen(busy), acquire(directory, "s3"));
        idleAnswers.set(true); // answers again: healthy again
        awaitUsable(directory, 2);

        kit.stop(busy);
        kit.stop(idle);
        TestProbe<WorkerDirectory.Choice> probe = kit.createTestProbe();
        probe.awaitAssert(Duration.ofSeconds(10), () -> {
            directory.tell(new WorkerDirectory.Acquire("s4", probe.getRef()));
            WorkerDirectory.Choice choice = probe.receiveMessage();
            assertTrue(choice instanceof WorkerDirectory.NoWorker, choice.toString());
            assertEquals("no workers registered in the cluster", ((WorkerDirectory.NoWorker) choice).reason());
            return null;
        });
    }

    @Test
    void dispatchSendsTheExecuteToTheChosenWorkerAndSaysWhichOne() {
        TestProbe<SubWorkExecutor.Execute> busyGot = kit.createTestProbe();
        TestProbe<SubWorkExecutor.Execute> idleGot = kit.createTestProbe();
        ActorRef<SubWorkExecutor.Command> busy = fakeWorker("busy", 1, new AtomicBoolean(true), busyGot.getRef());
        ActorRef<SubWorkExecutor.Command> idle = fakeWorker("idle", 3, new AtomicBoolean(true), idleGot.getRef());
        ActorRef<WorkerDirectory.Command> directory = kit.spawn(WorkerDirectory.create(2, Duration.ofMillis(100)));
        awaitUsable(directory, 2);
        TestProbe<WorkerDirectory.Choice> choices = kit.createTestProbe();
        TestProbe<SubWorkExecutor.Reply> replies = kit.createTestProbe();
        TestProbe<WorkerDirectory.WorkerLost> lost = kit.createTestProbe();

        dispatch(directory, "s1", choices.getRef(), replies.getRef(), lost.getRef());
        assertEquals(new WorkerDirectory.Chosen(idle), choices.receiveMessage(), "most free slots");
        assertEquals("s1#1", idleGot.receiveMessage().subWorkId());
        busyGot.expectNoMessage(Duration.ofMillis(200));

        directory.tell(new WorkerDirectory.Release("s1", idle, WorkerDirectory.Outcome.FAILED, null));
        dispatch(directory, "s1", choices.getRef(), replies.getRef(), lost.getRef());
        assertEquals(new WorkerDirectory.Chosen(busy), choices.receiveMessage(), "idle failed s1: banned for it");
        assertEquals("s1#1", busyGot.receiveMessage().subWorkId());

        directory.tell(new WorkerDirectory.Release("s1", busy, WorkerDirectory.Outcome.FAILED, null));
        dispatch(directory, "s1", choices.getRef(), replies.getRef(), lost.getRef());
        assertTrue(choices.receiveMessage() instanceof WorkerDirectory.NoWorker, "both banned for s1: nothing sent");
        idleGot.expectNoMessage(Duration.ofMillis(200));
        busyGot.expectNoMessage(Duration.ZERO);
    }

    @Test
    void tellsTheDispatcherWhenItsWorkerDiesBeforeTheAttemptIsReleased() {
        TestProbe<SubWorkExecutor.Execute> got = kit.createTestProbe();
        ActorRef<SubWorkExecutor.Command> worker = fakeWorker("w", 3, new AtomicBoolean(true), got.getRef());
        ActorRef<WorkerDirectory.Command> directory = kit.spawn(WorkerDirectory.create(2, Duration.ofMillis(100)));
        awaitUsable(directory, 1);
        TestProbe<WorkerDirectory.Choice> choices = kit.createTestProbe();
        TestProbe<SubWorkExecutor.Reply> replies = kit.createTestProbe();
        TestProbe<WorkerDirectory.WorkerLost> released = kit.createTestProbe();
        TestProbe<WorkerDirectory.WorkerLost> running = kit.createTestProbe();

        dispatch(directory, "s1", choices.getRef(), replies.getRef(), released.getRef());
        assertEquals(new WorkerDirectory.Chosen(worker), choices.receiveMessage());
        directory.tell(new WorkerDirectory.Release("s1", worker, WorkerDirectory.Outcome.OK, null));
        dispatch(directory, "s2", choices.getRef(), replies.getRef(), running.getRef());
        assertEquals(new WorkerDirectory.Chosen(worker), choices.receiveMessage());
        assertEquals("s1#1", got.receiveMessage().subWorkId());
        assertEquals("s2#1", got.receiveMessage().subWorkId());

        kit.stop(worker);
        assertEquals(new WorkerDirectory.WorkerLost(worker), running.receiveMessage(), "s2 was still on it");
        released.expectNoMessage(Duration.ofMillis(200)); // s1 was released before
        dispatch(directory, "s3", choices.getRef(), replies.getRef(), running.getRef());
        assertTrue(choices.receiveMessage() instanceof WorkerDirectory.NoWorker, "a dead worker is not chosen");
    }

    @Test
    void forgettingASubWorkReleasesItsAttemptStillDispatched() {
        TestProbe<SubWorkExecutor.Cancel> cancelled = kit.createTestProbe();
        ActorRef<SubWorkExecutor.Command> a = fakeWorker("a", 3, new AtomicBoolean(true), null, cancelled.getRef());
        ActorRef<SubWorkExecutor.Command> b = fakeWorker("b", 2, new AtomicBoolean(true));
        // one load poll each, when listed: from then on only this directory's own dispatches change the estimate
        ActorRef<WorkerDirectory.Command> directory = kit.spawn(WorkerDirectory.create(2, Duration.ofHours(1)));
        awaitUsable(directory, 2);
        TestProbe<WorkerDirectory.Choice> choices = kit.createTestProbe();
        TestProbe<SubWorkExecutor.Reply> replies = kit.createTestProbe();
        TestProbe<WorkerDirectory.WorkerLost> lost = kit.createTestProbe();
        for (String id : List.of("s1", "s2", "s3")) {
            dispatch(directory, id, choices.getRef(), replies.getRef(), lost.getRef());
        }
        assertEquals(new WorkerDirectory.Chosen(a), choices.receiveMessage(), "3 free against 2");
        assertEquals(new WorkerDirectory.Chosen(b), choices.receiveMessage(), "2 each: b was chosen longer ago");
        assertEquals(new WorkerDirectory.Chosen(a), choices.receiveMessage(), "2 against 1");

        directory.tell(new WorkerDirectory.Forget("s3")); // its requester stopped before the answer came
        assertEquals(new SubWorkExecutor.Cancel("s3#1"), cancelled.receiveMessage(), "a stops running it");
        dispatch(directory, "s4", choices.getRef(), replies.getRef(), lost.getRef());
        assertEquals(new WorkerDirectory.Chosen(a), choices.receiveMessage(),
                "s3's slot on a is free again: 2 against 1 (kept, it would be 1 each and b's turn)");
        directory.tell(new WorkerDirectory.Release("s1", a, WorkerDirectory.Outcome.OK, null));
        directory.tell(new WorkerDirectory.Forget("s1")); // answered and released: nothing left to cancel
        cancelled.expectNoMessage(Duration.ofMillis(200));
    }

    @Test
    void whileEveryWorkerIsFullOfItsOwnSubWorksADispatchWaitsHereForTheFirstSlotThatFrees() {
        TestProbe<SubWorkExecutor.Execute> aGot = kit.createTestProbe();
        TestProbe<SubWorkExecutor.Execute> bGot = kit.createTestProbe();
        // 4 free slots each, queues of 8; polled once when listed, then only this directory's own dispatches count
        ActorRef<SubWorkExecutor.Command> a = fakeWorker("a", 4, new AtomicBoolean(true), aGot.getRef());
        ActorRef<SubWorkExecutor.Command> b = fakeWorker("b", 4, new AtomicBoolean(true), bGot.getRef());
        ActorRef<WorkerDirectory.Command> directory = kit.spawn(WorkerDirectory.create(2, Duration.ofHours(1)));
        awaitUsable(directory, 2);
        TestProbe<WorkerDirectory.Choice> choices = kit.createTestProbe();
        TestProbe<WorkerDirectory.Choice> heldChoices = kit.createTestProbe();
        TestProbe<SubWorkExecutor.Reply> replies = kit.createTestProbe();
        TestProbe<WorkerDirectory.WorkerLost> lost = kit.createTestProbe();
        java.util.Map<ActorRef<SubWorkExecutor.Command>, List<String>> placed = new java.util.HashMap<>();
        for (int i = 1; i <= 8; i++) {
            dispatch(directory, "s" + i, choices.getRef(), replies.getRef(), lost.getRef());
            WorkerDirectory.Chosen chosen = (WorkerDirectory.Chosen) choices.receiveMessage();
            placed.computeIfAbsent(chosen.worker(), w -> new java.util.ArrayList<>()).add("s" + i);
        }
        assertEquals(4, placed.get(a).size());
        assertEquals(4, placed.get(b).size());
        aGot.receiveSeveralMessages(4);
        bGot.receiveSeveralMessages(4);

        dispatch(directory, "s9", heldChoices.getRef(), replies.getRef(), lost.getRef());
        dispatch(directory, "s10", heldChoices.getRef(), replies.getRef(), lost.getRef());
        dispatch(directory, "s11", heldChoices.getRef(), replies.getRef(), lost.getRef());
        heldChoices.expectNoMessage(Duration.ofMillis(200)); // held: not queued behind a running one at a worker
        aGot.expectNoMessage(Duration.ZERO);
        bGot.expectNoMessage(Duration.ZERO);

        directory.tell(new WorkerDirectory.Release(placed.get(b).get(0), b, WorkerDirectory.Outcome.OK, null));
        assertEquals(new WorkerDirectory.Chosen(b), heldChoices.receiveMessage(), "b's slot freed first: the oldest goes there");
        assertEquals("s9#1", bGot.receiveMessage().subWorkId());
        directory.tell(new WorkerDirectory.Forget("s10")); // its requester stopped while it waited
        directory.tell(new WorkerDirectory.Release(placed.get(a).get(0), a, WorkerDirectory.Outcome.OK, null));
        assertEquals(new WorkerDirectory.Chosen(a), heldChoices.receiveMessage());
        assertEquals("s11#1", aGot.receiveMessage().subWorkId(), "s10 was forgotten: never sent");

        for (int i = 0; i < 16; i++) { // as many wait as the two queues of 8 would take
            dispatch(directory, "w" + i, heldChoices.getRef(), replies.getRef(), lost.getRef());
        }
        dispatch(directory, "over", choices.getRef(), replies.getRef(), lost.getRef());
        WorkerDirectory.Choice over = choices.receiveMessage();
        assertTrue(over instanceof WorkerDirectory.NoWorker none && none.reason().contains("16 sub-works wait"), over.toString());
        heldChoices.expectNoMessage(Duration.ofMillis(100));
        kit.stop(a);
        kit.stop(b);
        for (int i = 0; i < 16; i++) { // no worker left: every waiting one is answered, none lost
            assertTrue(heldChoices.receiveMessage() instanceof WorkerDirectory.NoWorker);
        }
    }

    @Test
    void aWorkerBusyWithOtherBoostersSubWorksGetsTheDispatchQueued() {
        TestProbe<SubWorkExecutor.Execute> got = kit.createTestProbe();
        // 1 of 4 slots free: the other 3 run other boosters' sub-works, whose ends this directory does not hear of
        ActorRef<SubWorkExecutor.Command> shared = fakeWorker("shared", 1, new AtomicBoolean(true), got.getRef());
        ActorRef<WorkerDirectory.Command> directory = kit.spawn(WorkerDirectory.create(2, Duration.ofHours(1)));
        awaitUsable(directory, 1);
        TestProbe<WorkerDirectory.Choice> choices = kit.createTestProbe();
        TestProbe<SubWorkExecutor.Reply> replies = kit.createTestProbe();
        TestProbe<WorkerDirectory.WorkerLost> lost = kit.createTestProbe();

        dispatch(directory, "s1", choices.getRef(), replies.getRef(), lost.getRef());
        dispatch(directory, "s2", choices.getRef(), replies.getRef(), lost.getRef());
        assertEquals(new WorkerDirectory.Chosen(shared), choices.receiveMessage());
        assertEquals(new WorkerDirectory.Chosen(shared), choices.receiveMessage(), "queued there, not held here");
        assertEquals("s1#1", got.receiveMessage().subWorkId());
        assertEquals("s2#1", got.receiveMessage().subWorkId());
    }
}
