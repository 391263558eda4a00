package io.troupe.booster.client;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The bookkeeping of {@link LocalSlots}: each kind (pre, exe, post) is its own pool of weighted slots, as
 * in TBS, so local pre-processing for remote sub-works never waits behind local executions. Within a pool,
 * requests are granted strictly in arrival order so a heavy request is never starved by light ones.
 *
 * @param <T> what a waiter is (the actor keeps its request)
 */
final class SlotTable<T> {

    /** A granted lease. */
    record Lease<T>(long id, LocalSlots.Kind kind, int weight, T holder) {}

    private record Waiter<T>(LocalSlots.Kind kind, int weight, T holder) {}

    private final Map<LocalSlots.Kind, Integer> limits = new EnumMap<>(LocalSlots.Kind.class);
    private final Map<LocalSlots.Kind, Integer> used = new EnumMap<>(LocalSlots.Kind.class);
    private final Map<LocalSlots.Kind, LinkedList<Waiter<T>>> waiting = new EnumMap<>(LocalSlots.Kind.class);
    private final Map<Long, Lease<T>> leases = new HashMap<>();
    private long nextId = 1;

    /**
     * @param total the size of every pool unless {@code limits} names another
     * @param limits per-kind pool sizes
     */
    SlotTable(int total, Map<LocalSlots.Kind, Integer> limits) {
        if (total < 1) {
            throw new IllegalArgumentException("local slot total must be at least 1, got " + total);
        }
        for (LocalSlots.Kind kind : LocalSlots.Kind.values()) {
            this.limits.put(kind, Math.max(1, limits.getOrDefault(kind, total)));
            used.put(kind, 0);
            waiting.put(kind, new LinkedList<>());
        }
    }

    /** Size of the EXE pool (what {@code --max_local_total_jobs} sets). */
    int total() {
        return limits.get(LocalSlots.Kind.EXE);
    }

    int used() {
        return used.values().stream().mapToInt(Integer::intValue).sum();
    }

    int used(LocalSlots.Kind kind) {
        return used.get(kind);
    }

    int waiting() {
        return waiting.values().stream().mapToInt(List::size).sum();
    }

    /** The weight actually charged: at least 1, at most the kind's pool (else it could never be granted). */
    int effectiveWeight(LocalSlots.Kind kind, int weight) {
        return Math.max(1, Math.min(weight, limits.get(kind)));
    }

    /** Queues a request; returns the leases that became grantable (this one, if it fits now). */
    List<Lease<T>> request(LocalSlots.Kind kind, int weight, T holder) {
        waiting.get(kind).add(new Waiter<>(kind, effectiveWeight(kind, weight), holder));
        return grant(kind);
    }

    /** Returns a lease; returns the leases granted in its place. Unknown ids are ignored. */
    List<Lease<T>> release(long id) {
        Lease<T> lease = leases.remove(id);
        if (lease == null) {
            return List.of();
        }
        used.merge(lease.kind(), -lease.weight(), Integer::sum);
        return grant(lease.kind());
    }

    /** Drops every lease and waiting request whose holder {@code belongs} (it died); returns leases granted in their place. */
    /** Takes a holder's waiting requests for {@code kind} out of the queue (its leases stay); returns who is granted now. */
    List<Lease<T>> withdraw(LocalSlots.Kind kind, Predicate<T> belongs) {
        waiting.get(kind).removeIf(w -> belongs.test(w.holder()));
        return grant(kind);
    }

    List<Lease<T>> dropHolder(Predicate<T> belongs) {
        waiting.values().forEach(queue -> queue.removeIf(w -> belongs.test(w.holder())));
        List<Long> ids = new ArrayList<>();
        leases.values().stream().filter(l -> belongs.test(l.holder())).forEach(l -> ids.add(l.id()));
        List<Lease<T>> granted = new ArrayList<>();
        for (Long id : ids) {
            granted.addAll(release(id));
        }
        for (LocalSlots.Kind kind : LocalSlots.Kind.values()) {
            granted.addAll(grant(kind));
        }
        return granted;
    }

    private List<Lease<T>> grant(LocalSlots.Kind kind) {
        List<Lease<T>> granted = new ArrayList<>();
        Iterator<Waiter<T>> it = waiting.get(kind).iterator();
        while (it.hasNext()) {
            Waiter<T> head = it.next();
            if (used.get(kind) + head.weight() > limits.get(kind)) {
                break; // strict arrival order
            }
            it.remove();
            Lease<T> lease = new Lease<>(nextId++, kind, head.weight(), head.holder());
            leases.put(lease.id(), lease);
            used.merge(kind, head.weight(), Integer::sum);
            granted.add(lease);
        }
        return granted;
    }
}
