package io.troupe.proxy.route;

import io.troupe.api.proxy.WebHandlers;
import io.troupe.proxy.backend.BackendHealth;
import io.troupe.proxy.backend.BalTableMonitor;
import io.troupe.proxy.config.ConfigException;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.ActorContext;

/**
 * Everything routing needs on a proxy node, wired: loads the tables (throws, naming file and field, when they
 * are invalid — the node must then refuse to start), starts {@link RouteTableActor} (which runs the health
 * checkers), and registers {@code /reload/server_data_conf}, {@code /reload/gslb_data_conf} and
 * {@code /monitor/bal_table}. The data plane reads {@link #holder()} and reports to {@link #health()}.
 */
public record ProxyRouting(RouteHolder holder, BackendHealth health, ActorRef<RouteTableActor.Command> actor) {
    public static final String ACTOR_NAME = "route-tables";

    /** Starts routing as a child of {@code parent}. */
    public static ProxyRouting start(ActorContext<?> parent, Path confRoot, WebHandlers web, Duration reloadTimeout)
            throws ConfigException {
        RouteHolder holder = new RouteHolder(RouteTables.load(confRoot));
        BackendHealth health = new BackendHealth(holder);
        ActorRef<RouteTableActor.Command> actor =
                parent.spawn(RouteTableActor.create(RouteFiles.standard(confRoot), holder, health), ACTOR_NAME);
        return register(new ProxyRouting(holder, health, actor), web, parent.getSystem(), reloadTimeout);
    }

    /** Starts routing as a system actor (for callers outside an actor). */
    public static ProxyRouting start(ActorSystem<?> system, Path confRoot, WebHandlers web, Duration reloadTimeout)
            throws ConfigException {
        RouteHolder holder = new RouteHolder(RouteTables.load(confRoot));
        BackendHealth health = new BackendHealth(holder);
        ActorRef<RouteTableActor.Command> actor = system.systemActorOf(
                RouteTableActor.create(RouteFiles.standard(confRoot), holder, health), ACTOR_NAME, Props.empty());
        return register(new ProxyRouting(holder, health, actor), web, system, reloadTimeout);
    }

    private static ProxyRouting register(ProxyRouting r, WebHandlers web, ActorSystem<?> system, Duration timeout) {
        if (web != null) {
            RouteTableActor.registerReloads(web, r.actor(), system.scheduler(), timeout);
            BalTableMonitor.register(web, r.holder(), r.health());
        }
        return r;
    }
}
