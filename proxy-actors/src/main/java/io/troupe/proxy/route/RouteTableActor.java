package io.troupe.proxy.route;

import io.troupe.api.CborSerializable;
import io.troupe.api.proxy.WebHandlers;
import io.troupe.module.runtime.ReloadAsk;
import io.troupe.proxy.backend.BackendHealth;
import io.troupe.proxy.backend.HealthCheckManager;
import io.troupe.proxy.config.ConfigException;
import io.troupe.proxy.reload.SnapshotReloadActor;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Owns the node's {@link RouteTables}: handles {@code server_data_conf} and {@code gslb_data_conf} reloads
 * (parse and validate the whole new set on the blocking dispatcher, swap it into the {@link RouteHolder} as
 * one snapshot, keep the old one on any error and answer the error) and runs the health checkers as a child.
 * Reloads are serialized: one arriving while another is loading waits for it. The reload loop is
 * {@link SnapshotReloadActor}'s; this class is its protocol and its {@link SnapshotReloadActor.Plan}.
 */
public final class RouteTableActor {
    public static final String SERVER_DATA_CONF = "server_data_conf";
    public static final String GSLB_DATA_CONF = "gslb_data_conf";
    public static final List<String> RELOAD_NAMES = List.of(SERVER_DATA_CONF, GSLB_DATA_CONF);

    public interface Command extends SnapshotReloadActor.Command {}

    /** Reload one group; {@code path} is a directory holding the group's files under their usual names. */
    public record Reload(String name, Optional<Path> path, ActorRef<ReloadResult> replyTo)
            implements Command, CborSerializable {}

    /** The outcome: on success the new {@link RouteTables#version()}, else the error naming file and field. */
    public record ReloadResult(String name, boolean ok, String version, String error)
            implements ReloadAsk.Outcome, CborSerializable {}

    /** Stops the actor and its health checkers (the proxy is stopping, or failed to start). */
    public enum Stop implements Command, NoSerializationVerificationNeeded { INSTANCE }

    private RouteTableActor() {}

    /**
     * {@code holder} must already hold the tables loaded from {@code files} at start (the node calls
     * {@link RouteTables#load} first and refuses to start when it throws).
     */
    public static Behavior<Command> create(RouteFiles files, RouteHolder holder, BackendHealth health) {
        return Behaviors.<SnapshotReloadActor.Command>setup(ctx -> {
            ActorRef<HealthCheckManager.Command> healthChecks = ctx.spawn(Behaviors.supervise(
                    HealthCheckManager.create(health, holder)).onFailure(SupervisorStrategy.restart()), "health-checks");
            holder.get().warnings().forEach(w -> ctx.getLog().warn("{}", w));
            ctx.getLog().info("route tables serving: {}", holder.get().version());
            return SnapshotReloadActor.create(1000, Reload.class, Stop.INSTANCE, new Tables(files, holder, healthChecks));
        }).narrow();
    }

    /** What a reload of either group loads, and that the health checkers follow the new tables. */
    private record Tables(RouteFiles files, RouteHolder holder, ActorRef<HealthCheckManager.Command> healthChecks)
            implements SnapshotReloadActor.Plan<Reload, RouteTables> {
        @Override
        public String name(Reload request) {
            return request.name();
        }

        @Override
        public String refusal(Reload request) {
            return RELOAD_NAMES.contains(request.name()) ? null
                    : "unknown reload name " + request.name() + " (known: " + String.join(", ", RELOAD_NAMES) + ")";
        }

        @Override
        public RouteTables load(Reload request, List<String> warnings) throws ConfigException {
            RouteTables current = holder.get();
            RouteTables next = request.name().equals(SERVER_DATA_CONF)
                    ? current.reloadServerData(request.path().map(files::withServerDataDir).orElse(files))
                    : current.reloadGslbData(request.path().map(files::withGslbDataDir).orElse(files));
            warnings.addAll(next.warnings());
            return next;
        }

        @Override
        public void install(RouteTables tables) {
            holder.set(tables);
            healthChecks.tell(new HealthCheckManager.TablesChanged(tables));
        }

        @Override
        public String version(RouteTables tables) {
            return tables.version();
        }

        @Override
        public String onError() {
            return "old tables keep serving";
        }

        @Override
        public void answer(Reload request, boolean ok, String version, String error) {
            request.replyTo().tell(new ReloadResult(request.name(), ok, version, error));
        }
    }

    /**
     * Registers {@code /reload/server_data_conf} and {@code /reload/gslb_data_conf}; each call asks the actor
     * and blocks for the answer (the node runs reload handlers on its blocking dispatcher). The {@code path}
     * query parameter names a directory with the group's files.
     */
    public static void registerReloads(WebHandlers web, ActorRef<Command> actor, Scheduler scheduler, Duration timeout) {
        for (String name : RELOAD_NAMES) {
            web.registerReload(name, params -> {
                String version = ReloadAsk.<Command, ReloadResult>reloadAndWait(name, actor,
                        replyTo -> new Reload(name, SnapshotReloadActor.pathParam(params), replyTo), scheduler, timeout);
                // both names report the tables' combined version (module_status "versions"): a reload of one
                // changes what the other reports too
                RELOAD_NAMES.forEach(each -> web.dataVersion(each, version));
                return version;
            });
        }
    }
}
