package io.troupe.proxy.backend;

import io.troupe.proxy.route.Backend;
import io.troupe.proxy.route.ClusterSpec;
import io.troupe.proxy.route.RouteHolder;
import io.troupe.proxy.route.RouteTables;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Runs one {@link ClusterHealthChecker} per routable cluster, re-configures them when the route tables
 * change, and forwards "marked down by passive failures" events from {@link BackendHealth} to them.
 */
public final class HealthCheckManager {

    public interface Command {}

    /** New route tables are serving. */
    public record TablesChanged(RouteTables tables) implements Command, NoSerializationVerificationNeeded {}

    private record BackendDown(Backend backend) implements Command, NoSerializationVerificationNeeded {}

    private final ActorContext<Command> context;
    private final BackendHealth health;
    private final RouteHolder routes;
    private final Map<String, ActorRef<ClusterHealthChecker.Command>> checkers = new HashMap<>();
    private long spawned;

    private HealthCheckManager(ActorContext<Command> context, BackendHealth health, RouteHolder routes) {
        this.context = context;
        this.health = health;
        this.routes = routes;
    }

    /** Starts from the tables in {@code routes}; a restart after a failure picks up the current ones. */
    public static Behavior<Command> create(BackendHealth health, RouteHolder routes) {
        return Behaviors.setup(ctx -> {
            HealthCheckManager m = new HealthCheckManager(ctx, health, routes);
            ActorRef<Command> self = ctx.getSelf();
            health.setDownListener(b -> self.tell(new BackendDown(b)));
            m.apply(routes.get());
            return m.behavior();
        });
    }

    private Behavior<Command> behavior() {
        return Behaviors.receive(Command.class)
                .onMessage(TablesChanged.class, this::onTablesChanged)
                .onMessage(BackendDown.class, this::onBackendDown)
                .onSignal(PostStop.class, s -> onStop())
                .build();
    }

    private Behavior<Command> onTablesChanged(TablesChanged t) {
        apply(t.tables());
        return Behaviors.same();
    }

    private Behavior<Command> onBackendDown(BackendDown d) {
        ActorRef<ClusterHealthChecker.Command> checker = checkers.get(d.backend().cluster());
        if (checker != null) {
            checker.tell(new ClusterHealthChecker.StartChecking(d.backend()));
        }
        return Behaviors.same();
    }

    private Behavior<Command> onStop() {
        health.setDownListener(null);
        return Behaviors.same();
    }

    private void apply(RouteTables tables) {
        List<Backend> all = new ArrayList<>();
        Map<String, ClusterSpec> specs = new HashMap<>();
        for (ClusterSpec spec : tables.clusters()) {
            specs.put(spec.name(), spec);
            all.addAll(spec.backends());
        }
        health.retain(all);
        checkers.entrySet().removeIf(e -> {
            boolean gone = !specs.containsKey(e.getKey());
            if (gone) {
                context.stop(e.getValue());
            }
            return gone;
        });
        for (ClusterSpec spec : specs.values()) {
            ActorRef<ClusterHealthChecker.Command> existing = checkers.get(spec.name());
            if (existing == null) {
                String name = "cluster-" + URLEncoder.encode(spec.name(), StandardCharsets.UTF_8) + "-" + (++spawned);
                Behavior<ClusterHealthChecker.Command> checker = Behaviors.supervise(
                        ClusterHealthChecker.create(health, routes, spec.name())).onFailure(SupervisorStrategy.restart());
                checkers.put(spec.name(), context.spawn(checker, name));
            } else {
                existing.tell(new ClusterHealthChecker.Configure(spec));
            }
        }
    }
}
