package io.troupe.module.runtime;

import io.troupe.api.proxy.Callbacks;
import io.troupe.api.proxy.Module;
import io.troupe.api.proxy.WebHandlers;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.pattern.Patterns;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The enabled modules of a node: one {@link ModuleActor} each, started in run order. {@link #start} returns
 * only when every module's {@code init} succeeded; otherwise it stops what it started and throws the first
 * module's error (naming the module, file and key), so the node does not start.
 */
public final class ModuleRuntime {
    private static final Logger log = LoggerFactory.getLogger(ModuleRuntime.class);

    private final ActorSystem<?> system;
    private final List<Module> modules;
    private final Map<String, ActorRef<ModuleActor.Command>> actors;
    private final Duration timeout;

    private ModuleRuntime(ActorSystem<?> system, List<Module> modules, Map<String, ActorRef<ModuleActor.Command>> actors,
                          Duration timeout) {
        this.system = system;
        this.modules = modules;
        this.actors = actors;
        this.timeout = timeout;
    }

    /**
     * Spawns one {@link ModuleActor} per module, in the given order, and runs each module's {@code init}.
     *
     * @param modules the enabled modules in run order ({@link ModuleLoader.Available#select})
     * @param callbacksFor where each module registers its filters, by module name
     * @param web the node's handler registry
     * @param confRoot the node's conf root
     * @param initTimeout how long one module's init may take
     * @throws IllegalArgumentException with the failing module's error
     */
    public static ModuleRuntime start(ActorSystem<?> system, List<Module> modules, Function<String, Callbacks> callbacksFor,
                                      WebHandlers web, Path confRoot, Duration initTimeout) throws Exception {
        Executor blocking = moduleExecutor(system);
        Map<String, ActorRef<ModuleActor.Command>> actors = new LinkedHashMap<>();
        ModuleRuntime rt = new ModuleRuntime(system, List.copyOf(modules), Collections.unmodifiableMap(actors), initTimeout);
        try {
            for (Module m : modules) {
                ActorRef<ModuleActor.Command> ref = spawn(system,
                        ModuleActor.create(m, callbacksFor.apply(m.name()), web, confRoot, blocking), m.name());
                actors.put(m.name(), ref);
                ModuleActor.InitReply reply = AskPattern.<ModuleActor.Command, ModuleActor.InitReply>ask(ref,
                                ModuleActor.Init::new, initTimeout, system.scheduler())
                        .toCompletableFuture().get(initTimeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
                if (reply instanceof ModuleActor.InitFailed f) {
                    throw new IllegalArgumentException(f.error());
                }
            }
        } catch (Exception e) {
            rt.stop();
            if (e instanceof java.util.concurrent.TimeoutException || e instanceof java.util.concurrent.ExecutionException) {
                throw new IllegalArgumentException("module init did not finish within " + initTimeout + ": " + e, e);
            }
            throw e;
        }
        log.info("modules started in order {}", ModuleOrder.names(modules));
        return rt;
    }

    /** The node's blocking dispatcher ({@code troupe.blocking-dispatcher}, else Pekko's blocking-io one). */
    public static Executor blockingExecutor(ActorSystem<?> system) {
        DispatcherSelector selector = system.settings().config().hasPath("troupe.blocking-dispatcher")
                ? DispatcherSelector.fromConfig("troupe.blocking-dispatcher")
                : DispatcherSelector.blocking();
        return system.dispatchers().lookup(selector);
    }

    /** {@code /system/module-<name>} ({@link SystemActors#spawn}: a runtime may be started again in the same system). */
    private static ActorRef<ModuleActor.Command> spawn(ActorSystem<?> system,
            org.apache.pekko.actor.typed.Behavior<ModuleActor.Command> behavior, String module) {
        return SystemActors.spawn(system, behavior, "module-" + module);
    }

    /**
     * Where module inits and reloads run ({@code troupe.module-dispatcher}): a pool of its own, because a reload
     * caller waits for the module's answer on the node's blocking dispatcher, and with both on one pool enough
     * concurrent reloads would wait for work that has no thread left to run it.
     */
    static Executor moduleExecutor(ActorSystem<?> system) {
        return system.settings().config().hasPath("troupe.module-dispatcher")
                ? system.dispatchers().lookup(DispatcherSelector.fromConfig("troupe.module-dispatcher"))
                : blockingExecutor(system);
    }

    /** The modules in run order. */
    public List<Module> modules() {
        return modules;
    }

    /** The module names in run order. */
    public List<String> names() {
        return ModuleOrder.names(modules);
    }

    /** The actor owning each module's config. */
    public Map<String, ActorRef<ModuleActor.Command>> actors() {
        return actors;
    }

    /** Every module's {@code .data} versions by reload name, asked from the module actors. */
    public Map<String, Map<String, String>> versions() throws Exception {
        Map<String, Map<String, String>> out = new LinkedHashMap<>();
        for (Map.Entry<String, ActorRef<ModuleActor.Command>> e : actors.entrySet()) {
            ModuleActor.Versions v = AskPattern.<ModuleActor.Command, ModuleActor.Versions>ask(e.getValue(),
                    ModuleActor.GetVersions::new, timeout, system.scheduler())
                    .toCompletableFuture().get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
            out.put(e.getKey(), v.versions());
        }
        return out;
    }

    /**
     * Stops every module actor and waits until they have terminated, so their names are free again, then closes
     * each started module that is {@link AutoCloseable} (mod_access writes its last lines there). The proxy calls
     * this after its last connection closed, so no filter runs any more.
     */
    public void stop() {
        List<CompletableFuture<Boolean>> stops = new ArrayList<>();
        for (ActorRef<ModuleActor.Command> ref : actors.values()) {
            stops.add(Patterns.gracefulStop(Adapter.toClassic(ref), timeout, ModuleActor.Stop.INSTANCE).toCompletableFuture());
        }
        for (CompletableFuture<Boolean> f : stops) {
            try {
                f.get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception e) {
                log.warn("module actor did not stop in {}: {}", timeout, e.toString());
            }
        }
        for (Module m : modules) {
            if (m instanceof AutoCloseable c && actors.containsKey(m.name())) {
                try {
                    c.close();
                } catch (Exception e) {
                    log.warn("module {} did not close cleanly: {}", m.name(), e.toString());
                }
            }
        }
    }
}
