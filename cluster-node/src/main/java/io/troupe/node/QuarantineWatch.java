package io.troupe.node;

import io.troupe.booster.downing.QuarantinedBy;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.eventstream.EventStream;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.remote.artery.ThisActorSystemQuarantinedEvent;

/**
 * Stops the node when another member has quarantined it. That happens to a node the cluster removed while it
 * could not hear (hung, stopped or cut off longer than the downing takes): back, it still sees itself Up and
 * answers ready, but no member talks to it again until it restarts. A downed node that hears of it stops the
 * same way (Pekko's run-coordinated-shutdown-when-down); this covers the one that could not hear. The exit code
 * is 1, so a supervisor (systemd, Kubernetes) starts it again and it joins as a new member.
 */
public final class QuarantineWatch {

    /** Why the node stopped: {@code by} quarantined it. */
    public record QuarantinedReason(String by) implements CoordinatedShutdown.Reason {}

    private QuarantineWatch() {}

    public static Behavior<ThisActorSystemQuarantinedEvent> create() {
        return Behaviors.setup(context -> {
            context.getSystem().eventStream().tell(new EventStream.Subscribe<>(ThisActorSystemQuarantinedEvent.class,
                    context.getSelf()));
            return Behaviors.receiveMessage(event -> onQuarantined(context, event));
        });
    }

    private static Behavior<ThisActorSystemQuarantinedEvent> onQuarantined(
            ActorContext<ThisActorSystemQuarantinedEvent> context, ThisActorSystemQuarantinedEvent event) {
        String by = event.remoteAddress().address().toString();
        var member = QuarantinedBy.member(Cluster.get(context.getSystem()), event);
        if (member.isEmpty()) {
            // only a member of this incarnation can have removed this node; anything else is noise
            context.getLog().warn("{} quarantined this node but is not a member it knows; ignored", by);
            return Behaviors.same();
        }
        if (member.get().hasRole("booster")) {
            // a booster never removes a node; its quarantine (a full system-message buffer) cuts off only itself
            context.getLog().warn("booster {} quarantined this node; it goes on serving the others", by);
            return Behaviors.same();
        }
        context.getLog().error("member {} quarantined this node {}: the cluster removed it while it was unreachable,"
                + " and no member will talk to it again until it restarts; stopping the node (exit 1) so that its"
                + " supervisor starts it anew", by, event.localAddress().address());
        CoordinatedShutdown.get(context.getSystem()).runAll(new QuarantinedReason(by));
        return Behaviors.stopped();
    }
}
