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

    record Done(Job job, String result, Throwable error) implements Command {}

    /** Answers each job "ok:<name>", "err:<what it threw>", or "full:<name>" when refused. */
    private Behavior<Command> actor(int queued) {
        return Behaviors.setup(ctx -> Behaviors.withStash(queued, stash -> {
            BlockingJobs<Command> jobs = new BlockingJobs<>(ctx, stash, pool);
            return Behaviors.receive(Command.class)
                    .onMessage(Job.class, j -> {
                        if (!jobs.deferred(j, () -> j.replyTo().tell("full:" + j.name()))) {
                            jobs.run(() -> work(j), (r, err) -> new Done(j, r, err));
                        }
                        return Behaviors.same();
                    })
                    .onMessage(Done.class, d -> {
                        d.job().replyTo().tell(d.error() == null ? "ok:" + d.result() : "err:" + d.error());
                        return jobs.finished(Behaviors.same());
                    })
                    .build();
        }));
    }

    private String work(Job j) throws Exception {
        maxRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
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
}
