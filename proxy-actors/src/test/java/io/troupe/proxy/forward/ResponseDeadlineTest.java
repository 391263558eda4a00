package io.troupe.proxy.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ResponseDeadlineTest {
    private final EventLoop loop = new DefaultEventLoop();

    @AfterEach
    void tearDown() {
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private <T> T onLoop(java.util.concurrent.Callable<T> c) throws Exception {
        return loop.submit(c).get(5, TimeUnit.SECONDS);
    }

    @Test
    void armedDeadlineFiresOnceAfterItsTimeout() throws Exception {
        ResponseDeadline d = onLoop(() -> new ResponseDeadline(loop));
        CompletableFuture<Long> fired = new CompletableFuture<>();
        AtomicInteger count = new AtomicInteger();
        long start = System.nanoTime();
        onLoop(() -> {
            d.arm(50, () -> {
                count.incrementAndGet();
                fired.complete(System.nanoTime());
            });
            return null;
        });
        long at = fired.get(5, TimeUnit.SECONDS);
        assertTrue(at - start >= TimeUnit.MILLISECONDS.toNanos(50), "fired before its 50 ms");
        // a later deadline on the same connection still fires: the first fire left no stale state behind
        CompletableFuture<Void> second = new CompletableFuture<>();
        onLoop(() -> {
            d.arm(10, () -> second.complete(null));
            return null;
        });
        second.get(5, TimeUnit.SECONDS);
        assertEquals(1, count.get());
    }

    @Test
    void keepAliveRequestsShareOneTimerAndADisarmedDeadlineNeverFires() throws Exception {
        ResponseDeadline d = onLoop(() -> new ResponseDeadline(loop));
        AtomicInteger stale = new AtomicInteger();
        Runnable first = stale::incrementAndGet;
        // 1000 requests answered in time on one pooled connection: one timer, not 1000
        onLoop(() -> {
            for (int i = 0; i < 1000; i++) {
                Runnable r = i == 0 ? first : stale::incrementAndGet;
                d.arm(40, r);
                d.disarm(r);
            }
            return null;
        });
        assertEquals(1, (long) onLoop(d::schedules));
        // the next request is armed for longer than the pending timer: it re-arms for the rest, then fires late
        CompletableFuture<Long> fired = new CompletableFuture<>();
        long start = System.nanoTime();
        onLoop(() -> {
            d.arm(300, () -> fired.complete(System.nanoTime()));
            return null;
        });
        long at = fired.get(5, TimeUnit.SECONDS);
        assertTrue(at - start >= TimeUnit.MILLISECONDS.toNanos(300), "fired at the pending timer's earlier time");
        assertEquals(0, stale.get(), "a disarmed deadline fired");
        assertEquals(2, (long) onLoop(d::schedules));
    }

    @Test
    void aShorterTimeoutAfterALongerOneOnTheSameConnectionFiresOnItsOwnTime() throws Exception {
        // two clusters share a pooled backend connection: one with 60 s, then one with 50 ms
        ResponseDeadline d = onLoop(() -> new ResponseDeadline(loop));
        Runnable longOne = () -> { };
        CompletableFuture<Long> fired = new CompletableFuture<>();
        long start = System.nanoTime();
        onLoop(() -> {
            d.arm(60_000, longOne);
            d.disarm(longOne);
            d.arm(50, () -> fired.complete(System.nanoTime()));
            return null;
        });
        long at = fired.get(5, TimeUnit.SECONDS);
        assertTrue(at - start >= TimeUnit.MILLISECONDS.toNanos(50), "fired before its 50 ms");
    }

    @Test
    void disarmOfAnEarlierRequestLeavesTheCurrentOneArmed() throws Exception {
        ResponseDeadline d = onLoop(() -> new ResponseDeadline(loop));
        CompletableFuture<Void> fired = new CompletableFuture<>();
        Runnable old = () -> { };
        onLoop(() -> {
            d.arm(20, old);
            d.arm(20, () -> fired.complete(null));
            d.disarm(old);
            return null;
        });
        fired.get(5, TimeUnit.SECONDS);
    }
}
