package io.troupe.module.runtime;

import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.InvalidActorNameException;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Props;

/**
 * Top-level actors of a runtime (the proxy's, the modules') that may be started again in the same actor system:
 * after a failed start or a stop, a test or an embedding program starts it again at once.
 */
public final class SystemActors {
    private static final AtomicLong AGAIN = new AtomicLong();

    private SystemActors() {}

    /**
     * {@code /system/<name>}; a stopped actor's name is released by its parent a moment after its watchers hear
     * it stopped (gracefulStop), so a start right after a stop may find it taken and then gets a numbered one.
     */
    public static <T> ActorRef<T> spawn(ActorSystem<?> system, Behavior<T> behavior, String name) {
        try {
            return system.systemActorOf(behavior, name, Props.empty());
        } catch (InvalidActorNameException taken) {
            return system.systemActorOf(behavior, name + "-" + AGAIN.incrementAndGet(), Props.empty());
        }
    }
}
