package io.troupe.node;

import com.typesafe.config.Config;
import io.troupe.module.web.WebHandlerRegistry;
import io.troupe.node.admin.AdminAccess;
import io.troupe.node.admin.AdminRoutes;
import io.troupe.node.reload.ReloadBroadcast;
import io.troupe.proxy.ProxyRuntime;
import io.troupe.proxy.route.RouteTableActor;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.management.cluster.bootstrap.ClusterBootstrap;
import org.apache.pekko.management.javadsl.PekkoManagement;
import org.apache.pekko.remote.RemoteTransportException;

/**
 * A running cluster node: its actor system (guardian {@link NodeGuardian}) and its admin HTTP server.
 * {@link ClusterNodeMain} runs one per process; tests run several per JVM.
 */
public final class TroupeNode {
    /** Why the node stopped when a signal asked it to: leaving on a signal is a clean exit. */
    public record SignalReason(String signal) implements CoordinatedShutdown.Reason {}

    private final ActorSystem<NodeGuardian.Command> system;
    private final ServerBinding admin;
    private final WebHandlerRegistry webHandlers;
    private final Optional<ProxyRuntime> proxy;

    private TroupeNode(ActorSystem<NodeGuardian.Command> system, ServerBinding admin, WebHandlerRegistry webHandlers,
                       Optional<ProxyRuntime> proxy) {
        this.system = system;
        this.admin = admin;
        this.webHandlers = webHandlers;
        this.proxy = proxy;
    }

    /**
     * Starts the actor system (which forms or joins the cluster and starts the role actors), the role
     * services (the proxy) and the admin API.
     *
     * @param confDir the node's conf directory, where roles read their files
     * @throws IllegalStateException naming the address, file or role that failed
     */
    public static TroupeNode start(Config config, Path confDir) {
        NodeSettings settings = NodeSettings.from(config);
        Duration reloadTimeout = reloadTimeout(config);
        WebHandlerRegistry webHandlers = new WebHandlerRegistry();
        var prometheus = PrometheusMetrics.reporter(config);
        ActorSystem<NodeGuardian.Command> system;
        try {
            system = ActorSystem.create(NodeGuardian.create(settings), settings.systemName(), config);
        } catch (RemoteTransportException e) {
            throw new IllegalStateException("cluster port " + settings.hostname() + ":" + settings.port()
                    + " (troupe.node.hostname/port, --host/--port): " + e.getMessage(), e);
        }
        Optional<ProxyRuntime> proxy;
        try {
            if (settings.bootstraps()) {
                startBootstrap(system, settings);
            }
            proxy = NodeRoles.startServices(system, settings, confDir, webHandlers);
        } catch (IllegalStateException e) {
            terminate(system);
            throw e;
        }
        Executor blocking = system.dispatchers().lookup(DispatcherSelector.fromConfig("troupe.blocking-dispatcher"));
        proxy.ifPresent(p -> recordRouteVersions(p, webHandlers));
        ActorRef<ReloadBroadcast.Command> broadcast = system.systemActorOf(Behaviors.supervise(
                        ReloadBroadcast.create(webHandlers, blocking, reloadTimeout, nodeModules(proxy),
                                settings.hasRole(NodeRoles.PROXY)))
                .onFailure(SupervisorStrategy.restart()), "reload-broadcast", Props.empty());
        AdminAccess access = new AdminAccess(settings.adminToken());
        AdminRoutes routes = new AdminRoutes(system, webHandlers, blocking, access,
                prometheus::scrapeData, broadcast, reloadTimeout,
                () -> proxy.map(p -> p.chains().current().handlersByPoint()).orElse(Map.of()));
        ServerBinding binding;
        try {
            binding = Http.get(system)
                    .newServerAt(settings.adminHost(), settings.adminPort())
                    .bind(routes.route().orElse(Observability.start(system, config, settings, access)))
                    .toCompletableFuture()
                    .get(30, TimeUnit.SECONDS);
        } catch (InterruptedException | ExecutionException | TimeoutException e) {
            terminate(system);
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            throw new IllegalStateException("admin API could not bind " + settings.adminHost() + ":"
                    + settings.adminPort() + " (troupe.admin.host/port, --admin): " + cause.getMessage(), cause);
        }
        // Unbind last, so /health/ready keeps answering 503 while the node leaves and drains.
        CoordinatedShutdown.get(system).addTask(CoordinatedShutdown.PhaseBeforeActorSystemTerminate(), "admin-unbind",
                () -> binding.terminate(Duration.ofSeconds(3)).thenApply(terminated -> Done.getInstance()));
        return new TroupeNode(system, binding, webHandlers, proxy);
    }

