package io.troupe.proxy.reload;

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
import java.util.function.Consumer;
import java.util.function.Function;
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
 * Owns one reloadable snapshot (name_conf's {@code NameConf}, tls_conf's {@code TlsTables}): a reload loads
 * and checks the source on the blocking dispatcher, then swaps the new snapshot into its holder, so readers
 * see the old one or the new one, never a mix. On any error the old snapshot stays and the reload answers
 * the error. Reloads run one after the other.
 *
 * @param <S> the snapshot
 * @param <P> where a snapshot is loaded from (a file, a set of files)
 */
public final class SnapshotReloadActor<S, P> {

    /** Loads a snapshot, adding what it tolerates to {@code warnings}; bad input throws, naming file and field. */
    @FunctionalInterface
    public interface Loader<P, S> {
        S load(P source, List<String> warnings) throws ConfigException;
    }

    /**
     * What one reload is.
     *
     * @param name the reload name, for {@code /reload/<name>} and module_status "versions"
     * @param source what a reload reads by default
     * @param sourceAt what {@code ?path=PATH} reads instead, for that one reload
     * @param loader loads and checks a source
     * @param install swaps the new snapshot into the holder readers use
     * @param version the version a snapshot reports
     * @param onError what serves after a failed reload, for the log ("old names stay")
     */
    public record Reloadable<S, P>(String name, P source, Function<Path, P> sourceAt, Loader<P, S> loader,
                                   Consumer<S> install, Function<S, String> version, String onError) {}

    public interface Command {}

    /** Reload; {@code path} is another source to read for this one reload (BFE's {@code ?path=}). */
    public record Reload(Optional<Path> path, ActorRef<ReloadResult> replyTo) implements Command, CborSerializable {}

    /** On success the new snapshot's version, else the error naming file and field. */
    public record ReloadResult(boolean ok, String version, String error) implements CborSerializable {}

    /** {@code snapshot} is the loader's {@code S}, or null with {@code error} set. */
    private record Loaded(Reload request, Object snapshot, List<String> warnings, String error)
            implements Command, NoSerializationVerificationNeeded {}

    public enum Stop implements Command, NoSerializationVerificationNeeded { INSTANCE }

    private final ActorContext<Command> context;
    private final StashBuffer<Command> stash;
    private final Reloadable<S, P> reloadable;
    private final Executor blocking;

    private SnapshotReloadActor(ActorContext<Command> context, StashBuffer<Command> stash, Reloadable<S, P> reloadable) {
        this.context = context;
        this.stash = stash;
        this.reloadable = reloadable;
        this.blocking = context.getSystem().dispatchers().lookup(DispatcherSelector.fromConfig("troupe.blocking-dispatcher"));
    }

    /** The holder {@code reloadable} installs into already holds the snapshot loaded at start. */
    public static <S, P> Behavior<Command> create(Reloadable<S, P> reloadable) {
        return Behaviors.setup(ctx -> Behaviors.withStash(100,
                stash -> new SnapshotReloadActor<>(ctx, stash, reloadable).idle()));
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
        P from = r.path().map(reloadable.sourceAt()).orElse(reloadable.source());
        List<String> warnings = new ArrayList<>();
        CompletableFuture<S> next = CompletableFuture.supplyAsync(() -> load(from, warnings), blocking);
        context.pipeToSelf(next, (s, failure) -> new Loaded(r, s, warnings, failure == null ? null : message(failure)));
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

    @SuppressWarnings("unchecked") // only onReload makes a Loaded, from the loader's S
    private Behavior<Command> onLoaded(Loaded done) {
        if (done.snapshot() == null) {
            context.getLog().warn("reload {} failed, {}: {}", reloadable.name(), reloadable.onError(), done.error());
            done.request().replyTo().tell(new ReloadResult(false, null, done.error()));
        } else {
            S snapshot = (S) done.snapshot();
            reloadable.install().accept(snapshot);
            done.warnings().forEach(w -> context.getLog().warn("{}", w));
            String version = reloadable.version().apply(snapshot);
            context.getLog().info("reload {} done: {}", reloadable.name(), version);
            done.request().replyTo().tell(new ReloadResult(true, version, null));
        }
        return stash.unstashAll(idle());
    }

    private S load(P source, List<String> warnings) {
        try {
            return reloadable.loader().load(source, warnings);
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

    /** Carries a ConfigException's message out of the blocking task. */
    private static final class Failure extends RuntimeException {
        Failure(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * Registers {@code /reload/<name>} (the node broadcasts it to every proxy node); {@code ?path=PATH} reads
     * {@code reloadable.sourceAt(PATH)} for that one reload.
     */
    public static void registerReload(WebHandlers web, Reloadable<?, ?> reloadable, ActorRef<Command> actor,
                                      Scheduler scheduler, Duration timeout) {
        String name = reloadable.name();
        web.registerReload(name, params -> {
            String version = reloadAndWait(name, actor, scheduler, timeout, pathParam(params));
            // the version served is reported like at start (module_status "versions")
            web.dataVersion(name, version);
            return version;
        });
    }

    private static Optional<Path> pathParam(Map<String, List<String>> params) {
        List<String> values = params == null ? null : params.get("path");
        return values == null ? Optional.empty()
                : values.stream().filter(v -> v != null && !v.isEmpty()).findFirst().map(Path::of);
    }

    private static String reloadAndWait(String name, ActorRef<Command> actor, Scheduler scheduler, Duration timeout,
                                        Optional<Path> path) throws Exception {
        ReloadResult result;
        try {
            result = AskPattern.<Command, ReloadResult>ask(actor, replyTo -> new Reload(path, replyTo), timeout, scheduler)
                    .toCompletableFuture().get();
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
