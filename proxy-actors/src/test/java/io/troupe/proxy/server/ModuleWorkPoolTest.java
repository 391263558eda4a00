package io.troupe.proxy.server;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The pool holds the threads and the queue it is given, and refuses work past them. */
class ModuleWorkPoolTest {
    @Test
    void workBeyondTheThreadsAndTheQueueIsRefused() throws Exception {
        ModuleWorkPool pool = new ModuleWorkPool(1, 1);
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        try {
            assertTrue(pool.submit(() -> {
                running.countDown();
                await(release);
            }));
            assertTrue(running.await(10, TimeUnit.SECONDS), "the first work never ran");
            assertTrue(pool.submit(() -> { }), "one piece of work may wait");
            assertFalse(pool.submit(() -> { }), "a second one waiting is past queue = 1");
        } finally {
            release.countDown();
            pool.shutdown();
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
