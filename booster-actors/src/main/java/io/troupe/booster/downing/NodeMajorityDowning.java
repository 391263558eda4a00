package io.troupe.booster.downing;

import io.troupe.booster.downing.NodeMajority.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.Cluster;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.Reachability;
import org.apache.pekko.cluster.UniqueAddress;

/**
 * The downing actor of {@link NodeMajorityDowningProvider}: every {@link #TICK} it reads this member's view of
 * the cluster (members, and who observes whom unreachable), feeds it to {@link NodeMajority}, and downs what
 * that decides. Runs on every member; only the decider (a node) ever downs anything.
 */
public final class NodeMajorityDowning {
    /** How often the view is read; decisions are in seconds, so half a second late is nothing. */
    static final Duration TICK = Duration.ofMillis(500);

    /** Timer ticks only; nothing outside sends to it. */
    public interface Command {}

    private enum Tick implements Command { INSTANCE }

    /**
     * The cluster as this actor reads and acts on it; {@link #create(NodeMajorityDowningProvider.Settings)} uses
     * Pekko's, tests give a stand-in.
     */
    interface ClusterView {
        UniqueAddress self();

        /** The members, {@code node} for those with {@code role}; removed members left out. */
        List<NodeMajority.Member> members(String role);

        /** Who observes whom unreachable. */
        List<NodeMajority.Observation> observations();

        void down(UniqueAddress member);
    }

    private final ActorContext<Command> context;
    private final ClusterView view;
    private final String role;
    private final NodeMajority table;

    private NodeMajorityDowning(ActorContext<Command> context, NodeMajorityDowningProvider.Settings settings,
            ClusterView view) {
        this.context = context;
        this.view = view;
        this.role = settings.role();
        this.table = new NodeMajority(view.self(), settings.stableAfter(), settings.downAllWhenUnstable(),
                settings.boosterGrace(), System.nanoTime());
    }

    static Behavior<Command> create(NodeMajorityDowningProvider.Settings settings) {
        return create(settings, context -> new PekkoView(Cluster.get(Adapter.toClassic(context.getSystem()))));
    }

    /**
     * A crash (a bug in reading the view) restarts it with a fresh table: stability is measured anew. {@code views}
     * gives the view at each (re)start.
     */
    static Behavior<Command> create(NodeMajorityDowningProvider.Settings settings,
            Function<ActorContext<Command>, ClusterView> views) {
        return Behaviors.supervise(Behaviors.<Command>setup(context -> Behaviors.<Command>withTimers(timers -> {
            context.setLoggerName(NodeMajorityDowning.class);
            timers.startTimerWithFixedDelay(Tick.INSTANCE, TICK);
            return new NodeMajorityDowning(context, settings, views.apply(context)).behavior();
        }))).onFailure(SupervisorStrategy.restart());
    }

    private Behavior<Command> behavior() {
        return Behaviors.receive(Command.class).onMessageEquals(Tick.INSTANCE, this::onTick).build();
    }

    private Behavior<Command> onTick() {
        long now = System.nanoTime();
        table.update(view.members(role), view.observations(), now);
        NodeMajority.Decision decision = table.decide(now);
        if (!decision.isEmpty()) {
            context.getLog().warn("downing {}: {}", decision.down().stream().map(a -> a.address().toString()).toList(),
                    decision.why());
            decision.down().forEach(view::down);
        }
        return Behaviors.same();
    }

    /** Pekko's cluster: its state, and its failure detectors' records. */
    private record PekkoView(Cluster cluster) implements ClusterView {
        @Override
        public UniqueAddress self() {
            return cluster.selfUniqueAddress();
        }

        @Override
        public List<NodeMajority.Member> members(String role) {
            List<NodeMajority.Member> members = new ArrayList<>();
            for (Member member : cluster.state().getMembers()) {
                Status status = status(member.status());
                if (status != null) {
                    members.add(new NodeMajority.Member(member.uniqueAddress(), member.hasRole(role), status));
                }
            }
            return members;
        }

        /** Pekko keeps who-observes-whom in Reachability (internal API; its own resolver reads it the same way). */
        @Override
        public List<NodeMajority.Observation> observations() {
            Reachability reachability = cluster.readView().reachability();
            List<NodeMajority.Observation> observations = new ArrayList<>();
            scala.jdk.javaapi.CollectionConverters.asJava(reachability.records()).forEach(record -> {
                if (record.status() != Reachability.Reachable$.MODULE$) {
                    observations.add(new NodeMajority.Observation(record.observer(), record.subject()));
                }
            });
            return observations;
        }

        @Override
        public void down(UniqueAddress member) {
            cluster.down(member.address());
        }
    }

    private static Status status(MemberStatus status) {
        if (status == MemberStatus.joining() || status == MemberStatus.weaklyUp()) {
            return Status.JOINING;
        } else if (status == MemberStatus.leaving()) {
            return Status.LEAVING;
        } else if (status == MemberStatus.exiting()) {
            return Status.EXITING;
        } else if (status == MemberStatus.down()) {
            return Status.DOWN;
        } else if (status == MemberStatus.removed()) {
            return null;
        }
        return Status.UP; // Up, and PreparingForShutdown / ReadyForShutdown, which are Up members shutting down
    }
}
