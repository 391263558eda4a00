package io.troupe.module.runtime;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.function.BiFunction;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;

/**
 * The parts of an actor that owns reloadable config ({@link ModuleActor}, proxy-actors' {@code SnapshotReloadActor})
 * that run one blocking job at a time (an init, a load). The actor has two behaviours: <em>idle</em>, where a
 * request {@link #start}s a job and the actor becomes <em>running</em>; and running, where requests
 * {@link #await} the job in the stash and the job's result, which comes back as a message, ends with
 * {@link #finished}, replaying the waiting requests into idle.
 *
 * <p>Use it only from the actor that owns it (its stash is the actor's).
 *
 * @param <C> the actor's protocol
 */
public final class BlockingJobs<C> {
    private final ActorContext<C> context;
    private final StashBuffer<C> stash;
    private final Executor executor;

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
     * Starts {@code job} on the executor; its result, or what it threw (unwrapped, see {@link #cause}), comes back
     * to the actor as {@code done(result, error)}. The caller then becomes its running behaviour, which answers
     * that message with {@link #finished}. A job that ends after the actor stopped reports to dead letters.
     */
    public <T> void start(Callable<T> job, BiFunction<T, Throwable, C> done) {
        CompletableFuture<T> future = CompletableFuture.supplyAsync(() -> {
            try {
                return job.call();
            } catch (Exception e) {
                throw new CompletionException(e);
            }
        }, executor);
        context.pipeToSelf(future, (result, failure) -> done.apply(result, failure == null ? null : cause(failure)));
    }

    /**
     * In the running behaviour: {@code request} waits for the job in the stash, or, with the stash full,
     * {@code refuse} answers it now.
     */
    public Behavior<C> await(C request, Runnable refuse) {
        if (stash.isFull()) {
            refuse.run();
        } else {
            stash.stash(request);
        }
        return Behaviors.same();
    }

    /** The job is done: replays the waiting requests into {@code idle}, the actor's behaviour from now on. */
    public Behavior<C> finished(Behavior<C> idle) {
        return stash.unstashAll(idle);
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
