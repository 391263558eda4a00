package io.troupe.module.runtime;

import io.troupe.api.monitor.Metrics;
import io.troupe.api.proxy.Callbacks;
import io.troupe.api.proxy.Module;
import io.troupe.api.proxy.WebHandlers;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;

/**
 * Owns one enabled module's config (DESIGN.md §5.3): runs its {@code init} and every reload of its
 * {@code .data} files one at a time on the blocking dispatcher, and keeps the versions it loaded. The module
 * publishes its snapshots itself (a {@code volatile} field or {@link io.troupe.api.proxy.config.DataTable}), so
 * the request path reads them without asking this actor.
 *
 * <p>The module registers its reload handlers on a {@link WebHandlers} this actor hands it; the node's registry
 * gets a handler that asks this actor, so reloads arriving from the admin API, a cluster broadcast or a test
 * are serialised here. A reload that fails leaves the module's old snapshot in place and answers the error.
 *
 * <p>The one-job-at-a-time loop is {@link BlockingJobs}, shared with proxy-actors' {@code SnapshotReloadActor};
 * this is not one of that actor's plans because a module's reload handler loads and swaps its snapshot itself,
 * and this actor also runs the module's {@code init} and answers versions while a reload runs.
 */
public final class ModuleActor {

    /** Messages carry the module's handlers and stay on this node. */
    public interface Command extends NoSerializationVerificationNeeded {}

    /** Runs the module's {@code init}; answered once with {@link Started} or {@link InitFailed}. */
    public record Init(ActorRef<InitReply> replyTo) implements Command {}

    /** Runs the reload handler the module registered under {@code reloadName}. */
    public record Reload(String reloadName, Map<String, List<String>> params, ActorRef<ReloadReply> replyTo)
            implements Command {}

    /** Asks for the module's {@code .data} versions by reload name. */
    public record GetVersions(ActorRef<Versions> replyTo) implements Command {}

    /** Stops the actor. */
    public enum Stop implements Command { INSTANCE }

    private record InitDone(ActorRef<InitReply> replyTo, Throwable error) implements Command {}

    private record ReloadDone(Reload request, String version, Throwable error) implements Command {}

    private record VersionReported(String reloadName, String version) implements Command {}

    /** Answer to {@link Init}. */
    public sealed interface InitReply extends NoSerializationVerificationNeeded permits Started, InitFailed {}

    /** The module's init succeeded. */
    public record Started(String module) implements InitReply {}

    /** The module's init failed; {@code error} names the module and, from the module, the file and key. */
    public record InitFailed(String module, String error) implements InitReply {}

    /** Answer to {@link Reload}: the new version, or the error (and the old snapshot keeps serving). */
    public record ReloadReply(String reloadName, String version, String error)
            implements ReloadAsk.Outcome, NoSerializationVerificationNeeded {
        @Override
        public boolean ok() {
            return error == null;
        }
    }

    /** Answer to {@link GetVersions}. */
    public record Versions(String module, Map<String, String> versions) implements NoSerializationVerificationNeeded {}

    /** How long the node's reload handler waits for this actor's answer. */
    public static final Duration RELOAD_TIMEOUT = Duration.ofSeconds(30);

    private final ActorContext<Command> context;
    private final Module module;
    private final Callbacks callbacks;
    private final WebHandlers nodeWeb;
    private final Path confRoot;
    private final BlockingJobs<Command> jobs;
    // written by the module's init on the blocking thread, read by this actor afterwards
    private final Map<String, WebHandlers.ReloadHandler> reloadHandlers = new ConcurrentHashMap<>();
    private final Map<String, String> versions = new HashMap<>();

    /**
     * @param module the module
     * @param callbacks where the module registers its filters
     * @param web the node's handler registry
     * @param confRoot the node's conf root
     * @param blocking where init and reloads run
     */
    public static Behavior<Command> create(Module module, Callbacks callbacks, WebHandlers web, Path confRoot,
                                           Executor blocking) {
        return Behaviors.setup(ctx -> Behaviors.withStash(1000,
                stash -> new ModuleActor(ctx, stash, module, callbacks, web, confRoot, blocking).idle()));
    }

    private ModuleActor(ActorContext<Command> ctx, StashBuffer<Command> stash, Module module, Callbacks callbacks,
                        WebHandlers web, Path confRoot, Executor blocking) {
        this.context = ctx;
        this.jobs = new BlockingJobs<>(ctx, stash, blocking);
        this.module = module;
        this.callbacks = callbacks;
        this.nodeWeb = web;
        this.confRoot = confRoot;
    }

    /** No job runs: an init or a reload starts one. */
    private Behavior<Command> idle() {
        return Behaviors.receive(Command.class)
                .onMessage(Init.class, this::onInit)
                .onMessage(Reload.class, this::onReload)
                .onMessage(VersionReported.class, this::onVersionReported)
                .onMessage(GetVersions.class, this::onGetVersions)
                .onMessageEquals(Stop.INSTANCE, Behaviors::stopped)
                .build();
    }

