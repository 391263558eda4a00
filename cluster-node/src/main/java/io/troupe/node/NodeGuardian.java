package io.troupe.node;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;

/**
 * Root of a cluster node: forms or joins the cluster, starts the role actors and the cluster metrics, and
 * stops the node when a role actor dies (a node that silently lost its worker would still look healthy).
 */
public final class NodeGuardian extends AbstractBehavior<NodeGuardian.Command> {

    /** The guardian takes no messages; it reacts to its children stopping. */
    public interface Command {}

    private NodeGuardian(ActorContext<Command> context) {
        super(context);
    }

    public static Behavior<Command> create(NodeSettings settings) {
        return Behaviors.setup(context -> {
            Cluster cluster = Cluster.get(context.getSystem());
            if (settings.seeds().isEmpty() && !settings.bootstraps()) {
                // Neither seeds nor bootstrap: this node is a cluster of its own until others join it.
                cluster.manager().tell(Join.create(cluster.selfMember().address()));
            }
            context.spawn(ClusterMetrics.create(), "cluster-metrics");
            context.spawn(QuarantineWatch.create(), "quarantine-watch");
            for (ActorRef<?> role : NodeRoles.spawnActors(context, settings)) {
                context.watch(role);
            }
            return new NodeGuardian(context);
        });
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder().onSignal(Terminated.class, this::onRoleStopped).build();
    }

    private Behavior<Command> onRoleStopped(Terminated terminated) {
        getContext().getLog().error("role actor {} stopped; shutting the node down", terminated.getRef().path());
        return Behaviors.stopped();
    }
}
