package io.troupe.booster.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** TBS {@code -l/--limit}: at most N of this work's sub-works on one worker, whatever its free slots. */
class WorkerLimitTest {

    @Test
    void aWorkerAtTheLimitIsSkippedUntilOneOfOurSubWorksReturns() {
        WorkerTable<String> table = new WorkerTable<>(3, 2);
        table.setMembers(Set.of("a", "b"));
        table.reported("a", 8, 8, 10, 0);
        table.reported("b", 8, 8, 10, 0);
        assertEquals(4, table.totalSlots(), "@BK_JOBS counts 2 per worker, not 8");
        assertEquals(16, table.uncappedSlots(), "what the next work remembers, to cap by its own -l");
        for (int i = 0; i < 4; i++) {
            Optional<String> chosen = table.choose("s" + i, w -> true).worker();
            assertTrue(chosen.isPresent(), "sub-work " + i);
            table.reserve(chosen.get());
        }
        WorkerTable.Choice<String> fifth = table.choose("s4", w -> true);
        assertEquals(Optional.empty(), fifth.worker(), "both workers hold 2 of ours, though each has 6 free");
        assertTrue(fifth.reason().contains("2 busy"), fifth.reason());
        table.reported("a", 8, 8, 10, 0); // a load report does not forget our own sub-works on it
        assertEquals(Optional.empty(), table.choose("s4", w -> true).worker());
        table.unreserve("a");
        assertEquals(Optional.of("a"), table.choose("s4", w -> true).worker());
    }

    @Test
    void noLimitLeavesTheFreeSlotsInCharge() {
        WorkerTable<String> table = new WorkerTable<>(3, 0);
        table.setMembers(Set.of("a"));
        table.reported("a", 8, 8, 0, 0);
        for (int i = 0; i < 8; i++) {
            table.reserve(table.choose("s" + i, w -> true).worker().orElseThrow());
        }
        assertEquals(Optional.empty(), table.choose("s8", w -> true).worker());
        assertEquals(8, table.totalSlots());
    }
}