    /** {@code troupe.admin.reload-timeout}: how long a broadcast reload waits for every proxy node. */
    static Duration reloadTimeout(Config config) {
        Duration timeout;
        try {
            timeout = config.getDuration("troupe.admin.reload-timeout");
        } catch (com.typesafe.config.ConfigException e) {
            throw new IllegalArgumentException("troupe.admin.reload-timeout: " + e.getMessage(), e);
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("troupe.admin.reload-timeout: " + timeout + " must be positive");
        }
        return timeout;
    }

    /** The routing files' versions at start, for module_status (reloads record theirs as they succeed). */
    private static void recordRouteVersions(ProxyRuntime proxy, WebHandlerRegistry webHandlers) {
        String version = proxy.routes().get().version();
        webHandlers.reloadAnswered(RouteTableActor.SERVER_DATA_CONF, version);
        webHandlers.reloadAnswered(RouteTableActor.GSLB_DATA_CONF, version);
    }

    /** The modules the proxy found (class path and modules directory) and the ones it runs, in run order. */
    private static Supplier<ReloadBroadcast.NodeModules> nodeModules(Optional<ProxyRuntime> proxy) {
        ReloadBroadcast.NodeModules modules = proxy.map(p -> new ReloadBroadcast.NodeModules(
                        List.copyOf(p.availableModules()), List.copyOf(p.modules().names())))
                .orElse(ReloadBroadcast.NodeModules.NONE);
        return () -> modules;
    }

    /** pekko-management's HTTP server (health checks, bootstrap contact point), then cluster bootstrap. */
    private static void startBootstrap(ActorSystem<?> system, NodeSettings settings) {
        try {
            PekkoManagement.get(system).start().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (InterruptedException | ExecutionException | TimeoutException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            throw new IllegalStateException("cluster bootstrap (troupe.cluster.bootstrap = " + settings.bootstrap()
                    + "): the management HTTP server (pekko.management.http.*) could not start: " + cause.getMessage(),
                    cause);
        }
        ClusterBootstrap.get(system).start();
    }

    /** Stops a node that failed to start, so that the process can exit with the reason. */
    private static void terminate(ActorSystem<?> system) {
        system.terminate();
        try {
            system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (InterruptedException | ExecutionException | TimeoutException e) {
            // the caller reports the original failure; a slow stop does not change it
        }
    }

    /** The proxy of a node with role proxy. */
    public Optional<ProxyRuntime> proxy() {
        return proxy;
    }

    public ActorSystem<NodeGuardian.Command> system() {
        return system;
    }

    public InetSocketAddress adminAddress() {
        return admin.localAddress();
    }

    /** Where modules and the proxy register their monitor and reload handlers. */
    public WebHandlerRegistry webHandlers() {
        return webHandlers;
    }

    /** Leaves the cluster and stops the node (CoordinatedShutdown, all phases). */
    public CompletionStage<Done> shutdown(CoordinatedShutdown.Reason reason) {
        return CoordinatedShutdown.get(system).runAll(reason);
    }

    /** Blocks until the actor system has terminated; returns the process exit code that fits why. */
    public int awaitExitCode() {
        system.getWhenTerminated().toCompletableFuture().join();
        Optional<CoordinatedShutdown.Reason> reason = CoordinatedShutdown.get(system).getShutdownReason();
        boolean clean = reason.map(r -> r instanceof SignalReason
                || r == CoordinatedShutdown.clusterLeavingReason()).orElse(false);
        return clean ? 0 : 1;
    }
}