    /** The module's init or one reload runs on the blocking executor: other inits and reloads wait for it. */
    private Behavior<Command> running() {
        return Behaviors.receive(Command.class)
                .onMessage(Init.class, this::onInitWhileRunning)
                .onMessage(Reload.class, this::onReloadWhileRunning)
                .onMessage(InitDone.class, this::onInitDone)
                .onMessage(ReloadDone.class, this::onReloadDone)
                .onMessage(VersionReported.class, this::onVersionReported)
                .onMessage(GetVersions.class, this::onGetVersions)
                .onMessageEquals(Stop.INSTANCE, Behaviors::stopped)
                .build();
    }

    private Behavior<Command> onInit(Init init) {
        WebHandlers moduleWeb = new ModuleWeb(context.getSelf(), context.getSystem());
        jobs.start(() -> {
            module.init(callbacks, moduleWeb, confRoot);
            return null;
        }, (ok, err) -> new InitDone(init.replyTo(), err));
        return running();
    }

    private Behavior<Command> onInitWhileRunning(Init init) {
        return jobs.await(init, () -> init.replyTo().tell(new InitFailed(module.name(),
                "module " + module.name() + " failed to start: too many requests queued, try again")));
    }

    private Behavior<Command> onInitDone(InitDone done) {
        if (done.error() == null) {
            context.getLog().info("module {} started, data versions {}", module.name(), versions);
            done.replyTo().tell(new Started(module.name()));
        } else {
            String msg = "module " + module.name() + " failed to start: " + message(done.error());
            context.getLog().error("{}", msg);
            done.replyTo().tell(new InitFailed(module.name(), msg));
        }
        return jobs.finished(idle());
    }

    private Behavior<Command> onReload(Reload r) {
        WebHandlers.ReloadHandler h = reloadHandlers.get(r.reloadName());
        if (h == null) {
            r.replyTo().tell(new ReloadReply(r.reloadName(), null, "module " + module.name()
                    + " has no reload named " + r.reloadName()));
            return Behaviors.same();
        }
        jobs.start(() -> h.reload(r.params() == null ? Map.of() : r.params()), (v, err) -> new ReloadDone(r, v, err));
        return running();
    }

    private Behavior<Command> onReloadWhileRunning(Reload r) {
        return jobs.await(r, () -> r.replyTo().tell(new ReloadReply(r.reloadName(), null,
                "too many reloads queued, try again")));
    }

    private Behavior<Command> onReloadDone(ReloadDone done) {
        String name = done.request().reloadName();
        if (done.error() == null) {
            // the versions map holds what the module reports of its .data files (VersionReported), not answer text
            context.getLog().info("reload {} ok, version {}", name, done.version());
            done.request().replyTo().tell(new ReloadReply(name, done.version(), null));
        } else {
            String msg = message(done.error());
            context.getLog().warn("reload {} failed, the old config keeps serving: {}", name, msg);
            done.request().replyTo().tell(new ReloadReply(name, null, msg));
        }
        return jobs.finished(idle());
    }

    private Behavior<Command> onVersionReported(VersionReported v) {
        versions.put(v.reloadName(), v.version());
        return Behaviors.same();
    }

    private Behavior<Command> onGetVersions(GetVersions g) {
        g.replyTo().tell(new Versions(module.name(), Map.copyOf(versions)));
        return Behaviors.same();
    }

    private static String message(Throwable t) {
        return t.getMessage() == null ? t.toString() : t.getMessage();
    }

    /**
     * The {@link WebHandlers} the module sees: monitors go straight to the node, reloads are routed through
     * this actor, and version reports reach both.
     */
    private final class ModuleWeb implements WebHandlers {
        private final ActorRef<Command> self;
        private final ActorSystem<?> system;

        ModuleWeb(ActorRef<Command> self, ActorSystem<?> system) {
            this.self = self;
            this.system = system;
        }

        @Override
        public void registerMonitor(String name, MonitorHandler handler) {
            nodeWeb.registerMonitor(name, handler);
        }

        @Override
        public void registerMetrics(String name, Metrics metrics) {
            nodeWeb.registerMetrics(name, metrics);
        }

        @Override
        public void registerReload(String name, ReloadHandler handler) {
            if (reloadHandlers.putIfAbsent(name, handler) != null) {
                throw new IllegalArgumentException("reload name " + name + " is already registered");
            }
            nodeWeb.registerReload(name, params -> reloadThroughActor(name, params));
        }

        @Override
        public void dataVersion(String reloadName, String version) {
            self.tell(new VersionReported(reloadName, version));
            nodeWeb.dataVersion(reloadName, version);
        }

        // runs on the caller's thread (the admin API's blocking dispatcher), never on an actor thread
        private String reloadThroughActor(String name, Map<String, List<String>> params) throws Exception {
            return ReloadAsk.<Command, ReloadReply>reloadAndWait(name, self,
                    replyTo -> new Reload(name, params, replyTo), system.scheduler(), RELOAD_TIMEOUT);
        }
    }
}
