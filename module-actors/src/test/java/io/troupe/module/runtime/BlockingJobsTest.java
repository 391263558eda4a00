package io.troupe.module.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The reload loop: one job at a time, waiting requests replayed in order, a full queue refused, errors unwrapped. */
class BlockingJobsTest {
    private ActorTestKit kit;
    private ExecutorService pool;
    private final AtomicInteger running = new AtomicInteger();
    /** Counted down as each job begins on the pool: the actor hands it over, the pool starts it a little later. */
    private final java.util.concurrent.Semaphore begun = new java.util.concurrent.Semaphore(0);
    private final AtomicInteger maxRunning = new AtomicInteger();

    @BeforeEach
    void setUp() {
        kit = ActorTestKit.create(ConfigFactory.parseString("pekko.actor.serialize-messages = on"));
        pool = Executors.newFixedThreadPool(4);
    }

    @AfterEach
    void tearDown() {
        kit.shutdownTestKit();
        pool.shutdownNow();
    }

    interface Command extends NoSerializationVerificationNeeded {}

    record Job(String name, CountDownLatch gate, boolean fail, ActorRef<String> replyTo) implements Command {}

    /** A job that throws an unchecked throwable (a bug in a loader, an AssertionError). */
    record Crash(Throwable thrown, ActorRef<String> replyTo) implements Command {}

    record Done(ActorRef<String> replyTo, String result, Throwable error) implements Command {}

    enum Stop implements Command { INSTANCE }

    /** Answers each job "ok:<name>", "err:<what it threw>", or "full:<name>" when refused; idle and running. */
    private Behavior<Command> actor(int queued) {
        return Behaviors.setup(ctx -> Behaviors.withStash(queued, stash -> new Loop(new BlockingJobs<>(ctx, stash, pool)).idle()));
    }

    private final class Loop {
        private final BlockingJobs<Command> jobs;

        Loop(BlockingJobs<Command> jobs) {
            this.jobs = jobs;
        }

        Behavior<Command> idle() {
            return Behaviors.receive(Command.class)
                    .onMessage(Job.class, j -> {
                        jobs.start(() -> work(j), (r, err) -> new Done(j.replyTo(), r, err));
                        return running();
                    })
                    .onMessage(Crash.class, c -> {
                        jobs.start(() -> {
                            if (c.thrown() instanceof Error e) {
                                throw e;
                            }
                            throw (RuntimeException) c.thrown();
                        }, (r, err) -> new Done(c.replyTo(), null, err));
                        return running();
                    })
                    .onMessageEquals(Stop.INSTANCE, Behaviors::stopped)
                    .build();
        }

        Behavior<Command> running() {
            return Behaviors.receive(Command.class)
                    .onMessage(Job.class, j -> jobs.await(j, () -> j.replyTo().tell("full:" + j.name())))
                    .onMessage(Crash.class, c -> jobs.await(c, () -> c.replyTo().tell("full:crash")))
                    .onMessage(Done.class, d -> {
                        d.replyTo().tell(d.error() == null ? "ok:" + d.result() : "err:" + d.error());
                        return jobs.finished(idle());
                    })
                    .onMessageEquals(Stop.INSTANCE, Behaviors::stopped)
                    .build();
        }
    }

    private String work(Job j) throws Exception {
        maxRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
        begun.release();
        try {
            assertTrue(j.gate().await(10, TimeUnit.SECONDS));
            if (j.fail()) {
                throw new IOException(j.name() + ".data: Version: is empty");
            }
            return j.name();
        } finally {
            running.decrementAndGet();
        }
    }

    @Test
    void jobsRunOneAtATimeAndWaitingOnesReplayInOrder() {
        ActorRef<Command> a = kit.spawn(actor(2));
        TestProbe<String> probe = kit.createTestProbe();
        CountDownLatch gate = new CountDownLatch(1);
        CountDownLatch open = new CountDownLatch(0);
        a.tell(new Job("one", gate, false, probe.getRef()));
        a.tell(new Job("two", open, true, probe.getRef()));
        a.tell(new Job("three", open, false, probe.getRef()));
        a.tell(new Job("four", open, false, probe.getRef()));
        // two wait in a stash of two: the fourth is refused at once, while "one" still runs
        probe.expectMessage(Duration.ofSeconds(10), "full:four");
        gate.countDown();
        probe.expectMessage(Duration.ofSeconds(10), "ok:one");
        // what the job threw, not the future's CompletionException around it
        probe.expectMessage(Duration.ofSeconds(10), "err:java.io.IOException: two.data: Version: is empty");
        probe.expectMessage(Duration.ofSeconds(10), "ok:three");
        assertEquals(1, maxRunning.get());

        // the failure left the loop idle: the next job runs
        a.tell(new Job("five", open, false, probe.getRef()));
        probe.expectMessage(Duration.ofSeconds(10), "ok:five");
    }

    @Test
    void aJobThrowingAnUncheckedThrowableIsAnsweredAndTheLoopGoesOn() {
        ActorRef<Command> a = kit.spawn(actor(2));
        TestProbe<String> probe = kit.createTestProbe();
        a.tell(new Crash(new IllegalStateException("loader bug"), probe.getRef()));
        probe.expectMessage(Duration.ofSeconds(10), "err:java.lang.IllegalStateException: loader bug");
        a.tell(new Crash(new AssertionError("broken invariant"), probe.getRef()));
        probe.expectMessage(Duration.ofSeconds(10), "err:java.lang.AssertionError: broken invariant");
        a.tell(new Job("after", new CountDownLatch(0), false, probe.getRef()));
        probe.expectMessage(Duration.ofSeconds(10), "ok:after");
    }

    @Test
    void stopWhileAJobRunsStopsAtOnceAndTheJobsLateResultGoesNowhere() throws Exception {
        ActorRef<Command> a = kit.spawn(actor(2));
        TestProbe<String> probe = kit.createTestProbe();
        CountDownLatch gate = new CountDownLatch(1);
        a.tell(new Job("slow", gate, false, probe.getRef()));
        a.tell(new Job("waiting", new CountDownLatch(0), false, probe.getRef()));
        a.tell(Stop.INSTANCE);
        // the actor does not wait for the job it started: stop is not queued behind it
        probe.expectTerminated(a, Duration.ofSeconds(10));
        // on a loaded machine the pool may start the job only after the actor stopped
        assertTrue(begun.tryAcquire(10, TimeUnit.SECONDS), "the slow job began");
        assertEquals(1, running.get(), "the job still runs");
        gate.countDown();
        // its result and the waiting request die with the actor: no answer, and the pool is free again
        probe.expectNoMessage(Duration.ofMillis(300));
        assertEquals(0, running.get());
        ActorRef<Command> b = kit.spawn(actor(2));
        b.tell(new Job("next", new CountDownLatch(0), false, probe.getRef()));
        probe.expectMessage(Duration.ofSeconds(10), "ok:next");
    }
}
