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

    /** Config key of the bound on one work-level hook call (PreWork, PostWork); 0 = none. */
    static final String TIMEOUT_KEY = "troupe.booster.handler-timeout";

    /** Unbounded: {@code work} may hold more than a hook (a local run lasts as long as the compile). */
    static <C> void pipeToSelf(ActorContext<C> context, Handler handler, Executor blocking,
                               Callable<? extends C> work, Function<Throwable, ? extends C> onError) {
        context.pipeToSelf(call(handler, blocking, work), (result, error) -> error == null ? result : onError.apply(unwrap(error)));
    }

    /**
     * One call of hook {@code hook}, bounded by {@code troupe.booster.handler-timeout}: past it {@code onError} gets a
     * {@link TimeoutException} naming the hook, the handler and the key, so a hung plugin never hangs the build
     * (its thread stays blocked: Java cannot stop it).
     */
    static <C> void pipeToSelf(ActorContext<C> context, Handler handler, Executor blocking, String hook,
                               Callable<? extends C> work, Function<Throwable, ? extends C> onError) {
        com.typesafe.config.Config config = context.getSystem().settings().config();
        Duration timeout = config.hasPath(TIMEOUT_KEY) ? config.getDuration(TIMEOUT_KEY) : Duration.ZERO;
        CompletableFuture<C> call = call(handler, blocking, work);
        CompletableFuture<C> bounded = timeout.isZero() || timeout.isNegative() ? call
                : call.copy().orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS); // a copy: call tells whether it ended
        context.pipeToSelf(bounded, (result, error) -> error == null ? result : onError.apply(
                unwrap(error) instanceof TimeoutException && !call.isDone()
                        ? new TimeoutException(hook + " of handler " + handler.getClass().getName() + " did not return within "
                                + timeout.toMillis() + " ms (" + TIMEOUT_KEY + ")")
                        : unwrap(error)));
    }

    /**
     * One call of hook {@code hook} from a plain thread (before the actor system exists), bounded by
     * {@code troupe.booster.handler-timeout} as {@link #pipeToSelf(ActorContext, Handler, Executor, String, Callable,
     * Function)} bounds it: the call runs on a daemon thread, which a hung plugin keeps but the booster does not wait for.
     */
    static void callBounded(com.typesafe.config.Config config, Handler handler, String hook, Callable<?> work)
            throws Exception {
        Duration timeout = config.hasPath(TIMEOUT_KEY) ? config.getDuration(TIMEOUT_KEY) : Duration.ZERO;
        Executor daemon = task -> {
            Thread thread = new Thread(task, "troupe-" + hook);
            thread.setDaemon(true);
            thread.start();
        };
        CompletableFuture<?> call = call(handler, daemon, work);
        try {
            if (timeout.isZero() || timeout.isNegative()) {
                call.get();
            } else {
                call.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (TimeoutException e) {
            throw new TimeoutException(hook + " of handler " + handler.getClass().getName() + " did not return within "
                    + timeout.toMillis() + " ms (" + TIMEOUT_KEY + ")");
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
