package io.troupe.booster.client;

import static io.troupe.booster.Failures.unwrap;

import io.troupe.api.booster.Handler;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.function.Function;
import org.apache.pekko.actor.typed.javadsl.ActorContext;

/** Runs handler code (which may block: plugins) on the blocking dispatcher and reports back by message. */
final class HandlerCalls {
    private HandlerCalls() {}

    static <C> void pipeToSelf(ActorContext<C> context, Handler handler, Executor blocking,
                               Callable<? extends C> work, Function<Throwable, ? extends C> onError) {
        ClassLoader handlerLoader = handler.getClass().getClassLoader();
        context.pipeToSelf(CompletableFuture.supplyAsync(() -> {
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
        }, blocking), (result, error) -> error == null ? result : onError.apply(unwrap(error)));
    }
}
