package io.troupe.node.works;

import io.troupe.booster.client.AttemptIds;
import java.util.BitSet;
import java.util.HashSet;
import java.util.Set;

/**
 * The sub-work ids of one work seen so far. The booster numbers its sub-works ({@code <build id>-<index>}), so those
 * are one bit each: a finished work of 100,000 sub-works keeps about 12 KB here, not megabytes of strings, for as
 * long as {@code /works} keeps it. Any other id is kept as itself.
 */
final class SubWorkIds {

    /** Indexes from here on are kept as strings: a stray huge index must not allocate a huge bit set. */
    static final long MAX_BIT_INDEX = 10_000_000;

    private final String workId;
    private final BitSet indexes = new BitSet();
    private Set<String> others;

    SubWorkIds(String workId) {
        this.workId = workId;
    }

    /** Adds {@code id}; false when it was there already. */
    boolean add(String id) {
        long index = AttemptIds.subWorkIndex(id, workId);
        if (index >= 0 && index < MAX_BIT_INDEX) {
            if (indexes.get((int) index)) {
                return false;
            }
            indexes.set((int) index);
            return true;
        }
        if (others == null) {
            others = new HashSet<>();
        }
        return others.add(id);
    }

    /** How many ids are kept as strings (tests). */
    int othersSize() {
        return others == null ? 0 : others.size();
    }
}
