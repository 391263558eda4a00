package io.troupe.booster.controller;

import io.troupe.api.booster.Handler;
import io.troupe.booster.client.Prelaunch;
import io.troupe.booster.client.WorkActor;
import io.troupe.booster.client.WorkSettings;
import io.troupe.booster.client.WorkerDirectory;
import io.troupe.booster.downing.QuarantinedBy;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.ChildFailed;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.eventstream.EventStream;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Down;
import org.apache.pekko.cluster.typed.JoinSeedNodes;
import org.apache.pekko.cluster.typed.Subscribe;
import org.apache.pekko.remote.artery.ThisActorSystemQuarantinedEvent;

/**
 * Root of a controller's actor system: joins the cluster once, then runs each client's work as a
 * {@link WorkActor} adopting the command the client started, told at once that the cluster is joined. A join
 * that times out, or this member's removal from the cluster, makes the controller unusable: running works go
 * on (locally), new ones are declined and the controller leaves once idle ({@link ControllerStatus}).
 */
final class ControllerGuardian {

    interface Command extends NoSerializationVerificationNeeded {}

    /** Run this work; {@code exit} completes with its exit code. */
    record RunWork(WorkSettings settings, Handler handler, Prelaunch.Started started, CompletableFuture<Integer> exit)
            implements Command {}

    private record MemberChanged(ClusterEvent.MemberEvent event) implements Command {}

    /** A member quarantined this controller: removed before it heard so, it never sees its own removal. */
    private record Quarantined(ThisActorSystemQuarantinedEvent event) implements Command {}

    private enum JoinTimedOut implements Command { INSTANCE }

    private record WorkEvent(long id, WorkActor.Event event) implements Command {}

    /** Work {@code id} stopped ({@code how}), told after every event it sent (see {@link #eventsOf}). */
    private record WorkGone(long id, String how) implements Command {}

    /** To a work's forwarder: its work stopped; pass that on behind the events still queued. */
    private record Ended(String how) implements NoSerializationVerificationNeeded {}

    private record WorkersChanged(WorkerDirectory.Snapshot snapshot) implements Command {}

    private final ActorContext<Command> context;
    private final ControllerStatus status;
    private final Cluster cluster;
    /** One directory for every work: it knows the workers, their load and what they hold before a work starts. */
    private final ActorRef<WorkerDirectory.Command> directory;
    private final int perWorkerLimit;
    private final List<String> seeds;
    private final Duration joinTimeout;
    /** Running works by number, their exits, and their numbers by actor (for the signals). */
    private final Map<Long, ActorRef<WorkActor.Command>> works = new HashMap<>();
    private final Map<Long, CompletableFuture<Integer>> exits = new HashMap<>();
    private final Map<ActorRef<?>, Long> ids = new HashMap<>();
    /** Each running work's event forwarder (see {@link #eventsOf}). */
    private final Map<Long, ActorRef<Object>> eventTaggers = new HashMap<>();
    private boolean joined;
    private boolean workersAnnounced;
    private long workCount;

    /** @param perWorkerLimit the first work's {@code -l}: works with another get a directory of their own */
    static Behavior<Command> create(List<Address> seeds, List<String> seedNames, int perWorkerLimit, ControllerStatus status) {
        return Behaviors.setup(context -> Behaviors.withTimers(timers ->
                new ControllerGuardian(context, timers, seeds, seedNames, perWorkerLimit, status).behavior()));
    }

    private ControllerGuardian(ActorContext<Command> context, TimerScheduler<Command> timers, List<Address> seeds,
            List<String> seedNames, int perWorkerLimit, ControllerStatus status) {
        this.context = context;
        this.perWorkerLimit = perWorkerLimit;
        this.directory = context.spawn(WorkerDirectory.create(context.getSystem().settings().config(), perWorkerLimit),
                "workers");
        this.status = status;
        this.seeds = seedNames;
        this.cluster = Cluster.get(context.getSystem());
        this.joinTimeout = context.getSystem().settings().config().getDuration("troupe.booster.join-timeout");
        cluster.subscriptions().tell(Subscribe.create(
                context.messageAdapter(ClusterEvent.MemberEvent.class, MemberChanged::new), ClusterEvent.MemberEvent.class));
        context.getSystem().eventStream().tell(new EventStream.Subscribe<>(ThisActorSystemQuarantinedEvent.class,
                context.messageAdapter(ThisActorSystemQuarantinedEvent.class, Quarantined::new)));
        directory.tell(new WorkerDirectory.Subscribe(context.messageAdapter(WorkerDirectory.Snapshot.class, WorkersChanged::new)));
        cluster.manager().tell(new JoinSeedNodes(seeds));
        timers.startSingleTimer(JoinTimedOut.INSTANCE, joinTimeout);
    }

    private Behavior<Command> behavior() {
        return Behaviors.receive(Command.class)
                .onMessage(RunWork.class, this::onRunWork)
                .onMessage(MemberChanged.class, this::onMemberChanged)
                .onMessage(Quarantined.class, this::onQuarantined)
                .onMessageEquals(JoinTimedOut.INSTANCE, this::onJoinTimedOut)
                .onMessage(WorkEvent.class, this::onWorkEvent)
                .onMessage(WorkGone.class, this::onWorkGone)
                .onMessage(WorkersChanged.class, this::onWorkersChanged)
                .onSignal(ChildFailed.class, failed -> onWorkStopped(failed.getRef(), "failed: " + failed.cause()))
                .onSignal(Terminated.class, stopped -> onWorkStopped(stopped.getRef(), "stopped before the work ended"))
                .build();
    }

