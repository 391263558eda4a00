package io.troupe.booster.downing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.pekko.cluster.UniqueAddress;

/**
 * Which members to down, from the members and the failure detectors' observations: keep-majority counted over
 * cluster nodes (members with the counting role), with boosters (every other member) left out of the decision.
 *
 * <p>Only observations made by nodes count. A booster's failure detector, on a laptop's Wi-Fi or in a booster
 * too busy to answer while it leaves, can neither make a node unreachable nor keep the cluster "unstable"; a
 * booster that a node sees unreachable is downed after {@code boosterGrace}, by itself, without touching the
 * nodes' decision. For the nodes it decides as Pekko's split-brain resolver's keep-majority does: once the set
 * of unreachable nodes has not changed for {@code stableAfter}, the side with more counted nodes (Up or
 * Leaving) downs the other; on a tie the side holding the lowest address wins; a side that loses downs
 * itself. If that set keeps changing for {@code stableAfter + downAllWhenUnstable} after it first became
 * non-empty, every member is downed, as the resolver does on an unstable network.
 *
 * <p>Only the decider acts: the node with the lowest address among the counted nodes this member sees
 * reachable. Pure and single-threaded; times are {@link System#nanoTime()} values passed in.
 */
final class NodeMajority {

    /** A member's status, as far as this decision needs it. */
    enum Status { JOINING, UP, LEAVING, EXITING, DOWN }

    /** One member: {@code node} when it carries the counting role. */
    record Member(UniqueAddress address, boolean node, Status status) {}

    /** {@code observer}'s failure detector finds {@code subject} unreachable (or terminated). */
    record Observation(UniqueAddress observer, UniqueAddress subject) {}

    /** Members to down now, and why (for the log). Empty: nothing to do. */
    record Decision(List<UniqueAddress> down, String why) {
        static final Decision NONE = new Decision(List.of(), "");

        boolean isEmpty() {
            return down.isEmpty();
        }
    }

    private final UniqueAddress self;
    private final long stableAfterNanos;
    /** negative: never down all */
    private final long downAllAfterNanos;
    private final long boosterGraceNanos;

    private Map<UniqueAddress, Member> members = Map.of();
    private Set<UniqueAddress> unreachableNodes = Set.of();
    /** when the set of unreachable nodes (or the nodes) last changed */
    private long lastChange;
    /** whether some node is unreachable, and since when (this episode's first change) */
    private boolean unstable;
    private long unstableSince;
    private final Map<UniqueAddress, Long> boostersUnreachableSince = new HashMap<>();
    /** downs already asked for: each is asked once until the member's status shows it */
    private final Set<UniqueAddress> downed = new HashSet<>();

    /**
     * @param downAllWhenUnstable how long past stableAfter a changing set of unreachable nodes is tolerated;
     *     null never downs all
     */
    NodeMajority(UniqueAddress self, Duration stableAfter, Duration downAllWhenUnstable, Duration boosterGrace,
            long now) {
        this.self = self;
        this.stableAfterNanos = stableAfter.toNanos();
        this.downAllAfterNanos = downAllWhenUnstable == null ? -1 : stableAfter.plus(downAllWhenUnstable).toNanos();
        this.boosterGraceNanos = boosterGrace.toNanos();
        this.lastChange = now;
    }

    /** Takes the current members and the current unreachable observations (any observer). */
    void update(Collection<Member> current, Collection<Observation> observations, long now) {
        Map<UniqueAddress, Member> byAddress = new HashMap<>();
        current.forEach(member -> byAddress.put(member.address(), member));
        Set<UniqueAddress> nodes = new HashSet<>();
        Set<UniqueAddress> boosters = new HashSet<>();
        for (Observation seen : observations) {
            Member observer = byAddress.get(seen.observer());
            Member subject = byAddress.get(seen.subject());
            if (observer == null || !observer.node() || subject == null || subject.status() == Status.DOWN
                    || subject.status() == Status.EXITING) {
                continue; // a booster's view, or a member the leader removes anyway
            }
            (subject.node() ? nodes : boosters).add(subject.address());
        }
        boolean nodesChanged = !nodes.equals(unreachableNodes) || !nodeSet(byAddress).equals(nodeSet(members));
        if (nodesChanged) {
            lastChange = now;
            if (nodes.isEmpty()) {
                unstable = false;
            } else if (!unstable) {
                unstable = true;
                unstableSince = now;
            }
        }
        members = byAddress;
        unreachableNodes = nodes;
        boostersUnreachableSince.keySet().retainAll(boosters);
        boosters.forEach(booster -> boostersUnreachableSince.putIfAbsent(booster, now));
        downed.removeIf(address -> !byAddress.containsKey(address));
    }

