package io.troupe.proxy.reload;

import io.troupe.api.CborSerializable;
import io.troupe.api.proxy.WebHandlers;
import io.troupe.module.runtime.BlockingJobs;
import io.troupe.module.runtime.ReloadAsk;
import io.troupe.proxy.config.ConfigException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;

/**
 * Owns a reloadable snapshot (name_conf's {@code NameConf}, tls_conf's {@code TlsTables}, the route tables): a
 * reload loads and checks the source on the blocking dispatcher, then swaps the new snapshot into its holder,
 * so readers see the old one or the new one, never a mix. On any error the old snapshot stays and the reload
 * answers the error. Reloads run one after the other: one arriving while another is loading is stashed
 * ({@link BlockingJobs}, the loop module-actors' {@code ModuleActor} runs too).
 *
 * <p>{@link #create(Reloadable)} runs one {@link Reloadable}; {@link #create(int, Class, Command, Plan)} runs
 * an owner with a protocol of its own (its {@code Command} extends this one's), such as the route tables'.
 *
 * @param <Q> the reload request
 * @param <S> the snapshot
 */
public final class SnapshotReloadActor<Q extends SnapshotReloadActor.Command, S> {

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

    /**
     * How an owner with its own protocol reloads: what a request loads, where the snapshot goes, how the
     * request is answered.
     *
     * @param <Q> the owner's reload request
     * @param <S> the snapshot
     */
    public interface Plan<Q, S> {
        /** The reload's name, for the log. */
        String name(Q request);

        /** Why {@code request} is refused without loading (an unknown name), or null to load it. */
        default String refusal(Q request) {
            return null;
        }

        /**
         * Loads and checks, on the blocking dispatcher, what {@code request} asks for; bad input throws naming
         * file and field. Reloads run one at a time, so the holder read here holds the last reload's snapshot.
         */
        S load(Q request, List<String> warnings) throws ConfigException;

        /** Swaps the new snapshot into the holder readers use (and tells whoever follows it). */
        void install(S snapshot);

        String version(S snapshot);

        /** What serves after a failed reload, for the log ("old tables keep serving"). */
        String onError();

        /** Answers {@code request}: {@code version} on success, else null and {@code error}. */
        void answer(Q request, boolean ok, String version, String error);
    }

    /** Every reload owner's protocol extends this one. */
    public interface Command {}

    /** Reload; {@code path} is another source to read for this one reload (BFE's {@code ?path=}). */
    public record Reload(Optional<Path> path, ActorRef<ReloadResult> replyTo) implements Command, CborSerializable {}

    /** On success the new snapshot's version, else the error naming file and field. */
    public record ReloadResult(boolean ok, String version, String error)
            implements ReloadAsk.Outcome, CborSerializable {}

    /** {@code snapshot} is the plan's {@code S}, or null with {@code error} set. */
    private record Loaded(Object request, Object snapshot, List<String> warnings, String error)
            implements Command, NoSerializationVerificationNeeded {}

    public enum Stop implements Command, NoSerializationVerificationNeeded { INSTANCE }

    private final ActorContext<Command> context;
    private final BlockingJobs<Command> jobs;
    private final Class<Q> requests;
    private final Command stop;
    private final Plan<Q, S> plan;

    private SnapshotReloadActor(ActorContext<Command> context, StashBuffer<Command> stash, Class<Q> requests,
                                Command stop, Plan<Q, S> plan) {
        this.context = context;
        this.jobs = new BlockingJobs<>(context, stash,
                context.getSystem().dispatchers().lookup(DispatcherSelector.fromConfig("troupe.blocking-dispatcher")));
        this.requests = requests;
        this.stop = stop;
        this.plan = plan;
    }

    /** The holder {@code reloadable} installs into already holds the snapshot loaded at start. */
    public static <S, P> Behavior<Command> create(Reloadable<S, P> reloadable) {
        return create(100, Reload.class, Stop.INSTANCE, new OnePlan<>(reloadable));
    }

