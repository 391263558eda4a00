package io.troupe.proxy;

import io.troupe.api.proxy.Module;
import io.troupe.api.proxy.WebHandlers;
import io.troupe.proxy.backend.BackendHealth;
import io.troupe.proxy.backend.BalTableMonitor;
import io.troupe.proxy.chain.ChainRegistry;
import io.troupe.proxy.chain.ChainsHolder;
import io.troupe.proxy.chain.ModuleFilters;
import io.troupe.proxy.config.ConfigException;
import io.troupe.proxy.forward.RouteTablesRouter;
import io.troupe.proxy.forward.Router;
import io.troupe.proxy.monitor.ProxyMonitors;
import io.troupe.proxy.monitor.ProxyStats;
import io.troupe.proxy.route.RouteFiles;
import io.troupe.proxy.route.RouteHolder;
import io.troupe.proxy.route.RouteTableActor;
import io.troupe.proxy.route.RouteTables;
import io.troupe.proxy.server.ProxyServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The proxy role of a cluster node: loads the routing files, spawns the actors that own routing and the
 * callback chains, loads the configured modules, binds the listeners and registers the monitors and
 * reloads. The request path only reads the snapshots those actors publish.
 */
public final class ProxyRuntime {
    private static final Logger log = LoggerFactory.getLogger(ProxyRuntime.class);
    private static final Duration ASK_TIMEOUT = Duration.ofSeconds(10);

    private final ActorSystem<?> system;
    private final ProxySettings settings;
    private final ProxyServer server;
    private final ProxyStats stats;
    private final ChainsHolder chains;
    private final ActorRef<ChainRegistry.Command> chainRegistry;
    private final RouteHolder routes;
    private final BackendHealth health;
    private final ActorRef<RouteTableActor.Command> routeTables;
    private final AtomicBoolean stopped = new AtomicBoolean();

    private ProxyRuntime(ActorSystem<?> system, ProxySettings settings, ProxyServer server, ProxyStats stats,
                         ChainsHolder chains, ActorRef<ChainRegistry.Command> chainRegistry, RouteHolder routes,
                         BackendHealth health, ActorRef<RouteTableActor.Command> routeTables) {
        this.system = system;
        this.settings = settings;
        this.server = server;
        this.stats = stats;
        this.chains = chains;
        this.chainRegistry = chainRegistry;
        this.routes = routes;
        this.health = health;
        this.routeTables = routeTables;
    }

    /**
     * Starts the proxy on {@code system}. Fails (and binds nothing) when a routing file is invalid, naming the
     * file and field, when a module listed in {@code troupe.proxy.modules} is missing or fails to init, or
     * when a port cannot be bound.
     *
     * @param confRoot the node's {@code conf/} directory
     * @param web where monitor and reload handlers are registered (the node's admin API)
     */
    public static ProxyRuntime start(ActorSystem<?> system, Path confRoot, WebHandlers web) throws Exception {
        ProxySettings settings = ProxySettings.from(system.settings().config(), confRoot);
        RouteFiles files = RouteFiles.standard(confRoot);
        RouteTables tables;
        try {
            tables = RouteTables.load(files);
        } catch (ConfigException e) {
            throw new IllegalArgumentException("proxy: routing config is invalid: " + e.getMessage(), e);
        }
        tables.warnings().forEach(w -> log.warn("{}", w));
        RouteHolder routes = new RouteHolder(tables);
        BackendHealth health = new BackendHealth(routes);
        ActorRef<RouteTableActor.Command> routeActor = system.systemActorOf(
                RouteTableActor.create(files, routes, health), "proxy-route-tables", Props.empty());
        ChainsHolder chains = new ChainsHolder();
        ActorRef<ChainRegistry.Command> registry = system.systemActorOf(
                ChainRegistry.create(settings.modules(), chains), "proxy-chain-registry", Props.empty());
        ProxyStats stats = new ProxyStats();
        Router router = new RouteTablesRouter(routes, health);

        loadModules(system, settings, registry, web, confRoot);

        ProxyServer server = ProxyServer.start(settings, chains, router, stats);
        ProxyRuntime rt = new ProxyRuntime(system, settings, server, stats, chains, registry, routes, health, routeActor);
        ProxyMonitors.register(web, stats);
        BalTableMonitor.register(web, routes, health);
        RouteTableActor.registerReloads(web, routeActor, system.scheduler(), ASK_TIMEOUT);
        CoordinatedShutdown.get(Adapter.toClassic(system)).addTask(CoordinatedShutdown.PhaseServiceRequestsDone(),
                "proxy-drain", () -> CompletableFuture.supplyAsync(() -> {
                    rt.stop();
                    return Done.getInstance();
                }));
        log.info("proxy started: http port {}, https port {}, route tables {}", server.httpPort(),
                server.httpsPort(), tables.version());
        return rt;
    }

