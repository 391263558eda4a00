package io.troupe.node;

import java.time.Duration;
import java.util.stream.StreamSupport;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.UniqueAddress;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Down;
import org.apache.pekko.cluster.typed.Subscribe;

/**
 * Downs a booster member that has been unreachable for {@code troupe.cluster.down-unreachable-boosters-after}.
 *
 * <p>A booster is a short-lived member that may vanish without leaving (killed, its laptop asleep, or too
 * starved to finish its leave). The split-brain resolver would down it only after {@code stable-after}, and
 * several boosters vanishing one after another look like an unstable cluster to it: after
 * {@code down-all-when-unstable} it downs every member, the worker nodes included. Downing vanished boosters
 * at once keeps the unreachable set empty, so the resolver never sees instability that only boosters caused.
 * A booster downed while alive but slow only loses its remote workers: its sub-works run locally.
 */
public final class BoosterDowning {
    /** The role every booster member carries (BoosterRun). */
    public static final String BOOSTER_ROLE = "booster";

    /** Cluster events and timers only; nothing outside sends to it. */
    public interface Command {}

    private record BecameUnreachable(Member member) implements Command {}

    private record StillUnreachable(UniqueAddress member) implements Command {}

    private final ActorContext<Command> context;
    private final TimerScheduler<Command> timers;
    private final Cluster cluster;
    private final Duration after;

    private BoosterDowning(ActorContext<Command> context, TimerScheduler<Command> timers, Duration after) {
        this.context = context;
        this.timers = timers;
        this.cluster = Cluster.get(context.getSystem());
        this.after = after;
    }

    /** @param after how long a booster may stay unreachable; zero turns this off */
    public static Behavior<Command> create(Duration after) {
        return Behaviors.setup(context -> {
            if (after.isZero() || after.isNegative()) {
                return Behaviors.ignore();
            }
            context.setLoggerName(BoosterDowning.class);
            ActorRef<ClusterEvent.UnreachableMember> unreachable = context.messageAdapter(
                    ClusterEvent.UnreachableMember.class, event -> new BecameUnreachable(event.member()));
            Cluster.get(context.getSystem()).subscriptions()
                    .tell(Subscribe.create(unreachable, ClusterEvent.UnreachableMember.class));
            return Behaviors.withTimers(timers -> new BoosterDowning(context, timers, after).behavior());
        });
    }

    private Behavior<Command> behavior() {
        return Behaviors.receive(Command.class)
                .onMessage(BecameUnreachable.class, this::onUnreachable)
                .onMessage(StillUnreachable.class, this::onStillUnreachable)
                .build();
    }

    private Behavior<Command> onUnreachable(BecameUnreachable event) {
        Member member = event.member();
        if (member.hasRole(BOOSTER_ROLE)) {
            timers.startSingleTimer(member.uniqueAddress(), new StillUnreachable(member.uniqueAddress()), after);
        }
        return Behaviors.same();
    }

    private Behavior<Command> onStillUnreachable(StillUnreachable check) {
        boolean still = StreamSupport.stream(cluster.state().getUnreachable().spliterator(), false)
                .anyMatch(m -> m.uniqueAddress().equals(check.member()) && m.status() != MemberStatus.down()
                        && m.status() != MemberStatus.removed());
        if (still) {
            context.getLog().info("downing booster {}: unreachable for {} ms", check.member().address(), after.toMillis());
            cluster.manager().tell(new Down(check.member().address()));
        }
        return Behaviors.same();
    }
}