    /**
     * An owner with its own protocol: {@code requests} are its reloads, {@code stop} stops it, at most
     * {@code queued} reloads wait while one is loading. Narrow the behaviour to the owner's {@code Command}.
     */
    public static <Q extends Command, S> Behavior<Command> create(int queued, Class<Q> requests, Command stop,
                                                                  Plan<Q, S> plan) {
        return Behaviors.setup(ctx -> Behaviors.withStash(queued,
                stash -> new SnapshotReloadActor<>(ctx, stash, requests, stop, plan).idle()));
    }

    /** No reload runs: a request starts one. */
    private Behavior<Command> idle() {
        return Behaviors.receive(Command.class)
                .onMessage(requests, this::onReload)
                .onMessageEquals(stop, Behaviors::stopped)
                .build();
    }

    /** A reload loads on the blocking dispatcher: the next ones wait for it. */
    private Behavior<Command> running() {
        return Behaviors.receive(Command.class)
                .onMessage(requests, this::onReloadWhileRunning)
                .onMessage(Loaded.class, this::onLoaded)
                .onMessageEquals(stop, Behaviors::stopped)
                .build();
    }

    private Behavior<Command> onReload(Q r) {
        String refusal = plan.refusal(r);
        if (refusal != null) {
            plan.answer(r, false, null, refusal);
            return Behaviors.same();
        }
        List<String> warnings = new ArrayList<>();
        jobs.start(() -> plan.load(r, warnings), (s, failure) -> new Loaded(r, s, warnings, failure == null ? null : message(failure)));
        return running();
    }

    private Behavior<Command> onReloadWhileRunning(Q r) {
        return jobs.await(r, () -> plan.answer(r, false, null, "too many reloads queued, try again"));
    }

    @SuppressWarnings("unchecked") // only onReload makes a Loaded, from a Q and the plan's S
    private Behavior<Command> onLoaded(Loaded done) {
        Q request = (Q) done.request();
        if (done.snapshot() == null) {
            context.getLog().warn("reload {} failed, {}: {}", plan.name(request), plan.onError(), done.error());
            plan.answer(request, false, null, done.error());
        } else {
            S snapshot = (S) done.snapshot();
            plan.install(snapshot);
            done.warnings().forEach(w -> context.getLog().warn("{}", w));
            String version = plan.version(snapshot);
            context.getLog().info("reload {} done: {}", plan.name(request), version);
            plan.answer(request, true, version, null);
        }
        return jobs.finished(idle());
    }

    /** A loader's ConfigException names file and field; anything else is a bug, said as such. */
    private static String message(Throwable failure) {
        return failure instanceof ConfigException ? failure.getMessage() : "internal error while reloading: " + failure;
    }

    /** The plan of a single {@link Reloadable}, answering its {@link Reload}s. */
    private record OnePlan<S, P>(Reloadable<S, P> reloadable) implements Plan<Reload, S> {
        @Override
        public String name(Reload request) {
            return reloadable.name();
        }

        @Override
        public S load(Reload request, List<String> warnings) throws ConfigException {
            P from = request.path().map(reloadable.sourceAt()).orElse(reloadable.source());
            return reloadable.loader().load(from, warnings);
        }

        @Override
        public void install(S snapshot) {
            reloadable.install().accept(snapshot);
        }

        @Override
        public String version(S snapshot) {
            return reloadable.version().apply(snapshot);
        }

        @Override
        public String onError() {
            return reloadable.onError();
        }

        @Override
        public void answer(Reload request, boolean ok, String version, String error) {
            request.replyTo().tell(new ReloadResult(ok, version, error));
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
            String version = ReloadAsk.<Command, ReloadResult>reloadAndWait(name, actor,
                    replyTo -> new Reload(pathParam(params), replyTo), scheduler, timeout);
            // the version served is reported like at start (module_status "versions")
            web.dataVersion(name, version);
            return version;
        });
    }

    /** The first non-empty {@code path} query parameter (BFE's {@code ?path=}). */
    public static Optional<Path> pathParam(Map<String, List<String>> params) {
        List<String> values = params == null ? null : params.get("path");
        return values == null ? Optional.empty()
                : values.stream().filter(v -> v != null && !v.isEmpty()).findFirst().map(Path::of);
    }
}
