package io.troupe.booster.work;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;

/**
 * The bookkeeping of {@link LocalSlots}: weighted leases out of one total, each kind (pre, exe, post) also
 * under its own limit, granted strictly in arrival order so a heavy request is never starved by light ones.
 *
 * @param <T> what a waiter is (the actor keeps its request)
 */
final class SlotTable<T> {

    /** A granted lease. */
    record Lease<T>(long id, LocalSlots.Kind kind, int weight, T holder) {}

    private record Waiter<T>(LocalSlots.Kind kind, int weight, T holder) {}

    private final int total;
    private final Map<LocalSlots.Kind, Integer> limits;
    private final Map<LocalSlots.Kind, Integer> usedByKind = new EnumMap<>(LocalSlots.Kind.class);
    private final LinkedList<Waiter<T>> waiting = new LinkedList<>();
    private final Map<Long, Lease<T>> leases = new java.util.HashMap<>();
    private int used;
    private long nextId = 1;

    SlotTable(int total, Map<LocalSlots.Kind, Integer> limits) {
        if (total < 1) {
            throw new IllegalArgumentException("local slot total must be at least 1, got " + total);
        }
        this.total = total;
        this.limits = new EnumMap<>(LocalSlots.Kind.class);
        for (LocalSlots.Kind kind : LocalSlots.Kind.values()) {
            int limit = limits.getOrDefault(kind, total);
            this.limits.put(kind, Math.max(1, Math.min(limit, total)));
            usedByKind.put(kind, 0);
        }
    }

    int total() {
        return total;
    }

    int used() {
        return used;
    }

    int waiting() {
        return waiting.size();
    }

    /** The weight actually charged: at least 1, at most what the kind may ever hold. */
    int effectiveWeight(LocalSlots.Kind kind, int weight) {
        return Math.max(1, Math.min(weight, limits.get(kind)));
    }

    /** Queues a request; returns the leases that became grantable (this one, if it fits now). */
    List<Lease<T>> request(LocalSlots.Kind kind, int weight, T holder) {
        waiting.add(new Waiter<>(kind, effectiveWeight(kind, weight), holder));
        return grant();
    }

    /** Returns a lease; returns the leases granted in its place. Unknown ids are ignored. */
    List<Lease<T>> release(long id) {
        Lease<T> lease = leases.remove(id);
        if (lease == null) {
            return List.of();
        }
        used -= lease.weight();
        usedByKind.merge(lease.kind(), -lease.weight(), Integer::sum);
        return grant();
    }

    /** Drops every lease and waiting request whose holder {@code belongs} (it died); returns leases granted in their place. */
    List<Lease<T>> dropHolder(java.util.function.Predicate<T> belongs) {
        waiting.removeIf(w -> belongs.test(w.holder()));
        List<Long> ids = new ArrayList<>();
        leases.values().stream().filter(l -> belongs.test(l.holder())).forEach(l -> ids.add(l.id()));
        List<Lease<T>> granted = new ArrayList<>();
        for (Long id : ids) {
            granted.addAll(release(id));
        }
        granted.addAll(grant());
        return granted;
    }

    private List<Lease<T>> grant() {
        List<Lease<T>> granted = new ArrayList<>();
        Iterator<Waiter<T>> it = waiting.iterator();
        while (it.hasNext()) {
            Waiter<T> head = it.next();
            boolean fits = used + head.weight() <= total
                    && usedByKind.get(head.kind()) + head.weight() <= limits.get(head.kind());
            if (!fits) {
                break; // strict arrival order
            }
            it.remove();
            Lease<T> lease = new Lease<>(nextId++, head.kind(), head.weight(), head.holder());
            leases.put(lease.id(), lease);
            used += head.weight();
            usedByKind.merge(head.kind(), head.weight(), Integer::sum);
            granted.add(lease);
        }
        return granted;
    }
}
