package io.troupe.proxy.forward;

import io.troupe.api.proxy.Request;
import java.util.Set;

/**
 * What the data plane needs from routing: a decision per request, read from an immutable snapshot, and the
 * passive health feedback. Implementations must not block or message actors.
 */
public interface Router {

    /** Routes a request (host → product → cluster) on the current tables snapshot. */
    Routed route(Request request);

    /** The backend answered; clears its passive failure count. */
    void reportSuccess(Upstream upstream);

    /** The backend failed (connect error, reset, timeout). */
    void reportFailure(Upstream upstream);

    /** A request is now in flight to the backend (least-connections balancing). */
    default void requestStarted(Upstream upstream) {}

    /** That request ended, however it ended. */
    default void requestFinished(Upstream upstream) {}

    /** Why a request could not be routed; each kind answers 500 as BFE does and is counted. */
    enum RouteError { NO_PRODUCT, NO_ROUTE, NO_CLUSTER, NO_BACKEND }

    /**
     * A routing decision. {@code target} is bound to the snapshot the decision was made on, so retries
     * of one request keep using the tables it started with.
     */
    record Routed(String product, String cluster, RouteError error, ClusterTarget target) {
        public static Routed failed(String product, RouteError error) {
            return new Routed(product, null, error, null);
        }
    }

    /** A cluster of one snapshot: its forwarding policy and its balancer. */
    interface ClusterTarget {
        ClusterPolicy policy();

        /** Picks an instance not in {@code exclude}, or {@code null} when none is left. */
        Upstream pick(Request request, Set<Upstream> exclude);
    }
}
