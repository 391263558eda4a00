package io.troupe.proxy.tls;

import io.troupe.api.CborSerializable;
import io.troupe.api.proxy.WebHandlers;
import io.troupe.proxy.config.ConfigException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;

/**
 * Owns the node's {@link TlsTables}: a {@code tls_conf} reload reads and checks both files and every
 * certificate on the blocking dispatcher, then swaps the snapshot so the next handshake uses it. On any error
 * the old certificates keep serving and the reload answers the error. Reloads run one after the other.
 */
public final class TlsConfActor {
    public static final String TLS_CONF = "tls_conf";

    public interface Command {}

    /** Reload; {@code path} is a directory holding server_cert_conf.data and tls_rule_conf.data. */
    public record Reload(Optional<Path> path, ActorRef<ReloadResult> replyTo) implements Command, CborSerializable {}

    /** On success the new {@link TlsTables#version()}, else the error naming file and field. */
    public record ReloadResult(boolean ok, String version, String error) implements CborSerializable {}

    private record Loaded(Reload request, TlsTables tables, List<String> warnings, String error)
            implements Command, NoSerializationVerificationNeeded {}

    public enum Stop implements Command, NoSerializationVerificationNeeded { INSTANCE }

    private final ActorContext<Command> context;
    private final StashBuffer<Command> stash;
    private final TlsFiles files;
    private final TlsHolder holder;
    private final Executor blocking;

    private TlsConfActor(ActorContext<Command> context, StashBuffer<Command> stash, TlsFiles files, TlsHolder holder) {
        this.context = context;
        this.stash = stash;
        this.files = files;
        this.holder = holder;
        this.blocking = context.getSystem().dispatchers().lookup(DispatcherSelector.fromConfig("troupe.blocking-dispatcher"));
    }

    /** {@code holder} already holds the tables loaded from {@code files} at start. */
    public static Behavior<Command> create(TlsFiles files, TlsHolder holder) {
        return Behaviors.setup(ctx -> Behaviors.withStash(100, stash -> new TlsConfActor(ctx, stash, files, holder).idle()));
    }

    private Behavior<Command> idle() {
        return Behaviors.receive(Command.class)
                .onMessage(Reload.class, this::onReload)
                .onMessage(Loaded.class, this::onLoaded)
                .onMessageEquals(Stop.INSTANCE, Behaviors::stopped)
                .build();
    }

    private Behavior<Command> loading() {
        return Behaviors.receive(Command.class)
                .onMessage(Reload.class, this::stashReload)
                .onMessage(Loaded.class, this::onLoaded)
                .onMessageEquals(Stop.INSTANCE, Behaviors::stopped)
                .build();
    }

    private Behavior<Command> onReload(Reload r) {
        TlsFiles from = r.path().map(files::withDir).orElse(files);
        List<String> warnings = new ArrayList<>();
        CompletableFuture<TlsTables> next = CompletableFuture.supplyAsync(() -> load(from, warnings), blocking);
        context.pipeToSelf(next, (t, failure) -> new Loaded(r, t, warnings, failure == null ? null : message(failure)));
        return loading();
    }

    private Behavior<Command> stashReload(Reload r) {
        if (stash.isFull()) {
            r.replyTo().tell(new ReloadResult(false, null, "too many reloads queued, try again"));
        } else {
            stash.stash(r);
        }
        return Behaviors.same();
    }

    private Behavior<Command> onLoaded(Loaded done) {
        if (done.tables() == null) {
            context.getLog().warn("reload {} failed, old certificates keep serving: {}", TLS_CONF, done.error());
            done.request().replyTo().tell(new ReloadResult(false, null, done.error()));
        } else {
            holder.set(done.tables());
            done.warnings().forEach(w -> context.getLog().warn("{}", w));
            context.getLog().info("reload {} done: {}", TLS_CONF, done.tables().version());
            done.request().replyTo().tell(new ReloadResult(true, done.tables().version(), null));
        }
        return stash.unstashAll(idle());
    }

    private static TlsTables load(TlsFiles files, List<String> warnings) {
        try {
            return TlsTables.load(files, warnings);
        } catch (ConfigException e) {
            throw new Failure(e.getMessage());
        }
    }

    private static String message(Throwable t) {
        Throwable c = t;
        while ((c instanceof CompletionException || c instanceof ExecutionException) && c.getCause() != null) {
            c = c.getCause();
        }
        return c instanceof Failure ? c.getMessage() : "internal error while reloading: " + c;
    }

    private static final class Failure extends RuntimeException {
        Failure(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * Registers {@code /reload/tls_conf} (the node broadcasts it to every proxy node); {@code ?path=DIR} reads
     * the two files from DIR for that one reload.
     */
    public static void registerReload(WebHandlers web, ActorRef<Command> actor, Scheduler scheduler, Duration timeout) {
        web.registerReload(TLS_CONF, params -> {
            String version = reloadAndWait(actor, scheduler, timeout, pathParam(params));
            // the version served is reported like at start (module_status "versions")
            web.dataVersion(TLS_CONF, version);
            return version;
        });
    }

    private static Optional<Path> pathParam(Map<String, List<String>> params) {
        List<String> values = params == null ? null : params.get("path");
        return values == null ? Optional.empty()
                : values.stream().filter(v -> v != null && !v.isEmpty()).findFirst().map(Path::of);
    }

    private static String reloadAndWait(ActorRef<Command> actor, Scheduler scheduler, Duration timeout,
                                        Optional<Path> path) throws Exception {
        ReloadResult result;
        try {
            result = AskPattern.<Command, ReloadResult>ask(actor, replyTo -> new Reload(path, replyTo), timeout, scheduler)
                    .toCompletableFuture().get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("reload " + TLS_CONF + " got no answer within " + timeout.toMillis()
                    + " ms: " + e.getCause(), e.getCause());
        }
        if (!result.ok()) {
            throw new IllegalArgumentException(result.error());
        }
        return result.version();
    }
}
