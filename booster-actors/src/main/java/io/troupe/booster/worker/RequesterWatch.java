package io.troupe.booster.worker;

import java.time.Duration;
import java.util.Set;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Subscribe;

/**
 * Tells the {@link SubWorkExecutor} when the node of a booster that sent it sub-works is gone: removed from the
 * cluster, or a booster-role member unreachable for {@code troupe.worker.requester-unreachable-grace} without
 * becoming reachable again. A booster killed with SIGKILL is removed only once the split-brain resolver downs it
 * (tens of seconds); its sub-works should not run that long for nobody. One cluster subscription, no DeathWatch
 * per sub-work.
 */
final class RequesterWatch extends AbstractBehavior<RequesterWatch.Command> {

    /** Role of booster members ({@code BoosterRun}): only their unreachability stops sub-works. */
    static final String BOOSTER_ROLE = "booster";

    /** Config key of the grace, under the actor system's config. */
    static final String GRACE_KEY = "troupe.worker.requester-unreachable-grace";

    interface Command extends NoSerializationVerificationNeeded {}

    /** A member became unreachable (adapted from {@link ClusterEvent.UnreachableMember}). */
    record Unreachable(Address address, Set<String> roles) implements Command {}

    /** A member is reachable again (adapted from {@link ClusterEvent.ReachableMember}). */
    record Reachable(Address address) implements Command {}

    /** A member left the cluster (adapted from {@link ClusterEvent.MemberRemoved}). */
    record Removed(Address address) implements Command {}

    private record GraceOver(Address address) implements Command {}

    /**
     * What the executor is told: a requester node to stop the sub-works of.
     *
     * @param address the booster's node
     * @param unreachable true when it is still a member, unreachable past the grace (it may come back and is
     *     answered); false when it left the cluster (nobody is left to answer)
     * @param why for the log and the answer
     */
    record Gone(Address address, boolean unreachable, String why) {}

    private final ActorRef<Gone> gone;
    private final TimerScheduler<Command> timers;
    private final Duration grace;

    /** Subscribes to the cluster's reachability and removals; {@code gone} hears of each lost booster. */
    static Behavior<Command> create(ActorRef<Gone> gone) {
        // restart: its only state is the pending graces, and a fresh subscription replays current reachability
        return Behaviors.supervise(Behaviors.<Command>setup(context -> {
            Duration grace = context.getSystem().settings().config().hasPath(GRACE_KEY)
                    ? context.getSystem().settings().config().getDuration(GRACE_KEY) : Duration.ofSeconds(2);
            subscribe(context);
            return Behaviors.withTimers(timers -> new RequesterWatch(context, timers, gone, grace));
        })).onFailure(SupervisorStrategy.restart());
    }

    /** Without a cluster subscription: events come from the test. */
    static Behavior<Command> createUnsubscribed(ActorRef<Gone> gone, Duration grace) {
        return Behaviors.setup(context -> Behaviors.withTimers(timers -> new RequesterWatch(context, timers, gone, grace)));
    }

    private static void subscribe(ActorContext<Command> context) {
        Cluster cluster = Cluster.get(context.getSystem());
        ActorRef<ClusterEvent.ReachabilityEvent> reachability = context.messageAdapter(ClusterEvent.ReachabilityEvent.class,
                event -> event instanceof ClusterEvent.UnreachableMember
                        ? new Unreachable(event.member().address(), toJava(event.member().getRoles()))
                        : new Reachable(event.member().address()));
        cluster.subscriptions().tell(Subscribe.create(reachability, ClusterEvent.ReachabilityEvent.class));
        ActorRef<ClusterEvent.MemberRemoved> removed = context.messageAdapter(ClusterEvent.MemberRemoved.class,
                event -> new Removed(event.member().address()));
        cluster.subscriptions().tell(Subscribe.create(removed, ClusterEvent.MemberRemoved.class));
    }

    private static Set<String> toJava(java.util.Set<String> roles) {
        return Set.copyOf(roles);
    }

    private RequesterWatch(ActorContext<Command> context, TimerScheduler<Command> timers, ActorRef<Gone> gone,
            Duration grace) {
        super(context);
        this.gone = gone;
        this.timers = timers;
        this.grace = grace;
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Unreachable.class, this::onUnreachable)
                .onMessage(Reachable.class, this::onReachable)
                .onMessage(Removed.class, this::onRemoved)
                .onMessage(GraceOver.class, this::onGraceOver)
                .build();
    }

    private Behavior<Command> onUnreachable(Unreachable event) {
        // a worker or proxy node is never a requester; its own failover is the booster's business
        if (event.roles().contains(BOOSTER_ROLE) && !timers.isTimerActive(event.address())) {
            timers.startSingleTimer(event.address(), new GraceOver(event.address()), grace);
        }
        return this;
    }

    private Behavior<Command> onReachable(Reachable event) {
        timers.cancel(event.address());
        return this;
    }

    private Behavior<Command> onRemoved(Removed event) {
        timers.cancel(event.address());
        gone.tell(new Gone(event.address(), false, "booster node " + event.address() + " left the cluster"));
        return this;
    }

    private Behavior<Command> onGraceOver(GraceOver over) {
        gone.tell(new Gone(over.address(), true, "booster node " + over.address() + " was unreachable for "
                + grace.toMillis() + " ms (troupe.worker.requester-unreachable-grace)"));
        return this;
    }
}
