package io.troupe.node;

import io.troupe.booster.worker.SubWorkExecutor;
import io.troupe.booster.worker.WorkerDrain;
import io.troupe.module.web.WebHandlerRegistry;
import io.troupe.proxy.ProxyRuntime;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.ActorContext;

/**
 * The one place where a node's roles become running parts. Role actors are children of the node guardian,
 * which watches them: a role that stops takes the node down rather than leaving it half alive. Roles that
 * bind ports and read config files at start (the proxy) start before the admin API, outside any actor, so
 * a bad file or a taken port stops the node at once with a message naming it.
 */
public final class NodeRoles {
    public static final String WORKER = "worker";
    public static final String PROXY = "proxy";

    private NodeRoles() {}

    /** Spawns the role actors of {@code settings.roles()} (from the guardian) and returns them, to be watched. */
    public static List<ActorRef<?>> spawnActors(ActorContext<?> context, NodeSettings settings) {
        List<ActorRef<?>> started = new ArrayList<>();
        if (settings.hasRole(WORKER)) {
            // Registers itself with the Receptionist (SubWorkExecutor.KEY); settings from troupe.worker.*.
            ActorRef<SubWorkExecutor.Command> worker = context.spawn(SubWorkExecutor.create(), "worker");
            // on shutdown it drains before the node leaves (troupe.worker.drain-timeout)
            WorkerDrain.register(context.getSystem(), worker);
            started.add(worker);
        }
        context.getLog().info("node roles {} starting on {}", settings.roles(), context.getSystem().address());
        return started;
    }

    /**
     * Starts the role services that are not actors of their own (called once the actor system runs).
     *
     * @param confDir the node's conf directory (the proxy reads {@code server_data_conf/}, {@code cluster_conf/})
     * @return the proxy runtime when the node has the proxy role; it stops itself in CoordinatedShutdown
     * @throws IllegalStateException naming the role and what failed (invalid routing file, taken port, module)
     */
    public static Optional<ProxyRuntime> startServices(ActorSystem<?> system, NodeSettings settings, Path confDir,
                                                       WebHandlerRegistry webHandlers) {
        if (!settings.hasRole(PROXY)) {
            return Optional.empty();
        }
        try {
            return Optional.of(ProxyRuntime.start(system, confDir, webHandlers));
        } catch (Exception e) {
            throw new IllegalStateException("role proxy could not start (conf " + confDir + "): " + e.getMessage(), e);
        }
    }
}
