package io.troupe.booster.client;

import io.troupe.api.booster.Handler;
import io.troupe.booster.worker.SubWorkExecutor;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.ChildFailed;
import org.apache.pekko.actor.typed.Terminated;
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
 * Root of the booster's actor system: starts the {@link WorkActor} at once and joins the cluster (or forms the
 * embedded one with a worker) at the same time, tells the work when its node is up or when the join timed out,
 * watches it, and completes {@code exit} with the work's exit code — or with {@link BoosterRun#BOOSTER_FAILED}
 * and the reason on stderr when the work actor failed.
 */
final class BoosterGuardian extends AbstractBehavior<BoosterGuardian.Command> {

    interface Command extends NoSerializationVerificationNeeded {}

    /** Makes the work actor; tests put one in that fails. */
    @FunctionalInterface
    interface WorkFactory {
        Behavior<WorkActor.Command> create(WorkSettings settings, Handler handler, ActorRef<WorkActor.Event> events);
    }

    static final WorkFactory REAL_WORK = (settings, handler, events) ->
            WorkActor.create(settings, handler, WorkActor.Launch.RUN_COMMAND, events);

    private record MemberChanged(ClusterEvent.MemberEvent event) implements Command {}

    private enum JoinTimedOut implements Command { INSTANCE }

    private record WorkEvent(WorkActor.Event event) implements Command {}

    private final WorkSettings settings;
    private final boolean embedded;
    private final CompletableFuture<Integer> exit;
    /** null under --local: the actor system is a plain local one */
    private final Cluster cluster;
    private final Duration joinTimeout;
    private final ActorRef<WorkActor.Command> work;
    private boolean joined;

    static Behavior<Command> create(WorkSettings settings, Handler handler, List<Address> seeds,
            CompletableFuture<Integer> exit, WorkFactory workFactory) {
        return Behaviors.setup(context -> Behaviors.withTimers(timers ->
                new BoosterGuardian(context, timers, settings, handler, seeds, exit, workFactory)));
    }

    private BoosterGuardian(ActorContext<Command> context, TimerScheduler<Command> timers, WorkSettings settings,
            Handler handler, List<Address> seeds, CompletableFuture<Integer> exit, WorkFactory workFactory) {
        super(context);
        this.settings = settings;
        this.embedded = seeds.isEmpty();
        this.exit = exit;
        this.joinTimeout = context.getSystem().settings().config().getDuration("troupe.booster.join-timeout");
        // first the work: its command starts while the join goes on (docs/booster-execution.md, "Start")
        this.work = context.spawn(workFactory.create(settings, handler,
                context.messageAdapter(WorkActor.Event.class, WorkEvent::new)), "work");
        context.watch(work);
        if (settings.local()) {
            this.cluster = null; // nothing to join: every sub-work runs here
            return;
        }
        this.cluster = Cluster.get(context.getSystem());
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
                .onSignal(ChildFailed.class, this::onWorkFailed)
                .onSignal(Terminated.class, this::onWorkStopped)
                .build();
    }

    private Behavior<Command> onMemberChanged(MemberChanged changed) {
        boolean self = changed.event().member().uniqueAddress().equals(cluster.selfMember().uniqueAddress());
        boolean up = changed.event() instanceof ClusterEvent.MemberUp || changed.event() instanceof ClusterEvent.MemberWeaklyUp;
        if (self && up && !joined) {
            joined = true;
            work.tell(WorkActor.ClusterJoined.INSTANCE);
        }
        return this;
    }

    private Behavior<Command> onJoinTimedOut() {
        if (!joined) {
            String where = embedded ? "the embedded cluster" : "the cluster at " + String.join(", ", settings.clusterSeeds());
            work.tell(new WorkActor.ClusterUnavailable("could not join " + where + " within " + joinTimeout.toSeconds() + " s"));
        }
        return this;
    }

    private Behavior<Command> onWorkEvent(WorkEvent event) {
        if (event.event() instanceof WorkActor.Finished finished) {
            exit.complete(finished.exitCode());
        }
        return this;
    }

    /** An exception escaped the work actor: say why and end the booster instead of waiting forever. */
    private Behavior<Command> onWorkFailed(ChildFailed failed) {
        if (failed.getRef().equals(work) && !exit.isDone()) {
            Throwable cause = failed.cause();
            while (cause.getCause() != null && cause.getCause() != cause) {
                cause = cause.getCause(); // the exception itself, not Pekko's ActorInitializationException around it
            }
            System.err.println("[booster] internal error: the work actor failed: " + cause);
            exit.complete(BoosterRun.BOOSTER_FAILED);
        }
        return this;
    }

    private Behavior<Command> onWorkStopped(Terminated stopped) {
        if (stopped.getRef().equals(work) && !exit.isDone()) {
            System.err.println("[booster] internal error: the work actor stopped before the work ended");
            exit.complete(BoosterRun.BOOSTER_FAILED);
        }
        return this;
    }
}
