package io.troupe.booster.work;

import io.troupe.api.booster.Handler;
import io.troupe.booster.worker.SubWorkExecutor;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.JoinSeedNodes;
import org.apache.pekko.cluster.typed.Subscribe;

/**
 * Root of the booster's actor system: joins the cluster (or forms the embedded one with a worker), starts
 * the {@link WorkActor} once this node is up — or, when the join times out, degrades to local or gives up
 * under {@code --no_local} — and completes {@code exit} with the work's exit code.
 */
final class BoosterGuardian extends AbstractBehavior<BoosterGuardian.Command> {

    interface Command extends NoSerializationVerificationNeeded {}

    private record MemberChanged(ClusterEvent.MemberEvent event) implements Command {}

    private enum JoinTimedOut implements Command { INSTANCE }

    private record WorkEvent(WorkActor.Event event) implements Command {}

    private final WorkSettings settings;
    private final Handler handler;
    private final boolean embedded;
    private final CompletableFuture<Integer> exit;
    private final Cluster cluster;
    private final Duration joinTimeout;
    private final ActorRef<WorkActor.Event> workEvents;
    private boolean started;

    static Behavior<Command> create(WorkSettings settings, Handler handler, List<Address> seeds,
            CompletableFuture<Integer> exit) {
        return Behaviors.setup(context -> Behaviors.withTimers(timers ->
                new BoosterGuardian(context, timers, settings, handler, seeds, exit)));
    }

    private BoosterGuardian(ActorContext<Command> context, TimerScheduler<Command> timers, WorkSettings settings,
            Handler handler, List<Address> seeds, CompletableFuture<Integer> exit) {
        super(context);
        this.settings = settings;
        this.handler = handler;
        this.embedded = seeds.isEmpty();
        this.exit = exit;
        this.cluster = Cluster.get(context.getSystem());
        this.joinTimeout = context.getSystem().settings().config().getDuration("troupe.booster.join-timeout");
        this.workEvents = context.messageAdapter(WorkActor.Event.class, WorkEvent::new);
        // WeaklyUp is enough: while an unreachable member (a killed worker) blocks convergence, the booster
        // still gets going and the directory skips the unreachable worker
        cluster.subscriptions().tell(Subscribe.create(
                context.messageAdapter(ClusterEvent.MemberEvent.class, MemberChanged::new), ClusterEvent.MemberEvent.class));
        if (embedded) {
            context.spawn(SubWorkExecutor.create(), "worker");
            cluster.manager().tell(new JoinSeedNodes(List.of(cluster.selfMember().address())));
        } else {
            cluster.manager().tell(new JoinSeedNodes(seeds));
        }
        timers.startSingleTimer(JoinTimedOut.INSTANCE, joinTimeout);
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(MemberChanged.class, this::onMemberChanged)
                .onMessageEquals(JoinTimedOut.INSTANCE, this::onJoinTimedOut)
                .onMessage(WorkEvent.class, this::onWorkEvent)
                .build();
    }

    private Behavior<Command> onMemberChanged(MemberChanged changed) {
        boolean self = changed.event().member().uniqueAddress().equals(cluster.selfMember().uniqueAddress());
        boolean up = changed.event() instanceof ClusterEvent.MemberUp || changed.event() instanceof ClusterEvent.MemberWeaklyUp;
        if (self && up && !started) {
            startWork(settings);
        }
        return this;
    }

    private Behavior<Command> onJoinTimedOut() {
        if (started) {
            return this;
        }
        String where = embedded ? "the embedded cluster" : "the cluster at " + String.join(", ", settings.clusterSeeds());
        if (settings.noLocal()) {
            System.err.println("[booster] could not join " + where + " within " + joinTimeout.toSeconds()
                    + " s; --no_local forbids running the work locally");
            started = true;
            exit.complete(BoosterRun.BOOSTER_FAILED);
            return this;
        }
        System.err.println("[booster] warning: could not join " + where + " within " + joinTimeout.toSeconds()
                + " s; running every sub-work locally");
        startWork(settings.withLocal(true));
        return this;
    }

    private void startWork(WorkSettings workSettings) {
        started = true;
        getContext().spawn(WorkActor.create(workSettings, handler, WorkActor.Launch.RUN_COMMAND, workEvents), "work");
    }

    private Behavior<Command> onWorkEvent(WorkEvent event) {
        if (event.event() instanceof WorkActor.Finished finished) {
            exit.complete(finished.exitCode());
        }
        return this;
    }
}
