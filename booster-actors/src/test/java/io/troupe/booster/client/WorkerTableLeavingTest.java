package io.troupe.booster.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A worker that drains (its load report says so) or whose member leaves the cluster is not chosen. */
class WorkerTableLeavingTest {

    private static WorkerTable<String> table() {
        WorkerTable<String> table = new WorkerTable<>(3);
        table.setMembers(Set.of("a", "b"));
        table.reported("a", 4, 4, 10, 0);
        table.reported("b", 4, 1, 10, 0);
        return table;
    }

    @Test
    void aDrainingWorkerIsSkippedUntilItsReportSaysOtherwise() {
        WorkerTable<String> table = table();
        table.draining("a", true);
        assertEquals(Optional.of("b"), table.choose("s1", w -> true).worker(), "a has more free slots but drains");
        assertEquals(1, table.usableWorkers());
        assertEquals(4, table.totalSlots());
        table.draining("a", false);
        assertEquals(Optional.of("a"), table.choose("s2", w -> true).worker());
        assertEquals(2, table.usableWorkers());
    }

    @Test
    void aLeavingMemberIsSkippedAndNamedInTheReason() {
        WorkerTable<String> table = table();
        table.leaving("a", true);
        table.draining("b", true);
        WorkerTable.Choice<String> none = table.choose("s1", w -> true);
        assertEquals(Optional.empty(), none.worker());
        assertEquals("no usable worker among 2: 0 already failed this sub-work, 0 unhealthy, 0 unreachable, 0 busy, "
                + "0 not reporting yet, 2 leaving the cluster", none.reason());
        assertEquals(0, table.usableWorkers());
        table.leaving("a", false); // a node restarted at that address
        assertEquals(Optional.of("a"), table.choose("s1", w -> true).worker());
    }
}