    /** Finds each module named in {@code troupe.proxy.modules} by ServiceLoader, inits it and registers its filters. */
    private static void loadModules(ActorSystem<?> system, ProxySettings settings,
                                    ActorRef<ChainRegistry.Command> registry, WebHandlers web, Path confRoot) throws Exception {
        if (settings.modules().isEmpty()) {
            return;
        }
        List<Module> found = new ArrayList<>();
        ServiceLoader.load(Module.class).forEach(found::add);
        for (String name : settings.modules()) {
            Module m = found.stream().filter(x -> x.name().equals(name)).findFirst().orElseThrow(() ->
                    new IllegalArgumentException("troupe.proxy.modules: no module named " + name
                            + " on the classpath (found: " + found.stream().map(Module::name).toList() + ")"));
            ModuleFilters filters = new ModuleFilters(name);
            try {
                m.init(filters, web, confRoot);
            } catch (Exception e) {
                throw new IllegalArgumentException("module " + name + " failed to start: " + e.getMessage(), e);
            }
            register(system, registry, filters).toCompletableFuture().get(ASK_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** Registers (or replaces) a module's filters; completes once the new chains are published. */
    public static CompletionStage<ChainRegistry.Registered> register(ActorSystem<?> system,
                                                                    ActorRef<ChainRegistry.Command> registry,
                                                                    ModuleFilters filters) {
        return AskPattern.<ChainRegistry.Command, ChainRegistry.Reply>ask(registry,
                        replyTo -> new ChainRegistry.Register(filters, replyTo), ASK_TIMEOUT, system.scheduler())
                .thenApply(reply -> {
                    if (reply instanceof ChainRegistry.Rejected r) {
                        throw new IllegalArgumentException(r.reason());
                    }
                    return (ChainRegistry.Registered) reply;
                });
    }

    /** Registers another module's filters at run time (the module runtime's hook). */
    public CompletionStage<ChainRegistry.Registered> register(ModuleFilters filters) {
        return register(system, chainRegistry, filters);
    }

    public int httpPort() {
        return server.httpPort();
    }

    public int httpsPort() {
        return server.httpsPort();
    }

    public ProxyStats stats() {
        return stats;
    }

    public ChainsHolder chains() {
        return chains;
    }

    public ActorRef<ChainRegistry.Command> chainRegistry() {
        return chainRegistry;
    }

    public RouteHolder routes() {
        return routes;
    }

    public BackendHealth health() {
        return health;
    }

    public ActorRef<RouteTableActor.Command> routeTableActor() {
        return routeTables;
    }

    public ProxySettings settings() {
        return settings;
    }

    /**
     * Stops accepting, lets in-flight requests finish within {@code troupe.proxy.limits.drain-timeout}, then
     * closes every connection. Blocks; safe to call more than once (CoordinatedShutdown calls it too).
     */
    public void stop() {
        if (stopped.compareAndSet(false, true)) {
            log.info("proxy draining ({} requests in flight)", stats.get(ProxyStats.Key.REQ_ACTIVE));
            server.stop(settings.drainTimeoutMs());
            stats.close();
            log.info("proxy stopped");
        }
    }
}
