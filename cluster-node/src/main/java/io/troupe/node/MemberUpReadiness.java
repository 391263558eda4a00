package io.troupe.node;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.cluster.Cluster;
import org.apache.pekko.cluster.MemberStatus;

/**
 * pekko-management readiness check ({@code /ready} on the management port, used by Kubernetes probes): ready
 * when this member is Up — the same rule as the admin API's {@code /health/ready}. Registered in
 * {@code troupe-node-defaults.conf} under {@code pekko.management.health-checks.readiness-checks}.
 */
public final class MemberUpReadiness implements Supplier<CompletionStage<Boolean>> {
    private final Cluster cluster;

    /** pekko-management instantiates checks reflectively with the classic actor system. */
    public MemberUpReadiness(ActorSystem system) {
        this.cluster = Cluster.get(system);
    }

    @Override
    public CompletionStage<Boolean> get() {
        return CompletableFuture.completedFuture(cluster.selfMember().status().equals(MemberStatus.up()));
    }
}
