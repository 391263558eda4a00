package io.troupe.proxy;

import io.troupe.api.proxy.Module;
import io.troupe.api.proxy.WebHandlers;
import io.troupe.module.runtime.ModuleLoader;
import io.troupe.module.runtime.ModuleOrder;
import io.troupe.module.runtime.ModuleRuntime;
import io.troupe.module.runtime.SystemActors;
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
import io.troupe.proxy.reload.SnapshotReloadActor;
import io.troupe.proxy.route.NameConf;
import io.troupe.proxy.route.NameHolder;
import io.troupe.proxy.route.RouteFiles;
import io.troupe.proxy.route.RouteHolder;
import io.troupe.proxy.route.RouteTableActor;
import io.troupe.proxy.route.RouteTables;
import io.troupe.proxy.server.ProxyServer;
import io.troupe.proxy.tls.TlsHolder;
import io.troupe.proxy.tls.TlsTables;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.pattern.Patterns;
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
    private final ModuleRuntime modules;
    private final List<String> availableModules;
    private final AtomicBoolean stopped = new AtomicBoolean();
    /** Owns the tls_conf tables; {@code null} without BFE's TLS files. */
    private ActorRef<SnapshotReloadActor.Command> tlsActor;
    private NameHolder names;
    private ActorRef<SnapshotReloadActor.Command> nameActor;

    private ProxyRuntime(ActorSystem<?> system, ProxySettings settings, ProxyServer server, ProxyStats stats,
                         ChainsHolder chains, ActorRef<ChainRegistry.Command> chainRegistry, RouteHolder routes,
                         BackendHealth health, ActorRef<RouteTableActor.Command> routeTables, ModuleRuntime modules,
                         List<String> availableModules) {
        this.system = system;
        this.settings = settings;
        this.server = server;
        this.stats = stats;
        this.chains = chains;
        this.chainRegistry = chainRegistry;
        this.routes = routes;
        this.health = health;
        this.routeTables = routeTables;
        this.modules = modules;
        this.availableModules = availableModules;
    }

    /**
     * Starts the proxy on {@code system}. Fails (and binds nothing) when a routing file is invalid, naming the
     * file and field, when a module listed in {@code troupe.proxy.modules} is missing or fails to init, or
     * when a port cannot be bound (naming the address and the setting). A failed start stops what it had
     * started (actors, health checkers, event loops) before it throws, so it can be retried on the same system.
     *
     * @param confRoot the node's {@code conf/} directory
     * @param web where monitor and reload handlers are registered (the node's admin API)
     */
    public static ProxyRuntime start(ActorSystem<?> system, Path confRoot, WebHandlers web) throws Exception {
        ProxySettings settings = ProxySettings.from(system.settings().config(), confRoot);
        // find and order the enabled modules before anything starts: a missing module fails fast
        ModuleLoader.Available available = ModuleLoader.discover(modulesDir(system, confRoot),
                ProxyRuntime.class.getClassLoader());
        List<Module> enabled;
        try {
            enabled = available.select(settings.modules());
        } catch (IllegalArgumentException e) {
            // the list may come from bfe.conf's Modules lines: say which file set it
            throw new IllegalArgumentException(e.getMessage() + "; set in "
                    + ProxySettings.origin(system.settings().config(), confRoot, "modules"), e);
        }
        RouteFiles files = RouteFiles.standard(confRoot);
        RouteTables tables;
        try {
            tables = RouteTables.load(files);
        } catch (ConfigException e) {
            throw new IllegalArgumentException("proxy: routing config is invalid: " + e.getMessage(), e);
        }
        tables.warnings().forEach(w -> log.warn("{}", w));
        TlsHolder tls = null;
        if (settings.tlsFiles() != null) {
            List<String> tlsWarnings = new ArrayList<>();
            try {
                tls = new TlsHolder(TlsTables.load(settings.tlsFiles(), tlsWarnings));
            } catch (ConfigException e) {
                throw new IllegalArgumentException("proxy: TLS config is invalid: " + e.getMessage(), e);
            }
            tlsWarnings.forEach(w -> log.warn("{}", w));
        }
        // name_conf.data is optional, as in BFE; /reload/name_conf reads it once it exists
        Path nameFile = confRoot.resolve("server_data_conf").resolve("name_conf.data");
        boolean nameFileThere = java.nio.file.Files.exists(nameFile);
        boolean readNames = settings.nameConf() && nameFileThere;
        if (!settings.nameConf() && nameFileThere) {
            log.warn("{}: not read: bfe.conf's NameConf names no file", nameFile);
        }
        NameHolder names;
        try {
            List<String> nameWarnings = new ArrayList<>();
            names = new NameHolder(readNames ? NameConf.load(nameFile, nameWarnings) : NameConf.EMPTY);
            nameWarnings.forEach(w -> log.warn("{}", w));
        } catch (ConfigException e) {
            throw new IllegalArgumentException("proxy: name config is invalid: " + e.getMessage(), e);
        }
        RouteHolder routes = new RouteHolder(tables);
        BackendHealth health = new BackendHealth(routes);
        ActorRef<RouteTableActor.Command> routeActor = SystemActors.spawn(system,
                RouteTableActor.create(files, routes, health), "proxy-route-tables");
        ChainsHolder chains = new ChainsHolder();
        ActorRef<ChainRegistry.Command> registry;
        try {
            registry = SystemActors.spawn(system,
                    ChainRegistry.create(ModuleOrder.names(enabled), chains), "proxy-chain-registry");
        } catch (RuntimeException e) {
            stopActors(routeActor, null);
            throw e;
        }
        ProxyStats stats = new ProxyStats(settings.monitorIntervalSeconds());
        Router router = new RouteTablesRouter(routes, health);
        ProxyServer server = null;
        ModuleRuntime modules = null;
        ProxyRuntime rt;
        ActorRef<SnapshotReloadActor.Command> tlsActor = null;
        ActorRef<SnapshotReloadActor.Command> nameActor = null;
        SnapshotReloadActor.Reloadable<?, ?> nameReload = names.reloadable(nameFile);
        SnapshotReloadActor.Reloadable<?, ?> tlsReload = tls == null ? null : tls.reloadable(settings.tlsFiles());
        try {
            nameActor = SystemActors.spawn(system, SnapshotReloadActor.create(nameReload), "proxy-name-conf");
            if (tlsReload != null) {
                tlsActor = SystemActors.spawn(system, SnapshotReloadActor.create(tlsReload), "proxy-tls-conf");
            }
            modules = startModules(system, enabled, registry, web, confRoot);
            server = ProxyServer.start(settings, chains, router, stats, tls);
            rt = new ProxyRuntime(system, settings, server, stats, chains, registry, routes, health, routeActor, modules,
                    available.modules().keySet().stream().sorted().toList());
            ProxyMonitors.register(web, stats);
            BalTableMonitor.register(web, routes, health);
            RouteTableActor.registerReloads(web, routeActor, system.scheduler(), ASK_TIMEOUT);
            rt.tlsActor = tlsActor;
            rt.names = names;
            rt.nameActor = nameActor;
            SnapshotReloadActor.registerReload(web, nameReload, nameActor, system.scheduler(), ASK_TIMEOUT);
            if (!names.get().version().isEmpty()) {
                web.dataVersion(NameHolder.NAME_CONF, names.get().version());
            }
            if (tlsActor != null) {
                SnapshotReloadActor.registerReload(web, tlsReload, tlsActor, system.scheduler(), ASK_TIMEOUT);
                web.dataVersion(TlsHolder.TLS_CONF, tls.get().version());
            } else {
                // BFE always has /reload/tls_conf: say why there is nothing to reload instead of "handler not exist"
                String why = tls != null
                        ? "the certificates come from troupe.proxy.tls.certificates (HOCON), read at start; restart the"
                                + " node to change them, or use tls_conf/server_cert_conf.data, which reloads"
                        : "the proxy started without tls_conf/server_cert_conf.data, so its HTTPS listener is off; add"
                                + " the TLS files and restart the node to serve HTTPS";
                web.registerReload(TlsHolder.TLS_CONF, params -> {
                    throw new IllegalStateException("tls_conf: " + why);
                });
            }
        } catch (Exception | Error e) {
            // undo what was started so that nothing keeps running and a later start can reuse the names
            log.error("proxy failed to start, stopping what was started: {}", e.getMessage());
            if (server != null) {
                server.stop(0);
            }
            stats.close();
            if (modules != null) {
                modules.stop();
            }
            stopActors(routeActor, registry);
            stopReloader(tlsActor, TlsHolder.TLS_CONF);
            stopReloader(nameActor, NameHolder.NAME_CONF);
            throw e;
        }
        CoordinatedShutdown.get(Adapter.toClassic(system)).addTask(CoordinatedShutdown.PhaseServiceRequestsDone(),
                "proxy-drain", () -> CompletableFuture.supplyAsync(() -> {
                    rt.stop();
                    return Done.getInstance();
                }));
        log.info("proxy started: http port {}, https port {}, route tables {}", server.httpPort(),
                server.httpsPort(), tables.version());
        return rt;
    }

    /**
     * Stops the route-table actor (with its health checkers) and the chain registry, waiting until they have
     * terminated so their names are free again.
     */
    private static void stopActors(ActorRef<RouteTableActor.Command> routeActor, ActorRef<ChainRegistry.Command> registry) {
        List<CompletableFuture<Boolean>> stops = new ArrayList<>();
        stops.add(Patterns.gracefulStop(Adapter.toClassic(routeActor), ASK_TIMEOUT, RouteTableActor.Stop.INSTANCE)
                .toCompletableFuture());
        if (registry != null) {
            stops.add(Patterns.gracefulStop(Adapter.toClassic(registry), ASK_TIMEOUT, ChainRegistry.Stop.INSTANCE)
                    .toCompletableFuture());
        }
        for (CompletableFuture<Boolean> f : stops) {
            try {
                f.get(ASK_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception e) {
                log.warn("proxy actor did not stop in {}: {}", ASK_TIMEOUT, e.toString());
            }
        }
    }

    /** Stops a reload actor ({@code name} is its reload, for the log); {@code null} when it was not started. */
    private static void stopReloader(ActorRef<SnapshotReloadActor.Command> actor, String name) {
        if (actor == null) {
            return;
        }
        try {
            Patterns.gracefulStop(Adapter.toClassic(actor), ASK_TIMEOUT, SnapshotReloadActor.Stop.INSTANCE)
                    .toCompletableFuture().get(ASK_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            log.warn("{} actor did not stop in {}: {}", name, ASK_TIMEOUT, e.toString());
        }
    }

    /**
     * Starts one module actor per enabled module, in run order, and registers each module's filters. Throws the
     * first module's init error (naming its file and key); the module actors started so far are stopped.
     */
    private static ModuleRuntime startModules(ActorSystem<?> system, List<Module> enabled,
                                              ActorRef<ChainRegistry.Command> registry, WebHandlers web,
                                              Path confRoot) throws Exception {
        Map<String, ModuleFilters> filters = new LinkedHashMap<>();
        ModuleRuntime modules = ModuleRuntime.start(system, enabled,
                name -> filters.computeIfAbsent(name, ModuleFilters::new), web, confRoot, ASK_TIMEOUT);
        try {
            for (ModuleFilters f : filters.values()) {
                register(system, registry, f).toCompletableFuture().get(ASK_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (Exception e) {
            modules.stop();
            throw e;
        }
        return modules;
    }

    /** {@code troupe.proxy.modules-dir}, or {@code modules} next to the conf root when empty. */
    static Path modulesDir(ActorSystem<?> system, Path confRoot) {
        com.typesafe.config.Config c = system.settings().config();
        String dir = c.hasPath("troupe.proxy.modules-dir") ? c.getString("troupe.proxy.modules-dir") : "";
        if (!dir.isBlank()) {
            Path p = Path.of(dir);
            return p.isAbsolute() || confRoot == null ? p : confRoot.resolve(p);
        }
        if (confRoot == null) {
            return null;
        }
        Path parent = confRoot.toAbsolutePath().getParent();
        return parent == null ? null : parent.resolve("modules");
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

    /** BFE's name_conf.data: service name → instances (empty without the file). */
    public NameHolder names() {
        return names;
    }

    public BackendHealth health() {
        return health;
    }

    public ActorRef<RouteTableActor.Command> routeTableActor() {
        return routeTables;
    }

    /** Names of every module this node could enable (class path and modules directory), sorted. */
    public List<String> availableModules() {
        return availableModules;
    }

    /** The enabled modules, in run order, and the actors owning their config. */
    public ModuleRuntime modules() {
        return modules;
    }

    public ProxySettings settings() {
        return settings;
    }

    /**
     * Stops accepting, lets in-flight requests finish within {@code troupe.proxy.limits.drain-timeout}, then
     * closes every connection and stops the proxy's actors. Blocks; safe to call more than once
     * (CoordinatedShutdown calls it too).
     */
    public void stop() {
        if (stopped.compareAndSet(false, true)) {
            log.info("proxy draining ({} requests in flight)", stats.get(ProxyStats.Key.CLIENT_REQ_ACTIVE));
            server.stop(settings.drainTimeoutMs());
            stats.close();
            modules.stop();
            stopActors(routeTables, chainRegistry);
            stopReloader(tlsActor, TlsHolder.TLS_CONF);
            stopReloader(nameActor, NameHolder.NAME_CONF);
            log.info("proxy stopped");
        }
    }
}
