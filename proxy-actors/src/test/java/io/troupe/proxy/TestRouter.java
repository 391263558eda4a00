package io.troupe.proxy;

import io.troupe.api.proxy.Request;
import io.troupe.proxy.forward.ClusterPolicy;
import io.troupe.proxy.forward.Router;
import io.troupe.proxy.forward.Upstream;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A tiny route source for data-plane tests: Host (port stripped) → cluster of the same name, round robin
 * over its instances in list order. Records health reports.
 */
public final class TestRouter implements Router {
    private final Map<String, List<Upstream>> clusters = new ConcurrentHashMap<>();
    private final Map<String, ClusterPolicy> policies = new ConcurrentHashMap<>();
    private final AtomicInteger rr = new AtomicInteger();
    public final List<Upstream> failures = new CopyOnWriteArrayList<>();
    public final List<Upstream> successes = new CopyOnWriteArrayList<>();
    public volatile String noRouteHost = "noroute.test";
    /** How many times the proxy asked for a route. */
    public final AtomicInteger routes = new AtomicInteger();

    public TestRouter cluster(String host, ClusterPolicy policy, int... ports) {
        List<Upstream> ups = new CopyOnWriteArrayList<>();
        for (int p : ports) {
            ups.add(new Upstream("127.0.0.1", p, null));
        }
        clusters.put(host, ups);
        policies.put(host, policy);
        return this;
    }

    @Override
    public Routed route(Request request) {
        routes.incrementAndGet();
        String host = request.host();
        int colon = host.lastIndexOf(':');
        if (colon > 0) {
            host = host.substring(0, colon);
        }
        if (host.equals(noRouteHost)) {
            return Routed.failed("p", RouteError.NO_ROUTE);
        }
        List<Upstream> ups = clusters.get(host);
        if (ups == null) {
            return Routed.failed(null, RouteError.NO_PRODUCT);
        }
        ClusterPolicy policy = policies.get(host);
        ClusterTarget t = new ClusterTarget() {
            @Override
            public ClusterPolicy policy() {
                return policy;
            }

            @Override
            public Upstream pick(Request r, Set<Upstream> exclude) {
                int n = ups.size();
                int start = Math.floorMod(rr.getAndIncrement(), Math.max(n, 1));
                for (int i = 0; i < n; i++) {
                    Upstream u = ups.get((start + i) % n);
                    if (!exclude.contains(u)) {
                        return u;
                    }
                }
                return null;
            }
        };
        return new Routed("product-" + host, host, null, t);
    }

    @Override
    public void reportSuccess(Upstream upstream) {
        successes.add(upstream);
    }

    @Override
    public void reportFailure(Upstream upstream) {
        failures.add(upstream);
    }
}
