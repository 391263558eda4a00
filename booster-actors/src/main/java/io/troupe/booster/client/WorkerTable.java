package io.troupe.booster.client;

import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The bookkeeping of {@link WorkerDirectory}: which workers exist, their free slots (last load report,
 * minus what this booster sent since), per-sub-work bans and health.
 *
 * @param <W> how a worker is identified (the actor uses its ActorRef)
 */
final class WorkerTable<W> {

    private static final class Entry {
        boolean known;
        int free;
        int queueSize;
        int slots;
        /** this booster's sub-works on it now, for {@code -l/--limit} */
        int mine;
        int errors;
        boolean healthy = true;
        long lastChosen;
        Set<String> toolchains = Set.of();
        /** its last load report said it drains (its node shuts down) */
        boolean draining;
        /** its cluster member is Leaving or Exiting */
        boolean leaving;
        /** the highest {@code freed} of its loads so far: how many of its runs' ends this booster knows of */
        long freed;
    }

    /** Why {@link #choose} found nobody, or who it chose. */
    record Choice<W>(Optional<W> worker, String reason) {}

    private final Map<W, Entry> workers = new LinkedHashMap<>();
    private final Map<String, Set<W>> bans = new HashMap<>();
    private final int unhealthyAfter;
    private final int limit;
    private long tick;

    WorkerTable(int unhealthyAfter) {
        this(unhealthyAfter, 0);
    }

    /** @param limit most sub-works of this booster on one worker at once, TBS {@code -l} (0 = its free slots) */
    WorkerTable(int unhealthyAfter, int limit) {
        this.unhealthyAfter = Math.max(1, unhealthyAfter);
        this.limit = Math.max(0, limit);
    }

    /** The Receptionist listing changed: keep state of workers still listed, add new ones. */
    void setMembers(Set<W> listed) {
        workers.keySet().retainAll(listed);
        for (W w : listed) {
            workers.computeIfAbsent(w, k -> new Entry());
        }
        bans.values().forEach(set -> set.retainAll(listed));
    }

    Set<W> members() {
        return workers.keySet();
    }

    /**
     * A load report (or any answer) arrived: the worker is healthy again. The report cannot count this
     * booster's sub-works still on their way to the worker, so the estimate never rises above the slots this
     * booster's own sub-works there leave: a report would otherwise make a worker look freer than it is and
     * draw more than its share. Nor can a report count the runs that ended after it was composed: a poll's
     * answer that left the worker before a run's answer can arrive after it, and would hide the slot that run
     * freed until the next poll. {@code freed} (the worker's count of ends) says which ends a report missed;
     * each gave back a slot.
     */
    void reported(W worker, int slots, int free, int queueSize, long freed) {
        Entry e = workers.get(worker);
        if (e == null) {
            return;
        }
        long missed = e.freed - freed;
        if (missed < 0 || missed > (long) slots + Math.max(0, queueSize)) {
            e.freed = freed; // newer; or so far behind that the worker's executor started again and counts anew
            missed = 0;
        }
        e.known = true;
        e.slots = slots;
        e.free = (int) Math.min(free + missed, slots - e.mine);
        e.queueSize = queueSize;
        e.errors = 0;
        e.healthy = true;
    }

    /** The toolchain keys a worker reported holding. */
    void toolchains(W worker, Collection<String> keys) {
        Entry e = workers.get(worker);
        if (e != null) {
            e.toolchains = Set.copyOf(keys);
        }
    }

    /** A worker holds {@code key} from now on (a toolchain was shipped to it), before its next load report says so. */
    void addToolchain(W worker, String key) {
        Entry e = workers.get(worker);
        if (e != null && !e.toolchains.contains(key)) {
            Set<String> keys = new java.util.HashSet<>(e.toolchains);
            keys.add(key);
            e.toolchains = Set.copyOf(keys);
        }
    }

    /** Usable workers that have reported their toolchains and lack some of {@code keys}. */
    List<W> lacking(Set<String> keys) {
        List<W> found = new java.util.ArrayList<>();
        workers.forEach((worker, e) -> {
            if (usable(e) && !e.toolchains.containsAll(keys)) {
                found.add(worker);
            }
        });
        return found;
    }

