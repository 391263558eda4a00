package io.troupe.proxy.backend;

import io.troupe.proxy.route.Backend;
import io.troupe.proxy.route.Backend.BackendId;
import io.troupe.proxy.route.ClusterSpec;
import io.troupe.proxy.route.RouteHolder;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * Active health checks for one cluster. BFE mode (default): a backend is probed only after passive failures
 * marked it down, every CheckInterval, until SuccNum probes in a row pass; then it is marked up and probing
 * stops. With Troupe's {@code CheckConf.AlwaysCheck}, every backend is probed all the time: FailNum failed
 * probes in a row mark it down, SuccNum passed probes in a row bring it back.
 */
public final class ClusterHealthChecker {

    public interface Command {}

    /** The cluster's settings or backends changed (reload). */
    public record Configure(ClusterSpec spec) implements Command, NoSerializationVerificationNeeded {}

    /** A passive failure marked this backend down: start probing it. */
    public record StartChecking(Backend backend) implements Command, NoSerializationVerificationNeeded {}

    private record Tick(BackendId id) implements Command, NoSerializationVerificationNeeded {}

    private record Probed(BackendId id, boolean healthy, String detail)
            implements Command, NoSerializationVerificationNeeded {}

    private static final class Tracked {
        Backend backend;
        int successes;
        int failures;
        boolean probing;

        Tracked(Backend backend) {
            this.backend = backend;
        }
    }

    private final ActorContext<Command> context;
    private final TimerScheduler<Command> timers;
    private final BackendHealth health;
    private final Map<BackendId, Tracked> tracked = new HashMap<>();
    private ClusterSpec spec;

    private ClusterHealthChecker(ActorContext<Command> context, TimerScheduler<Command> timers, BackendHealth health) {
        this.context = context;
        this.timers = timers;
        this.health = health;
    }

    /** Checks cluster {@code cluster} as configured in the current tables (re-read on restart). */
    public static Behavior<Command> create(BackendHealth health, RouteHolder routes, String cluster) {
        return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
            ClusterSpec spec = routes.get().cluster(cluster);
            if (spec == null) {
                return Behaviors.stopped();
            }
            ClusterHealthChecker checker = new ClusterHealthChecker(ctx, timers, health);
            checker.configure(spec);
            return checker.behavior();
        }));
    }

    private Behavior<Command> behavior() {
        return Behaviors.receive(Command.class)
                .onMessage(Configure.class, this::onConfigure)
                .onMessage(StartChecking.class, this::onStartChecking)
                .onMessage(Tick.class, this::onTick)
                .onMessage(Probed.class, this::onProbed)
                .build();
    }

    private Behavior<Command> onConfigure(Configure c) {
        configure(c.spec());
        return Behaviors.same();
    }

    private void configure(ClusterSpec next) {
        this.spec = next;
        Map<BackendId, Backend> current = new HashMap<>();
        next.backends().forEach(b -> current.put(b.id(), b));
        tracked.entrySet().removeIf(e -> {
            boolean gone = !current.containsKey(e.getKey());
            if (gone) {
                timers.cancel(e.getKey());
            }
            return gone;
        });
        tracked.forEach((id, t) -> t.backend = current.get(id));
        for (Backend b : current.values()) {
            if (alwaysCheck() || !health.isAvailable(b)) {
                track(b);
            }
        }
    }

    private boolean alwaysCheck() {
        return spec.checkConf().alwaysCheck();
    }

    private Behavior<Command> onStartChecking(StartChecking s) {
        boolean known = spec.backends().stream().anyMatch(b -> b.id().equals(s.backend().id()));
        if (known) {
            context.getLog().info("backend {} marked down by {} consecutive failures; health checks start",
                    s.backend().id(), spec.checkConf().failNum());
            track(s.backend());
        }
        return Behaviors.same();
    }

    private void track(Backend b) {
        if (!tracked.containsKey(b.id())) {
            tracked.put(b.id(), new Tracked(b));
            context.getSelf().tell(new Tick(b.id()));
        }
    }

    private Behavior<Command> onTick(Tick t) {
        Tracked entry = tracked.get(t.id());
        if (entry == null || entry.probing) {
            return Behaviors.same();
        }
        entry.probing = true;
        Backend b = entry.backend;
        var conf = spec.conf();
        CompletableFuture<HealthProbe.Result> probe = HealthProbe.probeAsync(b, conf);
        context.pipeToSelf(probe, (r, err) -> err != null ? new Probed(t.id(), false, String.valueOf(err))
                : new Probed(t.id(), r.healthy(), r.detail()));
        return Behaviors.same();
    }

    private Behavior<Command> onProbed(Probed p) {
        Tracked entry = tracked.get(p.id());
        if (entry == null) {
            return Behaviors.same();
        }
        entry.probing = false;
        Backend b = entry.backend;
        var check = spec.checkConf();
        if (p.healthy()) {
            entry.failures = 0;
            entry.successes++;
            if (!health.isAvailable(b) && entry.successes >= check.succNum()) {
                entry.successes = 0;
                health.markUp(b);
                context.getLog().info("backend {} back to normal after {} passed health checks", b.id(), check.succNum());
                if (!alwaysCheck()) {
                    tracked.remove(p.id());
                    return Behaviors.same();
                }
            }
        } else {
            entry.successes = 0;
            entry.failures++;
            if (alwaysCheck() && entry.failures >= check.failNum() && health.markDown(b)) {
                context.getLog().warn("backend {} marked down after {} failed health checks: {}",
                        b.id(), entry.failures, p.detail());
            } else {
                context.getLog().debug("backend {} health check failed: {}", b.id(), p.detail());
            }
        }
        if (!alwaysCheck() && health.isAvailable(b)) {
            tracked.remove(p.id()); // brought back by someone else (e.g. reload), nothing to watch
            return Behaviors.same();
        }
        timers.startSingleTimer(p.id(), new Tick(p.id()), Duration.ofMillis(Math.max(1, check.checkIntervalMs())));
        return Behaviors.same();
    }
}
