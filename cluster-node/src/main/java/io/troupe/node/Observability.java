package io.troupe.node;

import com.typesafe.config.Config;
import io.troupe.booster.report.WorkReport;
import io.troupe.node.admin.AdminAccess;
import io.troupe.node.metrics.JvmMetrics;
import io.troupe.node.works.WorkRegistry;
import io.troupe.node.works.WorkerMetrics;
import io.troupe.node.works.WorksRoutes;
import java.time.Duration;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * Starts a node's observability parts: the work registry boosters report to, the worker and JVM metrics, and
 * the routes of {@code /works}, {@code /workers} and the dashboard {@code /ui/}.
 */
final class Observability {
    private Observability() {}

    static Route start(ActorSystem<?> system, Config config, NodeSettings settings, AdminAccess access) {
        Duration interval = config.getDuration("troupe.admin.metrics-interval");
        ActorRef<WorkReport.Command> registry = system.systemActorOf(Behaviors.supervise(WorkRegistry.create(
                                config.getInt("troupe.admin.works.keep-finished"),
                                config.getDuration("troupe.admin.works.lost-after")))
                        .onFailure(SupervisorStrategy.restart()), "work-registry", Props.empty());
        system.systemActorOf(JvmMetrics.create(interval), "jvm-metrics", Props.empty());
        if (settings.hasRole(NodeRoles.WORKER)) {
            system.systemActorOf(WorkerMetrics.create(interval), "worker-metrics", Props.empty());
        }
        return new WorksRoutes(system, registry, access).route();
    }
}
