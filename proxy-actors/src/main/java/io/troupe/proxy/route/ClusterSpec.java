package io.troupe.proxy.route;

import io.troupe.api.proxy.Request;
import io.troupe.proxy.backend.BackendHealth;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.commons.codec.digest.MurmurHash3;

/**
 * A routable cluster: its cluster_conf.data settings plus its balancer built from gslb.data and
 * cluster_table.data. Part of an immutable {@link RouteTables} snapshot; the only mutable state is each
 * sub-cluster's smooth-WRR counters, kept per thread so that picking never takes a lock (see
 * {@link SubCluster}).
 *
 * <p>Balancing follows BFE's bal_gslb: a hash key (client IP by default, see HashStrategy) picks the
 * sub-cluster by weight ({@code murmur3(key) mod totalWeight}); if the key is empty a random number is used.
 * Inside the sub-cluster the backend is chosen by smooth weighted round robin (WRR), weighted least
 * connections (WLC), or — with SessionSticky — by the same hash key, skipping unhealthy and excluded backends.
 */
public final class ClusterSpec {
    private final String name;
    private final ClusterConf conf;
    private final List<SubCluster> subClusters;
    private final int totalWeight;
    private final SubCluster single;
    private final List<Backend> backends;
    /** False when no decision reads the hash key (one weighted sub-cluster, no SessionSticky): skip computing it. */
    private final boolean usesHashKey;

    ClusterSpec(ClusterConf conf, Map<String, Integer> weights, Map<String, List<Backend>> table) {
        this.name = conf.name();
        this.conf = conf;
        List<SubCluster> subs = new ArrayList<>();
        List<Backend> all = new ArrayList<>();
        int total = 0;
        int positive = 0;
        SubCluster last = null;
        for (Map.Entry<String, Integer> e : weights.entrySet()) { // sorted by name, as BFE sorts
            List<Backend> bs = table.getOrDefault(e.getKey(), List.of());
            SubCluster sub = new SubCluster(e.getKey(), e.getValue(), GslbData.BLACKHOLE.equals(e.getKey()), bs);
            subs.add(sub);
            all.addAll(bs);
            if (e.getValue() > 0) {
                total += e.getValue();
                positive++;
                last = sub;
            }
        }
        this.subClusters = List.copyOf(subs);
        this.totalWeight = total;
        this.single = positive == 1 ? last : null;
        this.backends = List.copyOf(all);
        this.usesHashKey = single == null || conf.gslbBasic().sessionSticky();
    }

    public String name() {
        return name;
    }

    /** All settings from cluster_conf.data, defaults filled in. */
    public ClusterConf conf() {
        return conf;
    }

    public ClusterConf.BackendConf backendConf() {
        return conf.backendConf();
    }

    public ClusterConf.CheckConf checkConf() {
        return conf.checkConf();
    }

    public ClusterConf.GslbBasic gslbBasic() {
        return conf.gslbBasic();
    }

    public ClusterConf.ClusterBasic clusterBasic() {
        return conf.clusterBasic();
    }

    /** BackendConf.RetryLevel: {@link ClusterConf#RETRY_CONNECT} or {@link ClusterConf#RETRY_GET}. */
    public int retryLevel() {
        return conf.backendConf().retryLevel();
    }

    /**
     * How many backends one request may try in all: 1 + GslbBasic.RetryMax (inside the chosen sub-cluster)
     * + GslbBasic.CrossRetry (in other sub-clusters), as BFE's balancer allows.
     */
    public int maxAttempts() {
        return 1 + conf.gslbBasic().retryMax() + conf.gslbBasic().crossRetry();
    }

    /** Every backend of every sub-cluster named in gslb.data (blackhole has none). */
    public List<Backend> backends() {
        return backends;
    }

    /** Sub-cluster name → gslb weight, sorted by name. */
    public Map<String, Integer> subClusterWeights() {
        Map<String, Integer> m = new LinkedHashMap<>();
        subClusters.forEach(s -> m.put(s.name, s.weight));
        return m;
    }

    /** A backend for a first attempt, or {@code null}; {@link #pickDetailed} says why. */
    public Backend pick(Request req, BackendHealth health, Set<Backend> exclude) {
        return pickDetailed(req, health, exclude, 0).backend();
    }

