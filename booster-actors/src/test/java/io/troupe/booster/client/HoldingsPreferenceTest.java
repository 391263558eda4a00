package io.troupe.booster.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.troupe.booster.cas.Holdings;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The booster sends a sub-work where its inputs already are, when that worker has a free slot. */
class HoldingsPreferenceTest {

    private static final long MIB = 1 << 20;

    @Test
    void holdingsAreBoundedPerWorker() {
        Holdings<String> holdings = new Holdings<>(2);
        holdings.held("w", Map.of("d1", 10L));
        holdings.held("w", Map.of("d2", 20L));
        assertEquals(30, holdings.bytesHeld("w", Map.of("d1", 10L, "d2", 20L, "d3", 5L)));
        holdings.held("w", Map.of("d3", 5L)); // d1 is the least recently used: forgotten
        assertEquals(25, holdings.bytesHeld("w", Map.of("d1", 10L, "d2", 20L, "d3", 5L)));
        holdings.forget("w");
        assertEquals(0, holdings.bytesHeld("w", Map.of("d2", 20L)));
    }

    @Test
    void aWorkerHoldingTheInputsWinsWhileItHasAFreeSlot() {
        WorkerTable<String> table = new WorkerTable<>(3);
        table.setMembers(Set.of("a", "b"));
        table.reported("a", 4, 4, 10, 0);
        table.reported("b", 4, 1, 10, 0);
        Holdings<String> holdings = new Holdings<>(100);
        Map<String, Long> inputs = Map.of("big", 2 * MIB, "small", 100L);

        assertEquals(Optional.of("a"), choose(table, holdings, inputs, "s1"), "nobody holds them: most free slots");
        holdings.held("b", Map.of("big", 2 * MIB));
        assertEquals(Optional.of("b"), choose(table, holdings, inputs, "s2"));
        table.reported("b", 4, 1, 10, 0);
        assertEquals(Optional.of("a"), choose(table, holdings, Map.of("small", 100L), "s3"), "below 1 MiB held: balance");
        table.reported("b", 4, 0, 10, 0);
        assertEquals(Optional.of("a"), choose(table, holdings, inputs, "s4"), "no free slot there");
        table.reported("b", 4, 2, 10, 0);
        table.ban("s5", "b");
        assertEquals(Optional.of("a"), choose(table, holdings, inputs, "s5"), "a worker that failed it is not offered");
    }

    private static Optional<String> choose(WorkerTable<String> table, Holdings<String> holdings, Map<String, Long> inputs,
            String subWork) {
        return table.choose(subWork, w -> true, w -> holdings.bytesHeld(w, inputs), MIB).worker();
    }
}
