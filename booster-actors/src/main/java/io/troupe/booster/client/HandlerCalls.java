package io.troupe.booster.client;

import static io.troupe.booster.Failures.unwrap;

import io.troupe.api.booster.Handler;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.apache.pekko.actor.typed.javadsl.ActorContext;

/** Runs handler code (which may block: plugins) on the blocking dispatcher and reports back by message. */
final class HandlerCalls {
    private HandlerCalls() {}

    /** Not the actor's context.getLog(): its first use names the actor's logger after the calling class. */
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(HandlerCalls.class);

    /** Watches bounded hook calls; a call that ends cancels its watch, which then leaves the queue at once. */
    private static final java.util.concurrent.ScheduledThreadPoolExecutor TIMER = timer();

    private static java.util.concurrent.ScheduledThreadPoolExecutor timer() {
        var timer = new java.util.concurrent.ScheduledThreadPoolExecutor(1, r -> {
            Thread thread = new Thread(r, "troupe-hook-timeouts");
            thread.setDaemon(true);
            return thread;
        });
        timer.setRemoveOnCancelPolicy(true);
        return timer;
    }

    /** Config key of the bound on one work-level hook call (PreWork, GetPreloadConfig, PostWork); 0 = none. */
    static final String TIMEOUT_KEY = "troupe.booster.handler-timeout";

    /** Config key of the bound on each hook call of a sub-work (PreExecute, PostExecute, ...); 0 = none. */
    static final String SUB_WORK_TIMEOUT_KEY = "troupe.booster.sub-work-hook-timeout";

    /** Unbounded: {@code work} may hold more than a hook (a local run lasts as long as the compile). */
    static <C> void pipeToSelf(ActorContext<C> context, Handler handler, Executor blocking,
                               Callable<? extends C> work, Function<Throwable, ? extends C> onError) {
        context.pipeToSelf(call(handler, blocking, work), (result, error) -> error == null ? result : onError.apply(unwrap(error)));
    }

    /**
     * One call of work-level hook {@code hook} (PreWork, PostWork), bounded by {@code troupe.booster.handler-timeout}:
     * past it {@code onError} gets a {@link HookTimeoutException} naming the hook, the handler and the key, so a hung
     * plugin never hangs the build.
     */
    static <C> void pipeToSelf(ActorContext<C> context, Handler handler, Executor blocking, String hook,
                               Callable<? extends C> work, Function<Throwable, ? extends C> onError) {
        pipeToSelf(context, handler, blocking, hook, timeout(context.getSystem().settings().config(), TIMEOUT_KEY),
                TIMEOUT_KEY, work, onError);
    }

    /**
     * One call of hook {@code hook} bounded by {@code timeout} (from config key {@code key}; zero = none), measured
     * from the moment the call starts on {@code blocking} (a call that cannot even start within it, all threads
     * taken, fails too). Past it {@code onError} gets a {@link HookTimeoutException} and the thread running the hook
     * is interrupted: sleeps, waits, interruptible I/O and Process.waitFor end so, and the thread goes back to the
     * pool. A hook that ignores the interrupt keeps its thread until it returns (Java cannot stop a thread); that is
     * logged, and its late result is dropped.
     */
    static <C> void pipeToSelf(ActorContext<C> context, Handler handler, Executor blocking, String hook,
                               Duration timeout, String key, Callable<? extends C> work,
                               Function<Throwable, ? extends C> onError) {
        if (timeout.isZero() || timeout.isNegative()) {
            pipeToSelf(context, handler, blocking, work, onError);
            return;
        }
        CompletableFuture<C> result = new CompletableFuture<>();
        ClassLoader handlerLoader = handler.getClass().getClassLoader();
        Interruptible running = new Interruptible();
        // made only when the time is up: a stack trace per hook call on the sub-work path would be wasted
        java.util.function.Supplier<HookTimeoutException> late =
                () -> new HookTimeoutException(hook, handler.getClass().getName(), timeout.toMillis(), key);
        watch(running, result, late, timeout.toNanos(), timeout.toNanos(), hook);
        blocking.execute(() -> {
            if (!running.enter()) {
                return; // given up before it started
            }
            Thread thread = Thread.currentThread();
            ClassLoader previous = thread.getContextClassLoader();
            thread.setContextClassLoader(handlerLoader); // a plugin finds its resources through it
            try {
                result.complete(work.call());
            } catch (Throwable e) {
                result.completeExceptionally(e);
            } finally {
                thread.setContextClassLoader(previous);
                running.exit();
                Thread.interrupted(); // an interrupt meant for the hook must not reach the pool's next task
            }
        });
        context.pipeToSelf(result, (value, error) -> error == null ? value : onError.apply(unwrap(error)));
    }

