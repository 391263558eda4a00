package io.troupe.node;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.cluster.Cluster;
import org.apache.pekko.cluster.MemberStatus;

/**
 * pekko-management readiness check ({@code /ready} on the management port, used by Kubernetes probes): ready
 * when this member is Up and the node is not stopping — the same rule as the admin API's {@code /health/ready}
 * ({@link #notReady}). Registered in
 * {@code troupe-node-defaults.conf} under {@code pekko.management.health-checks.readiness-checks}.
 */
public final class MemberUpReadiness implements Supplier<CompletionStage<Boolean>> {
    private final ActorSystem system;

    /** pekko-management instantiates checks reflectively with the classic actor system. */
    public MemberUpReadiness(ActorSystem system) {
        this.system = system;
    }

    @Override
    public CompletionStage<Boolean> get() {
        return CompletableFuture.completedFuture(notReady(system) == null);
    }

    /**
     * Why this node is not ready, or null when it is. A stopping node is not ready from the shutdown's first step:
     * it closes its proxy listeners while its membership is still Up, and a balancer must stop sending before that.
     */
    public static String notReady(ActorSystem system) {
        if (CoordinatedShutdown.get(system).getShutdownReason().isPresent()) {
            return "the node is stopping";
        }
        MemberStatus status = Cluster.get(system).selfMember().status();
        return status.equals(MemberStatus.up()) ? null : "member is " + status;
    }
}
