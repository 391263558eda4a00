package io.troupe.node;

import java.util.HashMap;
import java.util.Map;
import kamon.Kamon;
import kamon.metric.Gauge;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Subscribe;

/**
 * Keeps the Kamon gauges {@code troupe.cluster.members{status}} and {@code troupe.cluster.unreachable}
 * equal to this node's view of the cluster, recomputed on every membership or reachability change.
 */
public final class ClusterMetrics {

    /** Cluster events arrive wrapped; nothing else is accepted. */
    public interface Command {}

    private record ClusterChanged(ClusterEvent.ClusterDomainEvent event) implements Command {}

    private static final String[] STATUSES = {"Joining", "WeaklyUp", "Up", "Leaving", "Exiting", "Down", "Removed"};

    private final Cluster cluster;
    private final Gauge unreachable = Kamon.gauge("troupe.cluster.unreachable",
            "members this node currently sees as unreachable").withoutTags();

    private ClusterMetrics(ActorContext<Command> context) {
        this.cluster = Cluster.get(context.getSystem());
    }

    public static Behavior<Command> create() {
        return Behaviors.setup(context -> {
            Cluster.get(context.getSystem()).subscriptions().tell(Subscribe.create(
                    context.messageAdapter(ClusterEvent.ClusterDomainEvent.class, ClusterChanged::new),
                    ClusterEvent.ClusterDomainEvent.class));
            return new ClusterMetrics(context).behavior();
        });
    }

    private Behavior<Command> behavior() {
        return Behaviors.receive(Command.class).onMessage(ClusterChanged.class, this::onClusterChanged).build();
    }

    private Behavior<Command> onClusterChanged(ClusterChanged changed) {
        ClusterEvent.CurrentClusterState state = cluster.state();
        Map<String, Integer> byStatus = new HashMap<>();
        for (Member member : state.getMembers()) {
            byStatus.merge(member.status().toString(), 1, Integer::sum);
        }
        for (String status : STATUSES) {
            Kamon.gauge("troupe.cluster.members", "cluster members by status, as this node sees them")
                    .withTag("status", status)
                    .update(byStatus.getOrDefault(status, 0));
        }
        unreachable.update(state.getUnreachable().size());
        return Behaviors.same();
    }
}