    /** After {@code delayNanos}: the call's time is up (interrupt it), or it started late (wait out its rest). */
    private static void watch(Interruptible running, CompletableFuture<?> result,
            java.util.function.Supplier<HookTimeoutException> late, long delayNanos, long timeoutNanos, String hook) {
        java.util.concurrent.ScheduledFuture<?> timer = TIMER.schedule(() -> {
            long rest = running.restNanos(timeoutNanos);
            if (rest > 0 && !result.isDone()) {
                watch(running, result, late, rest, timeoutNanos, hook);
                return;
            }
            HookTimeoutException timedOut = late.get();
            // before the answer: a call not started yet must never start, even on a thread freed the moment after it
            running.giveUp();
            if (result.completeExceptionally(timedOut) && running.interrupt()) {
                log.warn("{}; its thread was interrupted", timedOut.getMessage());
                CompletableFuture.delayedExecutor(1, TimeUnit.SECONDS).execute(() -> {
                    String stuck = running.stuckThread();
                    if (stuck != null) {
                        log.warn("{} still runs on thread {} though interrupted: that thread is lost to the"
                                + " blocking dispatcher until the hook returns", hook, stuck);
                    }
                });
            }
        }, delayNanos, TimeUnit.NANOSECONDS);
        result.whenComplete((value, error) -> timer.cancel(false)); // no 15-minute task left per finished call
    }

    /** {@code key}'s duration in {@code config}, zero when absent. */
    static Duration timeout(com.typesafe.config.Config config, String key) {
        return config.hasPath(key) ? config.getDuration(key) : Duration.ZERO;
    }

    /** The thread of one bounded call: interrupted only while the call runs on it. */
    private static final class Interruptible {
        private Thread thread;
        private boolean over;
        private long startNanos;
        private boolean started;

        synchronized boolean enter() {
            if (over) {
                return false;
            }
            thread = Thread.currentThread();
            startNanos = System.nanoTime();
            started = true;
            return true;
        }

        /** What is left of the call's time: 0 when it has not started yet (then it never will) or is over. */
        synchronized long restNanos(long timeoutNanos) {
            if (!started) {
                return 0;
            }
            return timeoutNanos - (System.nanoTime() - startNanos);
        }

        synchronized void exit() {
            thread = null;
            over = true;
        }

        /** A call not started yet will not start; a running one runs on. */
        synchronized void giveUp() {
            over = true;
        }

        /** Interrupts the running call; true when it was running. A call not yet started will not start. */
        synchronized boolean interrupt() {
            over = true;
            if (thread == null) {
                return false;
            }
            thread.interrupt();
            return true;
        }

        synchronized String stuckThread() {
            return thread == null ? null : thread.getName();
        }
    }

    /**
     * One call of hook {@code hook} from a plain thread (before the actor system exists), bounded by
     * {@code troupe.booster.handler-timeout}: the call runs on a daemon thread, which a hung plugin keeps but the
     * booster does not wait for.
     */
    static void callBounded(com.typesafe.config.Config config, Handler handler, String hook, Callable<?> work)
            throws Exception {
        callBounded(timeout(config, TIMEOUT_KEY), handler, hook, work);
    }

    /** As {@link #callBounded(com.typesafe.config.Config, Handler, String, Callable)}, bounded by {@code timeout}. */
    static <T> T callBounded(Duration timeout, Handler handler, String hook, Callable<T> work) throws Exception {
        Executor daemon = task -> {
            Thread thread = new Thread(task, "troupe-" + hook);
            thread.setDaemon(true);
            thread.start();
        };
        CompletableFuture<T> call = call(handler, daemon, work);
        try {
            if (timeout.isZero() || timeout.isNegative()) {
                return call.get();
            }
            return call.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new HookTimeoutException(hook, handler.getClass().getName(), timeout.toMillis(), TIMEOUT_KEY);
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable cause = unwrap(e.getCause());
            if (cause instanceof Exception checked) {
                throw checked;
            }
            throw e;
        }
    }

    private static <C> CompletableFuture<C> call(Handler handler, Executor blocking, Callable<? extends C> work) {
        ClassLoader handlerLoader = handler.getClass().getClassLoader();
        return CompletableFuture.supplyAsync(() -> {
            // a plugin finds its own resources and services through the context class loader
            Thread thread = Thread.currentThread();
            ClassLoader previous = thread.getContextClassLoader();
            thread.setContextClassLoader(handlerLoader);
            try {
                return work.call();
            } catch (Exception e) {
                throw new CompletionException(e);
            } finally {
                thread.setContextClassLoader(previous);
            }
        }, blocking);
    }
}
