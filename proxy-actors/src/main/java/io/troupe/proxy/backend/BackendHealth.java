package io.troupe.proxy.backend;

import io.troupe.proxy.route.Backend;
import io.troupe.proxy.route.Backend.BackendId;
import io.troupe.proxy.route.ClusterSpec;
import io.troupe.proxy.route.RouteHolder;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Up/down state of every backend, read on the request hot path. The down set is an immutable snapshot
 * behind one volatile reference (a lookup per pick, no lock); failure counters are per-backend atomics.
 *
 * <p>Passive checking as in BFE: the data plane calls {@link #reportFailure} on connect failures and
 * timeouts and {@link #reportSuccess} when a backend answered. CheckConf.FailNum consecutive failures mark the
 * backend down (unless ClusterBasic.DisableHealthCheck) and wake the cluster's health checker, which probes it
 * until CheckConf.SuccNum probes in a row pass and then marks it up again.
 */
public final class BackendHealth {
    private final RouteHolder routes;
    private final AtomicReference<Set<BackendId>> down = new AtomicReference<>(Set.of());
    private final ConcurrentHashMap<BackendId, AtomicInteger> failures = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<BackendId, AtomicInteger> active = new ConcurrentHashMap<>();
    private volatile Consumer<Backend> downListener = b -> { };

    public BackendHealth(RouteHolder routes) {
        this.routes = routes;
    }

    /** Whether the backend may be picked (not marked down). */
    public boolean isAvailable(Backend b) {
        Set<BackendId> d = down.get();
        return d.isEmpty() || !d.contains(b.id());
    }

    /** The backends currently down (an immutable snapshot). */
    public Set<BackendId> downSnapshot() {
        return down.get();
    }

    /**
     * A request to the backend failed to connect or timed out. Marks it down after FailNum consecutive failures;
     * returns whether this call marked it down.
     */
    public boolean reportFailure(Backend b) {
        ClusterSpec spec = routes.get().cluster(b.cluster());
        if (spec != null && spec.clusterBasic().disableHealthCheck()) {
            return false;
        }
        int failNum = spec == null ? 5 : spec.checkConf().failNum();
        int n = failures.computeIfAbsent(b.id(), k -> new AtomicInteger()).incrementAndGet();
        if (n >= failNum && markDown(b)) {
            downListener.accept(b);
            return true;
        }
        return false;
    }

    /** A request to the backend succeeded: its consecutive failure count starts over. */
    public void reportSuccess(Backend b) {
        AtomicInteger n = failures.get(b.id());
        if (n != null && n.get() != 0) {
            n.set(0);
        }
    }

    /** Consecutive failures counted for the backend since its last success. */
    public int consecutiveFailures(Backend b) {
        AtomicInteger n = failures.get(b.id());
        return n == null ? 0 : n.get();
    }

    /** A request to the backend started (for WLC balancing). */
    public void requestStarted(Backend b) {
        active.computeIfAbsent(b.id(), k -> new AtomicInteger()).incrementAndGet();
    }

    /** A request to the backend finished (for WLC balancing). */
    public void requestFinished(Backend b) {
        AtomicInteger n = active.get(b.id());
        if (n != null) {
            n.decrementAndGet();
        }
    }

    /** Requests in flight to the backend, as reported through {@link #requestStarted}/{@link #requestFinished}. */
    public int activeRequests(Backend b) {
        AtomicInteger n = active.get(b.id());
        return n == null ? 0 : Math.max(0, n.get());
    }

    /** Marks the backend down; returns whether it was up before. */
    public boolean markDown(Backend b) {
        BackendId id = b.id();
        while (true) {
            Set<BackendId> cur = down.get();
            if (cur.contains(id)) {
                return false;
            }
            Set<BackendId> next = new HashSet<>(cur);
            next.add(id);
            if (down.compareAndSet(cur, Set.copyOf(next))) {
                return true;
            }
        }
    }

    /** Marks the backend up and clears its failure count; returns whether it was down before. */
    public boolean markUp(Backend b) {
        BackendId id = b.id();
        AtomicInteger n = failures.get(id);
        if (n != null) {
            n.set(0);
        }
        while (true) {
            Set<BackendId> cur = down.get();
            if (!cur.contains(id)) {
                return false;
            }
            Set<BackendId> next = new HashSet<>(cur);
            next.remove(id);
            if (down.compareAndSet(cur, Set.copyOf(next))) {
                return true;
            }
        }
    }

    /** Forgets backends that are no longer configured (after a reload). */
    public void retain(Collection<Backend> current) {
        Set<BackendId> keep = new HashSet<>();
        current.forEach(b -> keep.add(b.id()));
        failures.keySet().retainAll(keep);
        active.entrySet().removeIf(e -> !keep.contains(e.getKey()) && e.getValue().get() <= 0);
        while (true) {
            Set<BackendId> cur = down.get();
            Set<BackendId> next = new HashSet<>(cur);
            next.retainAll(keep);
            if (next.size() == cur.size() || down.compareAndSet(cur, Set.copyOf(next))) {
                return;
            }
        }
    }

    /** Who to tell when a passive failure marks a backend down (the health checkers). */
    public void setDownListener(Consumer<Backend> listener) {
        this.downListener = listener == null ? b -> { } : listener;
    }
}