    private Behavior<Command> onRunWork(RunWork run) {
        long id = ++workCount;
        ActorRef<WorkerDirectory.Command> workers = run.settings().jobLimits().limit() == perWorkerLimit ? directory : null;
        // not a message adapter: an actor keeps one per message class, so a second work's would take the first's
        // events (its exit code would end the other client's work)
        ActorRef<Object> events = context.spawn(eventsOf(id, context.getSelf()), "work-" + id + "-events");
        ActorRef<WorkActor.Command> work = context.spawn(WorkActor.adopting(run.settings(), run.handler(), run.started(),
                events.narrow(), workers), "work-" + id);
        context.watch(work);
        works.put(id, work);
        eventTaggers.put(id, events);
        exits.put(id, run.exit());
        ids.put(work, id);
        if (joined) {
            work.tell(WorkActor.ClusterJoined.INSTANCE);
        } else if (status.unusable() != null) {
            work.tell(new WorkActor.ClusterUnavailable(status.unusable()));
        }
        return Behaviors.same();
    }

    /**
     * Hands one work's events to the guardian tagged with the work's number, and then, told {@link Ended}, that it
     * stopped: its Finished (sent just before it stops) is queued here ahead of that, so it is never overtaken.
     */
    private static Behavior<Object> eventsOf(long id, ActorRef<Command> guardian) {
        return Behaviors.receive(Object.class)
                .onMessage(WorkActor.Event.class, event -> {
                    guardian.tell(new WorkEvent(id, event));
                    return Behaviors.same();
                })
                .onMessage(Ended.class, ended -> {
                    guardian.tell(new WorkGone(id, ended.how()));
                    return Behaviors.stopped();
                })
                .build();
    }

    private Behavior<Command> onMemberChanged(MemberChanged changed) {
        if (!changed.event().member().uniqueAddress().equals(cluster.selfMember().uniqueAddress())) {
            return Behaviors.same();
        }
        ClusterEvent.MemberEvent event = changed.event();
        if ((event instanceof ClusterEvent.MemberUp || event instanceof ClusterEvent.MemberWeaklyUp) && !joined) {
            joined = true;
            System.err.printf(java.util.Locale.ROOT, "controller: joined the cluster at %s, %.2f s after its start%n",
                    String.join(", ", seeds), java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime() / 1000.0);
            works.values().forEach(work -> work.tell(WorkActor.ClusterJoined.INSTANCE));
        } else if (event instanceof ClusterEvent.MemberRemoved || event instanceof ClusterEvent.MemberExited
                || event instanceof ClusterEvent.MemberDowned) {
            leftTheCluster();
        }
        return Behaviors.same();
    }

    /**
     * A node that removes a downed member quarantines it at once; a controller whose Down gossip had not arrived
     * by then learns of its removal only this way. It downs itself, as Pekko's split-brain resolver does, so its
     * cluster stops at once instead of trying to leave when the controller stops. A booster's quarantine (a full
     * system-message buffer) cuts off only that booster, and is ignored.
     */
    private Behavior<Command> onQuarantined(Quarantined quarantined) {
        Address by = quarantined.event().remoteAddress().address();
        Optional<Member> member = QuarantinedBy.member(cluster, quarantined.event());
        if (member.isEmpty()) {
            context.getLog().warn("{} quarantined this controller but is not a member it knows; ignored", by);
        } else if (member.get().hasRole("booster")) {
            context.getLog().warn("booster {} quarantined this controller; it goes on with the others", by);
        } else {
            context.getLog().warn("member {} quarantined this controller: the cluster removed it; new works run without it", by);
            leftTheCluster();
            cluster.manager().tell(new Down(cluster.selfMember().address()));
        }
        return Behaviors.same();
    }

    private void leftTheCluster() {
        status.unusable("this controller left the cluster at " + String.join(", ", seeds));
    }

    /** Said once in the controller's log: from now on a work's sub-works go to workers from its start. */
    private Behavior<Command> onWorkersChanged(WorkersChanged changed) {
        if (!workersAnnounced && changed.snapshot().usableWorkers() > 0) {
            workersAnnounced = true;
            System.err.printf(java.util.Locale.ROOT, "controller: workers known: %d with %d slots, %.2f s after its start%n",
                    changed.snapshot().usableWorkers(), changed.snapshot().totalSlots(),
                    java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime() / 1000.0);
        }
        return Behaviors.same();
    }

    private Behavior<Command> onJoinTimedOut() {
        if (!joined) {
            String reason = "could not join the cluster at " + String.join(", ", seeds) + " within "
                    + joinTimeout.toSeconds() + " s";
            status.unusable(reason);
            works.values().forEach(work -> work.tell(new WorkActor.ClusterUnavailable(reason)));
        }
        return Behaviors.same();
    }

    private Behavior<Command> onWorkEvent(WorkEvent event) {
        if (event.event() instanceof WorkActor.Finished finished) {
            CompletableFuture<Integer> exit = exits.remove(event.id());
            if (exit != null) {
                exit.complete(finished.exitCode());
            }
        }
        return Behaviors.same();
    }

    private Behavior<Command> onWorkStopped(ActorRef<?> work, String how) {
        Long id = ids.remove(work);
        if (id == null) {
            return Behaviors.same();
        }
        works.remove(id);
        ActorRef<Object> events = eventTaggers.remove(id);
        if (events != null) {
            events.tell(new Ended(how)); // after the work's last events, which are queued there already
            return Behaviors.same();
        }
        return onWorkGone(new WorkGone(id, how));
    }

    private Behavior<Command> onWorkGone(WorkGone gone) {
        CompletableFuture<Integer> exit = exits.remove(gone.id());
        if (exit != null) { // an exception escaped the work actor: end that client's work, not the controller
            exit.completeExceptionally(new IllegalStateException("the work actor " + gone.how()));
        }
        return Behaviors.same();
    }
}
