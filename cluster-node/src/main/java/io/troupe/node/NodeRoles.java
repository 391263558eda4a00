package io.troupe.node;

import io.troupe.booster.worker.SubWorkExecutor;
import io.troupe.module.web.WebHandlerRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;

/**
 * The one place where a node's roles become running actors. Every role actor is a child of the node
 * guardian, which watches it: a role that stops takes the node down rather than leaving it half alive.
 */
public final class NodeRoles {
    public static final String WORKER = "worker";
    public static final String PROXY = "proxy";

    private NodeRoles() {}

    /** Spawns the actors of {@code settings.roles()} and returns them (to be watched). */
    public static List<ActorRef<?>> start(ActorContext<?> context, NodeSettings settings, WebHandlerRegistry webHandlers) {
        List<ActorRef<?>> started = new ArrayList<>();
        if (settings.hasRole(WORKER)) {
            started.add(startWorker(context));
        }
        if (settings.hasRole(PROXY)) {
            startProxy(context, webHandlers).ifPresent(started::add);
        }
        context.getLog().info("node roles {} started on {}", settings.roles(), context.getSystem().address());
        return started;
    }

    private static ActorRef<?> startWorker(ActorContext<?> context) {
        // Registers itself with the Receptionist (SubWorkExecutor.KEY); settings from troupe.worker.*.
        return context.spawn(SubWorkExecutor.create(), "worker");
    }

    private static Optional<ActorRef<?>> startProxy(ActorContext<?> context, WebHandlerRegistry webHandlers) {
        // The proxy runtime (io.troupe.proxy.ProxyRuntime) lives on branch dataplane and is not merged here.
        context.getLog().warn("role proxy: the proxy runtime is not built into this cluster-node yet; "
                + "this node serves no proxy traffic (admin API and other roles are unaffected)");
        return Optional.empty();
    }
}
