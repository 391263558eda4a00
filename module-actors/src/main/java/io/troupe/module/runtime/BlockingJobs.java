package io.troupe.module.runtime;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.function.BiFunction;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;

/**
 * The loop of an actor that owns reloadable config ({@link ModuleActor}, proxy-actors' {@code SnapshotReloadActor}):
 * one blocking job at a time (an init, a load) runs on an executor off the actor's thread and reports back as a
 * message, and the requests arriving meanwhile wait in the stash until {@link #finished} replays them.
 *
 * <p>Use it only from the actor that owns it (it keeps the actor's state, unsynchronised).
 *
 * @param <C> the actor's protocol
 */
public final class BlockingJobs<C> {
    private final ActorContext<C> context;
    private final StashBuffer<C> stash;
    private final Executor executor;
    private boolean busy;

    /**
     * @param context the owning actor's context
     * @param stash where requests wait while a job runs; its capacity bounds the queue
     * @param executor where jobs run (a blocking dispatcher)
     */
    public BlockingJobs(ActorContext<C> context, StashBuffer<C> stash, Executor executor) {
        this.context = context;
        this.stash = stash;
        this.executor = executor;
    }

    /**
     * While a job runs, stashes {@code request} (or, with the stash full, runs {@code refuse}, which answers it)
     * and returns true; returns false when no job runs, so the caller handles {@code request} now.
     */
    public boolean deferred(C request, Runnable refuse) {
        if (!busy) {
            return false;
        }
        if (stash.isFull()) {
            refuse.run();
        } else {
            stash.stash(request);
        }
        return true;
    }

    /**
     * Starts {@code job} on the executor; its result, or what it threw (unwrapped, see {@link #cause}), comes back
     * to the actor as {@code done(result, error)}. The actor answers that message with {@link #finished}.
     */
    public <T> void run(Callable<T> job, BiFunction<T, Throwable, C> done) {
        busy = true;
        CompletableFuture<T> future = CompletableFuture.supplyAsync(() -> {
            try {
                return job.call();
            } catch (Exception e) {
                throw new CompletionException(e);
            }
        }, executor);
        context.pipeToSelf(future, (result, failure) -> done.apply(result, failure == null ? null : cause(failure)));
    }

    /** The job is done: replays the stashed requests into {@code next}, the actor's behaviour from now on. */
    public Behavior<C> finished(Behavior<C> next) {
        busy = false;
        return stash.unstashAll(next);
    }

    /** What a job threw, without the future's CompletionException / ExecutionException around it. */
    public static Throwable cause(Throwable t) {
        Throwable c = t;
        while ((c instanceof CompletionException || c instanceof ExecutionException) && c.getCause() != null) {
            c = c.getCause();
        }
        return c;
    }
}