    /** Whether the worker's last load report said it is draining: then it is not chosen. */
    void draining(W worker, boolean draining) {
        Entry e = workers.get(worker);
        if (e != null) {
            e.draining = draining;
        }
    }

    /** The worker's cluster member is Leaving or Exiting (or no longer): then it is not chosen. */
    void leaving(W worker, boolean leaving) {
        Entry e = workers.get(worker);
        if (e != null) {
            e.leaving = leaving;
        }
    }

    /** No answer, death or timeout: counts toward unhealthy. */
    void networkError(W worker) {
        Entry e = workers.get(worker);
        if (e != null && ++e.errors >= unhealthyAfter) {
            e.healthy = false;
        }
    }

    boolean healthy(W worker) {
        Entry e = workers.get(worker);
        return e != null && e.healthy;
    }

    /** Never offer {@code worker} to sub-work {@code subWorkId} again. */
    void ban(String subWorkId, W worker) {
        bans.computeIfAbsent(subWorkId, k -> new HashSet<>()).add(worker);
    }

    /** The sub-work finished: drop its bans. */
    void forget(String subWorkId) {
        bans.remove(subWorkId);
    }

    /** A sub-work was sent to / came back from the worker: adjust the free estimate until the next report. */
    void reserve(W worker) {
        Entry e = workers.get(worker);
        if (e != null) {
            e.free--;
            e.mine++;
        }
    }

    void unreserve(W worker) {
        Entry e = workers.get(worker);
        if (e != null) {
            e.free++;
            e.mine = Math.max(0, e.mine - 1);
        }
    }

    /**
     * The worker with the most free slots among those known, healthy, reachable and not banned for this
     * sub-work; a worker whose queue would overflow is skipped. Ties go to the one chosen longest ago.
     */
    Choice<W> choose(String subWorkId, Predicate<W> reachable) {
        return choose(subWorkId, reachable, w -> 0, Long.MAX_VALUE);
    }

    /**
     * As {@link #choose(String, Predicate)}, but a worker with a free slot that already holds at least
     * {@code minAffinity} bytes of the sub-work's inputs ({@code affinity}) wins, the one holding most first:
     * it saves sending them.
     */
    Choice<W> choose(String subWorkId, Predicate<W> reachable, java.util.function.ToLongFunction<W> affinity,
            long minAffinity) {
        if (workers.isEmpty()) {
            return new Choice<>(Optional.empty(), "no workers registered in the cluster");
        }
        Set<W> banned = bans.getOrDefault(subWorkId, Set.of());
        W best = null;
        Entry bestEntry = null;
        W holder = null;
        Entry holderEntry = null;
        long holderBytes = 0;
        int skippedBanned = 0;
        int skippedUnhealthy = 0;
        int skippedUnreachable = 0;
        int skippedFull = 0;
        int skippedLeaving = 0;
        int unknown = 0;
        for (Map.Entry<W, Entry> candidate : workers.entrySet()) {
            Entry e = candidate.getValue();
            if (banned.contains(candidate.getKey())) {
                skippedBanned++;
            } else if (!e.known) {
                unknown++;
            } else if (e.draining || e.leaving) {
                skippedLeaving++;
            } else if (!e.healthy) {
                skippedUnhealthy++;
            } else if (!reachable.test(candidate.getKey())) {
                skippedUnreachable++;
            } else if (e.free <= -e.queueSize || (limit > 0 && e.mine >= limit)) {
                skippedFull++;
            } else {
                if (bestEntry == null || e.free > bestEntry.free
                        || (e.free == bestEntry.free && e.lastChosen < bestEntry.lastChosen)) {
                    best = candidate.getKey();
                    bestEntry = e;
                }
                long bytes = e.free > 0 && minAffinity != Long.MAX_VALUE ? affinity.applyAsLong(candidate.getKey()) : 0;
                if (bytes >= minAffinity && bytes > 0 && (bytes > holderBytes
                        || (bytes == holderBytes && holderEntry != null && e.free > holderEntry.free))) {
                    holder = candidate.getKey();
                    holderEntry = e;
                    holderBytes = bytes;
                }
            }
        }
        if (holder != null) {
            best = holder;
            bestEntry = holderEntry;
        }
        if (best == null) {
            return new Choice<>(Optional.empty(), "no usable worker among " + workers.size() + ": " + skippedBanned
                    + " already failed this sub-work, " + skippedUnhealthy + " unhealthy, " + skippedUnreachable
                    + " unreachable, " + skippedFull + " busy, " + unknown + " not reporting yet"
                    + (skippedLeaving > 0 ? ", " + skippedLeaving + " leaving the cluster" : ""));
        }
        bestEntry.lastChosen = ++tick;
        return new Choice<>(Optional.of(best), "");
    }

