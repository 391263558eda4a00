package io.troupe.proxy.route;

import io.troupe.api.CborSerializable;
import io.troupe.api.proxy.WebHandlers;
import io.troupe.proxy.backend.BackendHealth;
import io.troupe.proxy.backend.HealthCheckManager;
import io.troupe.proxy.config.ConfigException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;

/**
 * Owns the node's {@link RouteTables}: handles {@code server_data_conf} and {@code gslb_data_conf} reloads
 * (parse and validate the whole new set on the blocking dispatcher, swap it into the {@link RouteHolder} as
 * one snapshot, keep the old one on any error and answer the error) and runs the health checkers as a child.
 * Reloads are serialized: one arriving while another is loading waits for it.
 */
public final class RouteTableActor {
    public static final String SERVER_DATA_CONF = "server_data_conf";
    public static final String GSLB_DATA_CONF = "gslb_data_conf";
    public static final List<String> RELOAD_NAMES = List.of(SERVER_DATA_CONF, GSLB_DATA_CONF);

    public interface Command {}

    /** Reload one group; {@code path} is a directory holding the group's files under their usual names. */
    public record Reload(String name, Optional<Path> path, ActorRef<ReloadResult> replyTo)
            implements Command, CborSerializable {}

    /** The outcome: on success the new {@link RouteTables#version()}, else the error naming file and field. */
    public record ReloadResult(String name, boolean ok, String version, String error) implements CborSerializable {}

    private record Reloaded(Reload request, RouteTables tables, String error)
            implements Command, NoSerializationVerificationNeeded {}

    private final ActorContext<Command> context;
    private final StashBuffer<Command> stash;
    private final RouteFiles files;
    private final RouteHolder holder;
    private final ActorRef<HealthCheckManager.Command> healthChecks;
    private final Executor blocking;

    private RouteTableActor(ActorContext<Command> context, StashBuffer<Command> stash, RouteFiles files,
                            RouteHolder holder, BackendHealth health) {
        this.context = context;
        this.stash = stash;
        this.files = files;
        this.holder = holder;
        this.healthChecks = context.spawn(Behaviors.supervise(HealthCheckManager.create(health, holder))
                .onFailure(SupervisorStrategy.restart()), "health-checks");
        this.blocking = context.getSystem().dispatchers()
                .lookup(DispatcherSelector.fromConfig("troupe.blocking-dispatcher"));
        holder.get().warnings().forEach(w -> context.getLog().warn("{}", w));
        context.getLog().info("route tables serving: {}", holder.get().version());
    }

    /**
     * {@code holder} must already hold the tables loaded from {@code files} at start (the node calls
     * {@link RouteTables#load} first and refuses to start when it throws).
     */
    public static Behavior<Command> create(RouteFiles files, RouteHolder holder, BackendHealth health) {
        return Behaviors.setup(ctx -> Behaviors.withStash(1000,
                stash -> new RouteTableActor(ctx, stash, files, holder, health).idle()));
    }

    private Behavior<Command> idle() {
        return Behaviors.receive(Command.class)
                .onMessage(Reload.class, this::onReload)
                .onMessage(Reloaded.class, this::onReloaded)
                .build();
    }

    private Behavior<Command> loading() {
        return Behaviors.receive(Command.class)
                .onMessage(Reload.class, this::stashReload)
                .onMessage(Reloaded.class, this::onReloaded)
                .build();
    }

    private Behavior<Command> onReload(Reload r) {
        if (!RELOAD_NAMES.contains(r.name())) {
            r.replyTo().tell(new ReloadResult(r.name(), false, null, "unknown reload name " + r.name()
                    + " (known: " + String.join(", ", RELOAD_NAMES) + ")"));
            return Behaviors.same();
        }
        RouteTables current = holder.get();
        CompletableFuture<RouteTables> next = CompletableFuture.supplyAsync(() -> build(current, r), blocking);
        context.pipeToSelf(next, (tables, failure) -> new Reloaded(r, tables, failure == null ? null : message(failure)));
        return loading();
    }

    private Behavior<Command> stashReload(Reload r) {
        if (stash.isFull()) {
            r.replyTo().tell(new ReloadResult(r.name(), false, null, "too many reloads queued, try again"));
        } else {
            stash.stash(r);
        }
        return Behaviors.same();
    }

    private Behavior<Command> onReloaded(Reloaded done) {
        Reload r = done.request();
        if (done.tables() == null) {
            context.getLog().warn("reload {} failed, old tables keep serving: {}", r.name(), done.error());
            r.replyTo().tell(new ReloadResult(r.name(), false, null, done.error()));
        } else {
            holder.set(done.tables());
            healthChecks.tell(new HealthCheckManager.TablesChanged(done.tables()));
            done.tables().warnings().forEach(w -> context.getLog().warn("{}", w));
            context.getLog().info("reload {} done: {}", r.name(), done.tables().version());
            r.replyTo().tell(new ReloadResult(r.name(), true, done.tables().version(), null));
        }
        return stash.unstashAll(idle());
    }

    private RouteTables build(RouteTables current, Reload r) {
        try {
            if (r.name().equals(SERVER_DATA_CONF)) {
                return current.reloadServerData(r.path().map(files::withServerDataDir).orElse(files));
            }
            return current.reloadGslbData(r.path().map(files::withGslbDataDir).orElse(files));
        } catch (ConfigException e) {
            throw new ReloadFailure(e.getMessage());
        }
    }

    private static String message(Throwable t) {
        Throwable c = t;
        while ((c instanceof java.util.concurrent.CompletionException || c instanceof ExecutionException)
                && c.getCause() != null) {
            c = c.getCause();
        }
        return c instanceof ReloadFailure ? c.getMessage() : "internal error while reloading: " + c;
    }

    /** Carries a ConfigException's message out of the blocking task. */
    private static final class ReloadFailure extends RuntimeException {
        ReloadFailure(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * Registers {@code /reload/server_data_conf} and {@code /reload/gslb_data_conf}; each call asks the actor
     * and blocks for the answer (the node runs reload handlers on its blocking dispatcher). The {@code path}
     * query parameter names a directory with the group's files.
     */
    public static void registerReloads(WebHandlers web, ActorRef<Command> actor, Scheduler scheduler, Duration timeout) {
        for (String name : RELOAD_NAMES) {
            web.registerReload(name, params -> reloadAndWait(actor, scheduler, timeout, name, pathParam(params)));
        }
    }

    static Optional<Path> pathParam(Map<String, List<String>> params) {
        List<String> values = params == null ? null : params.get("path");
        if (values == null) {
            return Optional.empty();
        }
        return values.stream().filter(v -> v != null && !v.isEmpty()).findFirst().map(Path::of);
    }

    private static String reloadAndWait(ActorRef<Command> actor, Scheduler scheduler, Duration timeout, String name,
                                        Optional<Path> path) throws Exception {
        ReloadResult result;
        try {
            result = AskPattern.<Command, ReloadResult>ask(actor, replyTo -> new Reload(name, path, replyTo), timeout,
                    scheduler).toCompletableFuture().get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("reload " + name + " got no answer within " + timeout.toMillis()
                    + " ms: " + e.getCause(), e.getCause());
        }
        if (!result.ok()) {
            throw new IllegalArgumentException(result.error());
        }
        return result.version();
    }
}