    /**
     * Chooses a backend. {@code retry} is the number of attempts already made for this request: while it is
     * at most RetryMax the hashed sub-cluster is used (falling over to the others when it has no usable
     * backend and CrossRetry > 0); past RetryMax only the other sub-clusters are tried. Backends in
     * {@code exclude} (already tried) and those {@code health} reports down are skipped.
     */
    public Pick pickDetailed(Request req, BackendHealth health, Set<Backend> exclude, int retry) {
        Set<Backend> skip = exclude == null ? Set.of() : exclude;
        byte[] key = usesHashKey ? hashKey(req) : null;
        SubCluster sub = selectSubCluster(key);
        if (sub == null) {
            return Pick.fail(Pick.Failure.NO_SUB_CLUSTER, null, "cluster " + name + ": no sub-cluster with weight > 0");
        }
        if (sub.blackhole) {
            return Pick.fail(Pick.Failure.BLACKHOLE, sub.name, "cluster " + name + ": gslb chose " + sub.name);
        }
        ClusterConf.GslbBasic g = conf.gslbBasic();
        if (retry <= g.retryMax()) {
            Backend b = sub.balance(this, key, health, skip);
            if (b != null) {
                return Pick.of(b);
            }
        }
        if (g.crossRetry() <= 0) {
            return Pick.fail(Pick.Failure.NO_BACKEND, sub.name, "cluster " + name + ", sub-cluster " + sub.name
                    + ": no healthy backend left (" + sub.backends.length + " configured)");
        }
        List<SubCluster> others = new ArrayList<>();
        for (SubCluster s : subClusters) {
            if (s != sub && s.weight >= 0 && !s.blackhole) {
                others.add(s);
            }
        }
        Collections.shuffle(others, ThreadLocalRandom.current());
        for (SubCluster s : others) {
            Backend b = s.balance(this, key, health, skip);
            if (b != null) {
                return Pick.of(b);
            }
        }
        return Pick.fail(Pick.Failure.NO_BACKEND, sub.name, "cluster " + name
                + ": no healthy backend left in any sub-cluster (cross retry)");
    }

    /** The sub-cluster the key hashes to by weight; the only one when just one has a positive weight. */
    SubCluster selectSubCluster(byte[] key) {
        if (single != null) {
            return single;
        }
        if (totalWeight <= 0) {
            return null;
        }
        int w = hash(key, totalWeight);
        SubCluster chosen = null;
        for (SubCluster s : subClusters) {
            if (s.weight <= 0) {
                continue;
            }
            chosen = s;
            w -= s.weight;
            if (w < 0) {
                break;
            }
        }
        return chosen;
    }

    /** The hash key per HashStrategy; {@code null} means "use a random number". */
    byte[] hashKey(Request req) {
        ClusterConf.GslbBasic g = conf.gslbBasic();
        switch (g.hashStrategy()) {
            case ClusterConf.HASH_CLIENT_ID_ONLY:
                return headerKey(req, g.hashHeader());
            case ClusterConf.HASH_CLIENT_ID_PREFERRED: {
                byte[] k = headerKey(req, g.hashHeader());
                return k != null ? k : clientIp(req);
            }
            case ClusterConf.HASH_REQUEST_URI: {
                String uri = req.uri();
                return uri == null || uri.isEmpty() ? null : uri.getBytes(StandardCharsets.UTF_8);
            }
            default:
                return clientIp(req);
        }
    }

