package io.troupe.module.runtime;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/**
 * A reload handler's wait for the actor that owns the config ({@link ModuleActor}, proxy-actors'
 * {@code SnapshotReloadActor} and route tables): it asks, and blocks the calling thread (the node runs reload
 * handlers on its blocking dispatcher, never on an actor thread) until the answer or the timeout.
 */
public final class ReloadAsk {

    /** What a reload answers: the new version, or the error (and the old config keeps serving). */
    public interface Outcome {
        boolean ok();

        String version();

        String error();
    }

    private ReloadAsk() {}

    /**
     * Asks {@code actor} for reload {@code name} and waits up to {@code timeout}.
     *
     * @return the new version
     * @throws IllegalArgumentException the reload's own error (bad input, naming file and field)
     * @throws IllegalStateException no answer within {@code timeout}, or the ask failed
     */
    public static <C, R extends Outcome> String reloadAndWait(String name, ActorRef<C> actor,
                                                              Function<ActorRef<R>, C> request, Scheduler scheduler,
                                                              Duration timeout) throws InterruptedException {
        R result;
        try {
            // the ask times out first; the extra second only guards against a future that is never completed
            result = AskPattern.<C, R>ask(actor, request::apply, timeout, scheduler).toCompletableFuture()
                    .get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw noAnswer(name, timeout, e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof TimeoutException) {
                throw noAnswer(name, timeout, e.getCause());
            }
            throw new IllegalStateException("reload " + name + " failed, the old config keeps serving: "
                    + e.getCause(), e.getCause());
        }
        if (!result.ok()) {
            throw new IllegalArgumentException(result.error());
        }
        return result.version();
    }

    private static IllegalStateException noAnswer(String name, Duration timeout, Throwable cause) {
        return new IllegalStateException("reload " + name + ": no answer within " + describe(timeout)
                + "; the old config keeps serving", cause);
    }

    /** "10 s" for whole seconds, else "250 ms". */
    static String describe(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }
}
