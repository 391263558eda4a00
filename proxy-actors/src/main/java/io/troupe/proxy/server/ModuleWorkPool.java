package io.troupe.proxy.server;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads that run request filters' blocking work ({@code FilterResult.blocking}: mod_auth_basic's bcrypt,
 * mod_static's file lookups), so that the event loops keep serving their other connections meanwhile. A plain
 * bounded pool, not an actor: the request path stays free of actors and messages. Its threads start on the
 * first piece of work and end after a minute without any, so a proxy whose modules never block has none.
 */
final class ModuleWorkPool {
    private final ThreadPoolExecutor pool;

    /**
     * @param threads at most this many pieces of work run at once ({@code troupe.proxy.module-work.threads})
     * @param queue work waiting beyond the running ones; past it a request is answered 503 rather than queued
     *     without end ({@code troupe.proxy.module-work.queue})
     */
    ModuleWorkPool(int threads, int queue) {
        AtomicInteger n = new AtomicInteger();
        pool = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(queue), r -> {
            Thread t = new Thread(r, "proxy-module-work-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        pool.allowCoreThreadTimeOut(true);
    }

    /**
     * Runs {@code work} on a pool thread.
     *
     * @return false when the pool is full or stopped and the work was not taken
     */
    boolean submit(Runnable work) {
        try {
            pool.execute(work);
            return true;
        } catch (RejectedExecutionException e) {
            return false;
        }
    }

    /** Stops taking work; what runs finishes on its own (its answer finds the connection closed). */
    void shutdown() {
        pool.shutdown();
    }
}
