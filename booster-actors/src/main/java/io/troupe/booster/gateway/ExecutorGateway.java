package io.troupe.booster.gateway;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Listens on a Unix domain socket for booster-exec clients; each connection carries one intercepted
 * sub-work, handed to {@code sink}; the reply goes back to the client.
 *
 * <p>CONTRACT SKELETON: the booster-edge branch replaces the body; the signatures below are agreed.
 */
public final class ExecutorGateway {

    public interface Command {}

    /** Lifecycle events sent to the owner. */
    public interface Event {}

    /** The socket is bound and accepting. */
    public record Bound(Path socket) implements Event {}

    /** The socket could not be bound. */
    public record BindFailed(String reason) implements Event {}

    /** One intercepted sub-work as booster-exec sent it. */
    public record SubWorkArrived(
            List<String> argv, String cwd, Map<String, String> env, ActorRef<SubWorkReply> replyTo) {}

    /** What booster-exec prints and exits with. */
    public record SubWorkReply(int exitCode, byte[] stdout, byte[] stderr) {}

    private ExecutorGateway() {}

    public static Behavior<Command> create(Path socketPath, ActorRef<SubWorkArrived> sink, ActorRef<Event> owner) {
        return Behaviors.setup(context -> {
            owner.tell(new BindFailed("executor gateway not built yet"));
            return Behaviors.empty();
        });
    }
}
