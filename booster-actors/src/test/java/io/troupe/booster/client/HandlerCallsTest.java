package io.troupe.booster.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.troupe.booster.handler.EchoHandler;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** A hung PreWork or PostWork is reported failed after troupe.booster.handler-timeout; other blocking work is not cut. */
class HandlerCallsTest {

    private static final ActorTestKit KIT = ActorTestKit.create(ConfigFactory.parseString(
            "troupe.booster.handler-timeout = 300ms").withFallback(ConfigFactory.load()));
    private static final CountDownLatch NEVER = new CountDownLatch(1);

    @AfterAll
    static void stop() {
        NEVER.countDown(); // frees the hung call's thread
        KIT.shutdownTestKit();
    }

    private static Executor blocking() {
        return KIT.system().dispatchers().lookup(DispatcherSelector.fromConfig("troupe.blocking-dispatcher"));
    }

    @Test
    void aHookThatNeverReturnsFailsNamingTheHookAndTheKey() {
        TestProbe<Object> probe = KIT.createTestProbe();
        KIT.spawn(Behaviors.<Object>setup(context -> {
            HandlerCalls.pipeToSelf(context, new EchoHandler(), blocking(), "PreWork", () -> {
                NEVER.await();
                return "returned";
            }, error -> error);
            return Behaviors.receiveMessage(message -> {
                probe.getRef().tell(message);
                return Behaviors.same();
            });
        }));
        Object reply = probe.receiveMessage(Duration.ofSeconds(10));
        assertTrue(reply instanceof TimeoutException, "expected a timeout, got " + reply);
        String message = ((TimeoutException) reply).getMessage();
        assertTrue(message.contains("PreWork") && message.contains("troupe.booster.handler-timeout")
                && message.contains(EchoHandler.class.getName()), message);
    }

    @Test
    void aHookThatCannotStartInTimeFailsAndNeverRuns() throws Exception {
        java.util.concurrent.ExecutorService one = java.util.concurrent.Executors.newSingleThreadExecutor();
        CountDownLatch busy = new CountDownLatch(1);
        java.util.concurrent.atomic.AtomicBoolean ran = new java.util.concurrent.atomic.AtomicBoolean();
        try {
            one.execute(() -> {
                try {
                    busy.await(); // every thread of the pool taken
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            TestProbe<Object> probe = KIT.createTestProbe();
            KIT.spawn(Behaviors.<Object>setup(context -> {
                HandlerCalls.pipeToSelf(context, new EchoHandler(), one, "PreExecute", Duration.ofMillis(300),
                        HandlerCalls.SUB_WORK_TIMEOUT_KEY, () -> {
                            ran.set(true);
                            return "returned";
                        }, error -> error);
                return Behaviors.receiveMessage(message -> {
                    probe.getRef().tell(message);
                    return Behaviors.same();
                });
            }));
            Object reply = probe.receiveMessage(Duration.ofSeconds(10));
            assertTrue(reply instanceof HookTimeoutException, "expected a timeout, got " + reply);
            assertTrue(((HookTimeoutException) reply).getMessage().contains(HandlerCalls.SUB_WORK_TIMEOUT_KEY));
            busy.countDown();
            one.submit(() -> { }).get(10, TimeUnit.SECONDS); // the queue behind the freed thread has drained
            assertTrue(!ran.get(), "a call given up before it started never runs");
        } finally {
            busy.countDown();
            one.shutdownNow();
        }
    }

    @Test
    void aTimedOutHookIsInterruptedAndItsThreadServesTheNextCall() throws Exception {
        java.util.concurrent.ExecutorService one = java.util.concurrent.Executors.newSingleThreadExecutor();
        try {
            TestProbe<Object> probe = KIT.createTestProbe();
            KIT.spawn(Behaviors.<Object>setup(context -> {
                HandlerCalls.pipeToSelf(context, new EchoHandler(), one, "PostExecute", Duration.ofMillis(300),
                        HandlerCalls.SUB_WORK_TIMEOUT_KEY, () -> {
                            TimeUnit.HOURS.sleep(1);
                            return "slept";
                        }, error -> error);
                return Behaviors.receiveMessage(message -> {
                    probe.getRef().tell(message);
                    return Behaviors.same();
                });
            }));
            assertTrue(probe.receiveMessage(Duration.ofSeconds(10)) instanceof HookTimeoutException);
            // the one thread of the pool is free again, and carries no stale interrupt into its next task
            assertEquals(false, one.submit(() -> Thread.currentThread().isInterrupted()).get(10, TimeUnit.SECONDS));
        } finally {
            one.shutdownNow();
        }
    }

    @Test
    void unboundedWorkOutlastsTheHookTimeout() {
        TestProbe<Object> probe = KIT.createTestProbe();
        KIT.spawn(Behaviors.<Object>setup(context -> {
            HandlerCalls.pipeToSelf(context, new EchoHandler(), blocking(), () -> {
                TimeUnit.MILLISECONDS.sleep(900); // stands for a local compile longer than the hook bound
                return "finished";
            }, error -> error);
            return Behaviors.receiveMessage(message -> {
                probe.getRef().tell(message);
                return Behaviors.same();
            });
        }));
        assertEquals("finished", probe.receiveMessage(Duration.ofSeconds(10)));
    }
}