    /**
     * Like {@link #choose(String, Predicate)}, among the workers that reported every toolchain key in
     * {@code toolchains}. When every worker has reported and none holds them, the reason starts with
     * {@link WorkerDirectory#TOOLCHAIN_MISMATCH}; a worker that has not reported yet might still hold them.
     */
    Choice<W> choose(String subWorkId, Predicate<W> reachable, Set<String> toolchains) {
        return choose(subWorkId, reachable, toolchains, w -> 0, Long.MAX_VALUE);
    }

    /** Both filters at once: the toolchain keys of {@link #choose(String, Predicate, Set)}, then input affinity. */
    Choice<W> choose(String subWorkId, Predicate<W> reachable, Set<String> toolchains,
            java.util.function.ToLongFunction<W> affinity, long minAffinity) {
        if (toolchains.isEmpty()) {
            return choose(subWorkId, reachable, affinity, minAffinity);
        }
        long holders = workers.values().stream().filter(e -> e.toolchains.containsAll(toolchains)).count();
        if (!workers.isEmpty() && holders == 0 && workers.values().stream().allMatch(e -> e.known)) {
            return new Choice<>(Optional.empty(), WorkerDirectory.TOOLCHAIN_MISMATCH + ": none of the " + workers.size()
                    + " workers holds toolchain " + String.join(", ", toolchains));
        }
        Choice<W> choice = choose(subWorkId, worker -> reachable.test(worker) && holds(worker, toolchains),
                affinity, minAffinity);
        long lacking = workers.size() - holders;
        if (choice.worker().isPresent() || lacking == 0) {
            return choice;
        }
        return new Choice<>(Optional.empty(), choice.reason() + " (" + lacking + " of them without the toolchain,"
                + " counted as unreachable)");
    }

    private static boolean usable(Entry e) {
        return e.known && e.healthy && !e.draining && !e.leaving;
    }

    private boolean holds(W worker, Set<String> toolchains) {
        Entry e = workers.get(worker);
        return e != null && e.toolchains.containsAll(toolchains);
    }

    /** Whether this booster counts a free slot on {@code worker} (a sub-work sent there now would start at once). */
    boolean slotFree(W worker) {
        Entry e = workers.get(worker);
        return e != null && e.free > 0;
    }

    /**
     * Whether all of {@code worker}'s slots are taken by this booster's own sub-works: then this booster hears
     * of the next one to free from its answer, at once, where another booster's run ends unseen until a load report.
     */
    boolean takenByThisBooster(W worker) {
        Entry e = workers.get(worker);
        return e != null && e.mine >= e.slots;
    }

    /** Whether some usable worker has a free slot. */
    boolean anySlotFree() {
        return workers.values().stream().anyMatch(e -> usable(e) && e.free > 0 && (limit == 0 || e.mine < limit));
    }

    /** How many sub-works the usable workers' queues take in all: as many may wait for a slot. */
    int queueRoom() {
        return workers.values().stream().filter(WorkerTable::usable).mapToInt(e -> Math.max(0, e.queueSize)).sum();
    }

    /** Workers that reported, are healthy and are not leaving. */
    int usableWorkers() {
        return (int) workers.values().stream().filter(WorkerTable::usable).count();
    }

    /** Slots of the workers that reported, are healthy and are not leaving, without the per-worker limit. */
    int uncappedSlots() {
        return workers.values().stream().filter(WorkerTable::usable).mapToInt(e -> e.slots).sum();
    }

    /** Total slots of the workers that reported, are healthy and are not leaving. */
    int totalSlots() {
        return workers.values().stream().filter(WorkerTable::usable)
                .mapToInt(e -> limit > 0 ? Math.min(e.slots, limit) : e.slots).sum();
    }
}