    private static byte[] headerKey(Request req, String header) {
        String v = req.header(header);
        if (v != null && !v.isEmpty()) {
            return v.getBytes(StandardCharsets.UTF_8);
        }
        String cookie = ClusterConf.cookieKey(header);
        if (cookie != null) {
            String c = req.cookie(cookie);
            if (c != null && !c.isEmpty()) {
                return c.getBytes(StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    private static byte[] clientIp(Request req) {
        if (req.session() == null) {
            return null;
        }
        InetSocketAddress a = req.session().clientAddress();
        InetAddress ip = a == null ? null : a.getAddress();
        return ip == null ? null : ip.getAddress();
    }

    /** BFE's GetHash: MurmurHash3 x64 (seed 0, first 64 bits) of the key mod base, or random without a key. */
    static int hash(byte[] key, int base) {
        if (key == null || key.length == 0) {
            return ThreadLocalRandom.current().nextInt(base);
        }
        long h = MurmurHash3.hash128x64(key, 0, key.length, 0)[0];
        return (int) Long.remainderUnsigned(h, base);
    }

    /**
     * One sub-cluster. Its smooth-WRR counters are per thread: each Netty event loop (and any other picking
     * thread) runs its own smooth sequence over the same immutable weights, so no pick takes a lock or
     * retries a CAS. Each thread's sequence is exactly nginx/BFE's ({@code aabacaa} for 5:1:1); with N event
     * loops the interleaving across loops differs from one shared sequence, but every loop hands out backends
     * in proportion to their weights, so the overall distribution is still by weight.
     */
    static final class SubCluster {
        final String name;
        final int weight;
        final boolean blackhole;
        final Backend[] backends;
        // an instance field, not static: a reload builds new sub-clusters and the old counters go with them
        private final ThreadLocal<long[]> current;

        SubCluster(String name, int weight, boolean blackhole, List<Backend> backends) {
            this.name = name;
            this.weight = weight;
            this.blackhole = blackhole;
            this.backends = backends.toArray(new Backend[0]);
            int n = this.backends.length;
            this.current = ThreadLocal.withInitial(() -> new long[n]);
        }

        Backend balance(ClusterSpec spec, byte[] key, BackendHealth health, Set<Backend> skip) {
            if (backends.length == 0) {
                return null;
            }
            ClusterConf.GslbBasic g = spec.conf.gslbBasic();
            if (g.sessionSticky()) {
                return sticky(key, health, skip);
            }
            boolean[] eligible = new boolean[backends.length];
            int count = 0;
            for (int i = 0; i < backends.length; i++) {
                Backend b = backends[i];
                eligible[i] = b.weight() > 0 && (health == null || health.isAvailable(b)) && !skip.contains(b);
                count += eligible[i] ? 1 : 0;
            }
            if (count == 0) {
                return null;
            }
            if ("WLC".equals(g.balanceMode()) && health != null) {
                leastConnections(eligible, health);
            }
            return smooth(eligible);
        }

        /** Keeps only the backends with the fewest in-flight requests per unit of weight (one read per backend). */
        private void leastConnections(boolean[] eligible, BackendHealth health) {
            long[] active = new long[backends.length];
            long bestActive = -1;
            int bestWeight = 1;
            for (int i = 0; i < backends.length; i++) {
                if (!eligible[i]) {
                    continue;
                }
                active[i] = health.activeRequests(backends[i]);
                int w = backends[i].weight();
                if (bestActive < 0 || active[i] * bestWeight < bestActive * w) {
                    bestActive = active[i];
                    bestWeight = w;
                }
            }
            for (int i = 0; i < backends.length; i++) {
                if (eligible[i] && active[i] * bestWeight != bestActive * backends[i].weight()) {
                    eligible[i] = false;
                }
            }
        }

        /** Smooth WRR (nginx/BFE): add each weight, take the largest counter, subtract the total from it. */
        private Backend smooth(boolean[] eligible) {
            long[] current = this.current.get();
            int best = -1;
            long total = 0;
            for (int i = 0; i < backends.length; i++) {
                if (!eligible[i]) {
                    continue;
                }
                current[i] += backends[i].weight();
                total += backends[i].weight();
                if (best < 0 || current[i] > current[best]) {
                    best = i;
                }
            }
            if (best < 0) {
                return null;
            }
            current[best] -= total;
            return backends[best];
        }

        /** Session sticky: the hash key picks among the usable backends by weight, in address order. */
        private Backend sticky(byte[] key, BackendHealth health, Set<Backend> skip) {
            List<Backend> candidates = new ArrayList<>(backends.length);
            int total = 0;
            for (Backend b : backends) {
                if (b.weight() > 0 && (health == null || health.isAvailable(b)) && !skip.contains(b)) {
                    candidates.add(b);
                    total += b.weight();
                }
            }
            if (candidates.isEmpty()) {
                return null;
            }
            int v = hash(key, total);
            for (Backend b : candidates) {
                v -= b.weight();
                if (v < 0) {
                    return b;
                }
            }
            return candidates.get(candidates.size() - 1);
        }
    }
}