    /** What to down now; empty unless this member is the decider and something is due. */
    Decision decide(long now) {
        if (!isDecider()) {
            return Decision.NONE;
        }
        List<UniqueAddress> down = new ArrayList<>();
        String why = "";
        if (!unreachableNodes.isEmpty()) {
            if (downAllAfterNanos >= 0 && now - unstableSince >= downAllAfterNanos && now - lastChange < stableAfterNanos) {
                down.addAll(sideOrdered(members.keySet()));
                why = "the unreachable nodes kept changing for " + millis(now - unstableSince)
                        + " ms (stable-after + down-all-when-unstable): downing every member";
            } else if (now - lastChange >= stableAfterNanos) {
                Set<UniqueAddress> reachable = counted(false);
                Set<UniqueAddress> unreachable = counted(true);
                TreeSet<UniqueAddress> all = new TreeSet<>(reachable);
                all.addAll(unreachable);
                boolean keep = reachable.size() > unreachable.size()
                        || reachable.size() == unreachable.size() && reachable.contains(all.first());
                if (keep) {
                    down.addAll(sideOrdered(unreachableNodes));
                    why = "keep-majority over nodes: " + reachable.size() + " reachable, " + unreachable.size()
                            + " unreachable for " + millis(now - lastChange) + " ms; downing the unreachable";
                } else {
                    Set<UniqueAddress> ours = new HashSet<>(members.keySet());
                    ours.removeAll(unreachableNodes);
                    down.addAll(sideOrdered(ours));
                    why = "keep-majority over nodes: this side has " + reachable.size() + " of "
                            + (reachable.size() + unreachable.size()) + " nodes and loses; downing this side";
                }
            }
        }
        List<UniqueAddress> boosters = new ArrayList<>();
        boostersUnreachableSince.forEach((booster, since) -> {
            if (now - since >= boosterGraceNanos && !down.contains(booster)) {
                boosters.add(booster);
            }
        });
        if (!boosters.isEmpty()) {
            boosters.sort(null);
            down.addAll(0, boosters);
            why = (why.isEmpty() ? "" : why + "; ") + "booster(s) unreachable for " + millis(boosterGraceNanos)
                    + " ms or more";
        }
        down.removeIf(address -> downed.contains(address) || isDown(address));
        if (down.isEmpty()) {
            return Decision.NONE;
        }
        downed.addAll(down);
        return new Decision(List.copyOf(down), why);
    }

    /** The nodes seen unreachable by nodes (tests, logs). */
    Set<UniqueAddress> unreachableNodes() {
        return Set.copyOf(unreachableNodes);
    }

    /** Whether this member decides: it is the lowest counted node it sees reachable. */
    boolean isDecider() {
        Member me = members.get(self);
        if (me == null || !me.node() || !isCounted(me) || unreachableNodes.contains(self)) {
            return false;
        }
        return counted(false).stream().allMatch(other -> self.compareTo(other) <= 0);
    }

    private Set<UniqueAddress> counted(boolean unreachable) {
        Set<UniqueAddress> result = new HashSet<>();
        for (Member member : members.values()) {
            if (member.node() && isCounted(member) && unreachableNodes.contains(member.address()) == unreachable) {
                result.add(member.address());
            }
        }
        return result;
    }

    private static boolean isCounted(Member member) {
        return member.status() == Status.UP || member.status() == Status.LEAVING;
    }

    private boolean isDown(UniqueAddress address) {
        Member member = members.get(address);
        return member == null || member.status() == Status.DOWN;
    }

    /** In address order, this member last: it stops serving once it is down, so it downs the others first. */
    private List<UniqueAddress> sideOrdered(Set<UniqueAddress> side) {
        List<UniqueAddress> ordered = new ArrayList<>(new TreeSet<>(side));
        if (ordered.remove(self)) {
            ordered.add(self);
        }
        return ordered;
    }

    private static Set<UniqueAddress> nodeSet(Map<UniqueAddress, Member> members) {
        Set<UniqueAddress> nodes = new LinkedHashSet<>();
        members.values().stream().filter(Member::node).forEach(member -> nodes.add(member.address()));
        return nodes;
    }

    private static long millis(long nanos) {
        return Duration.ofNanos(nanos).toMillis();
    }
}
