package io.troupe.proxy.forward;

import io.troupe.api.proxy.Request;
import io.troupe.proxy.backend.BackendHealth;
import io.troupe.proxy.route.Backend;
import io.troupe.proxy.route.ClusterConf;
import io.troupe.proxy.route.ClusterSpec;
import io.troupe.proxy.route.RouteDecision;
import io.troupe.proxy.route.RouteHolder;
import io.troupe.proxy.route.RouteTables;
import java.util.HashSet;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * The data plane's view of routing's tables: one {@link RouteTables} snapshot per request (read from the
 * {@link RouteHolder}, no lock, no ask), its cluster settings as a {@link ClusterPolicy}, and health feedback
 * to {@link BackendHealth}.
 */
public final class RouteTablesRouter implements Router {
    private final RouteHolder holder;
    private final BackendHealth health;
    /** Targets of the snapshot last seen, so a request allocates none; replaced when the snapshot changes. */
    private volatile TargetCache targets = new TargetCache(null);

    private record TargetCache(RouteTables tables, java.util.concurrent.ConcurrentHashMap<ClusterSpec, Target> byCluster) {
        TargetCache(RouteTables tables) {
            this(tables, new java.util.concurrent.ConcurrentHashMap<>());
        }
    }

    public RouteTablesRouter(RouteHolder holder, BackendHealth health) {
        this.holder = holder;
        this.health = health;
    }

    @Override
    public Routed route(Request request) {
        RouteTables tables = holder.get();
        RouteDecision d = tables.route(request);
        if (!d.ok()) {
            return Routed.failed(d.product(), switch (d.error()) {
                case NO_PRODUCT -> RouteError.NO_PRODUCT;
                case NO_ROUTE -> RouteError.NO_ROUTE;
                case NO_CLUSTER -> RouteError.NO_CLUSTER;
                case NO_BACKEND -> RouteError.NO_BACKEND;
            });
        }
        ClusterSpec spec = tables.cluster(d.cluster());
        if (spec == null) {
            return Routed.failed(d.product(), RouteError.NO_CLUSTER);
        }
        TargetCache cache = targets;
        if (cache.tables() != tables) {
            cache = new TargetCache(tables);
            targets = cache;
        }
        Target target = cache.byCluster().get(spec);
        if (target == null) {
            // not computeIfAbsent on every request: its lambda captures health, an allocation per call
            target = cache.byCluster().computeIfAbsent(spec, s -> new Target(s, health));
        }
        return target.routed(d);
    }

    /** BFE's BackendConf, GslbBasic and ClusterBasic client timeouts as the forwarder's policy. */
    static ClusterPolicy policyOf(ClusterSpec spec) {
        ClusterConf.BackendConf b = spec.backendConf();
        ClusterConf.ClusterBasic c = spec.clusterBasic();
        return new ClusterPolicy(b.timeoutConnSrvMs(), b.timeoutResponseHeaderMs(), b.maxIdleConnsPerHost(),
                spec.maxAttempts() - 1, b.retryLevel() == ClusterConf.RETRY_GET ? ClusterPolicy.RETRY_GET
                        : ClusterPolicy.RETRY_CONNECT,
                c.timeoutReadClientMs(), c.timeoutWriteClientMs(), c.timeoutReadClientAgainMs());
    }

    private static final class Target implements ClusterTarget {
        private final ClusterSpec spec;
        private final BackendHealth health;
        private final ClusterPolicy policy;
        private final boolean h2c;
        /** The answer last given for this cluster: most requests repeat it, so they allocate none. */
        private volatile Routed lastRouted;
        /** One Upstream per backend of this snapshot, so a pick allocates none (Upstream formats its address). */
        private final java.util.concurrent.ConcurrentHashMap<Backend, Upstream> upstreams =
                new java.util.concurrent.ConcurrentHashMap<>();
        private volatile Upstream lastUpstream;

        Target(ClusterSpec spec, BackendHealth health) {
            this.spec = spec;
            this.health = health;
            this.policy = policyOf(spec);
            this.h2c = "h2c".equals(spec.backendConf().protocol());
        }

        @Override
        public ClusterPolicy policy() {
            return policy;
        }

        @Override
        public Upstream pick(Request request, Set<Upstream> exclude) {
            Set<Backend> skip;
            if (exclude.isEmpty()) {
                skip = Set.of();
            } else {
                skip = new HashSet<>();
                for (Upstream u : exclude) {
                    if (u.key() instanceof Backend b) {
                        skip.add(b);
                    }
                }
            }
            Backend b = spec.pickDetailed(request, health, skip, exclude.size()).backend();
            return b == null ? null : upstream(b);
        }

        private Upstream upstream(Backend b) {
            Upstream u = lastUpstream;
            if (u == null || u.key() != b) {
                u = upstreams.get(b);
                if (u == null) {
                    u = upstreams.computeIfAbsent(b, k -> new Upstream(k.host(), k.port(), k, spec.conf().https(), h2c));
                }
                lastUpstream = u;
            }
            return u;
        }

        Routed routed(RouteDecision d) {
            Routed r = lastRouted;
            if (r == null || !r.product().equals(d.product()) || !r.cluster().equals(d.cluster())) {
                r = new Routed(d.product(), d.cluster(), null, this);
                lastRouted = r;
            }
            return r;
        }
    }

    @Override
    public void reportSuccess(Upstream upstream) {
        tell(upstream, BackendHealth::reportSuccess);
    }

    @Override
    public void reportFailure(Upstream upstream) {
        tell(upstream, BackendHealth::reportFailure);
    }

    @Override
    public void requestStarted(Upstream upstream) {
        tell(upstream, BackendHealth::requestStarted);
    }

    @Override
    public void requestFinished(Upstream upstream) {
        tell(upstream, BackendHealth::requestFinished);
    }

    /** Feeds back to health only upstreams this router made (their key is a {@link Backend}). */
    private void tell(Upstream upstream, BiConsumer<BackendHealth, Backend> event) {
        // the events are unbound method references, so a request allocates nothing here
        if (upstream.key() instanceof Backend b) {
            event.accept(health, b);
        }
    }
}
