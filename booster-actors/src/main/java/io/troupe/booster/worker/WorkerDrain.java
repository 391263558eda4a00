package io.troupe.booster.worker;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigValueFactory;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/**
 * A worker node that shuts down (SIGTERM of a rolling update, {@code /cluster/leave}) drains before it leaves the
 * cluster: a task in CoordinatedShutdown's {@code service-requests-done} phase, which runs before
 * {@code cluster-leave}, sends the {@link SubWorkExecutor} a {@link SubWorkExecutor.Drain} and waits for its
 * {@link SubWorkExecutor.Drained}. New sub-works are refused as {@link SubWorkExecutor.Failure#DRAINING} (the
 * booster sends them elsewhere), running ones finish, and past {@code troupe.worker.drain-timeout} they are
 * stopped and handed back the same way. docs/operations.md, "Rolling update".
 */
public final class WorkerDrain {

    /** How long running sub-works may take to finish once the node shuts down. */
    public static final String TIMEOUT_KEY = "troupe.worker.drain-timeout";

    /** The phase the drain runs in; its timeout is raised to {@link #TIMEOUT_KEY} plus {@link #MARGIN}. */
    static final String PHASE = "pekko.coordinated-shutdown.phases." + CoordinatedShutdown.PhaseServiceRequestsDone();

    /** Time past the drain timeout for stopped sub-works to answer before the phase gives up on the drain. */
    static final Duration MARGIN = Duration.ofSeconds(10);

    private WorkerDrain() {}

    /**
     * {@link #TIMEOUT_KEY} of {@code config}.
     *
     * @throws IllegalArgumentException naming the key when it is missing, not a duration or negative
     */
    public static Duration timeout(Config config) {
        Duration timeout;
        try {
            timeout = config.getDuration(TIMEOUT_KEY);
        } catch (ConfigException e) {
            throw new IllegalArgumentException(TIMEOUT_KEY + ": " + e.getMessage(), e);
        }
        if (timeout.isNegative()) {
            throw new IllegalArgumentException(TIMEOUT_KEY + ": " + config.getString(TIMEOUT_KEY) + " must not be negative");
        }
        return timeout;
    }

    /**
     * {@code config} with the {@code service-requests-done} phase timeout at least the drain timeout plus a margin:
     * Pekko reads phase timeouts when the actor system starts, so a node's config needs this before then.
     */
    public static Config withPhaseTimeout(Config config) {
        Duration needed = timeout(config).plus(MARGIN);
        String key = PHASE + ".timeout";
        Duration current = config.hasPath(key) ? config.getDuration(key)
                : config.getDuration("pekko.coordinated-shutdown.default-phase-timeout");
        return current.compareTo(needed) >= 0 ? config
                : config.withValue(key, ConfigValueFactory.fromAnyRef(needed.toMillis() + " ms"));
    }

    /**
     * Adds the drain of {@code worker} to the node's CoordinatedShutdown. A node that was downed skips it: the
     * cluster has already given its sub-works to other workers.
     */
    public static void register(ActorSystem<?> system, ActorRef<SubWorkExecutor.Command> worker) {
        Duration timeout = timeout(system.settings().config());
        CoordinatedShutdown shutdown = CoordinatedShutdown.get(system);
        shutdown.addTask(CoordinatedShutdown.PhaseServiceRequestsDone(), "troupe-worker-drain", () -> {
            boolean downed = shutdown.getShutdownReason()
                    .map(reason -> reason == CoordinatedShutdown.clusterDowningReason()).orElse(false);
            if (downed) {
                return java.util.concurrent.CompletableFuture.completedFuture(Done.getInstance());
            }
            CompletionStage<SubWorkExecutor.Drained> drained = AskPattern.ask(worker,
                    replyTo -> new SubWorkExecutor.Drain(timeout, replyTo), timeout.plus(MARGIN), system.scheduler());
            return drained.handle((done, error) -> {
                if (error != null) {
                    system.log().warn("worker drain did not finish: {}", error.toString());
                }
                return Done.getInstance();
            });
        });
    }
}
