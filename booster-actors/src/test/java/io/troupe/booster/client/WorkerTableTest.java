package io.troupe.booster.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Worker choice: most free slots, per-sub-work bans, unhealthy after N errors, unreachable, full queues. */
class WorkerTableTest {

    private static WorkerTable<String> table(int unhealthyAfter) {
        WorkerTable<String> table = new WorkerTable<>(unhealthyAfter);
        table.setMembers(Set.of("a", "b", "c"));
        table.reported("a", 4, 1, 10, 0);
        table.reported("b", 4, 3, 10, 0);
        table.reported("c", 4, 2, 10, 0);
        return table;
    }

    private static Optional<String> choose(WorkerTable<String> table, String subWork) {
        return table.choose(subWork, w -> true).worker();
    }

    @Test
    void choosesTheWorkerWithMostFreeSlotsAndCountsReservations() {
        WorkerTable<String> table = table(3);
        assertEquals(Optional.of("b"), choose(table, "s1"));
        table.reserve("b");
        assertEquals(Optional.of("c"), choose(table, "s2"), "b and c both have 2 free: the one chosen longest ago wins");
        table.reserve("c");
        assertEquals(Optional.of("b"), choose(table, "s3"));
        assertEquals(12, table.totalSlots());
    }

    @Test
    void aWorkerThatFailedASubWorkIsNotOfferedToItAgain() {
        WorkerTable<String> table = table(3);
        table.ban("s1", "b");
        assertEquals(Optional.of("c"), choose(table, "s1"));
        assertEquals(Optional.of("b"), choose(table, "s2"), "the ban is per sub-work");
        table.ban("s1", "c");
        table.ban("s1", "a");
        WorkerTable.Choice<String> none = table.choose("s1", w -> true);
        assertEquals(Optional.empty(), none.worker());
        assertEquals("no usable worker among 3: 3 already failed this sub-work, 0 unhealthy, 0 unreachable, 0 busy, "
                + "0 not reporting yet", none.reason());
        table.forget("s1");
        assertEquals(Optional.of("b"), choose(table, "s1"));
    }

    @Test
    void consecutiveNetworkErrorsMakeAWorkerUnhealthyUntilItAnswers() {
        WorkerTable<String> table = table(2);
        table.networkError("b");
        assertTrue(table.healthy("b"), "one error is not enough");
        table.reported("b", 4, 3, 10, 0); // answering resets the count
        table.networkError("b");
        assertTrue(table.healthy("b"));
        table.networkError("b");
        assertFalse(table.healthy("b"));
        assertEquals(Optional.of("c"), choose(table, "s1"));
        assertEquals(8, table.totalSlots(), "slots of unhealthy workers do not count");
        table.reported("b", 4, 3, 10, 0);
        assertTrue(table.healthy("b"));
        assertEquals(Optional.of("b"), choose(table, "s1"));
    }

    @Test
    void skipsUnreachableFullAndSilentWorkers() {
        WorkerTable<String> table = table(3);
        assertEquals(Optional.of("c"), table.choose("s", w -> !w.equals("b")).worker());
        table.reported("a", 2, -3, 3, 0); // 2 running + 3 queued of a queue of 3: full
        table.setMembers(Set.of("a", "d")); // b and c left; d has not reported yet
        WorkerTable.Choice<String> none = table.choose("s", w -> true);
        assertEquals("no usable worker among 2: 0 already failed this sub-work, 0 unhealthy, 0 unreachable, 1 busy, "
                + "1 not reporting yet", none.reason());
        assertEquals("no workers registered in the cluster",
                new WorkerTable<String>(3).choose("s", w -> true).reason());
    }

    @Test
    void aReportCannotFreeSlotsForSubWorksStillOnTheirWayToTheWorker() {
        WorkerTable<String> table = new WorkerTable<>(3);
        table.setMembers(Set.of("a", "b"));
        table.reported("a", 2, 2, 4, 0);
        table.reported("b", 2, 1, 4, 0); // another booster runs one on b
        table.reserve("a");
        table.reserve("a");
        table.reserve("a"); // a: 2 running, 1 queued of this booster's
        table.reported("a", 2, 2, 4, 0); // composed before any of the three had arrived
        assertEquals(Optional.of("b"), choose(table, "s"), "a has -1 free, not the 2 of its report; b has 1");
        table.unreserve("a");
        table.unreserve("a");
        table.reported("a", 2, 1, 4, 0); // one of this booster's still runs there
        table.reserve("b");
        assertEquals(Optional.of("a"), choose(table, "s"), "a has 1 free, b none");
        table.reported("a", 2, -1, 4, 0); // other boosters' sub-works fill it: the report wins
        assertEquals(Optional.of("b"), choose(table, "s"), "b has 0 free, a -1");
    }

    @Test
    void aReportComposedBeforeARunEndedDoesNotHideTheSlotThatRunFreed() {
        WorkerTable<String> table = new WorkerTable<>(3);
        table.setMembers(Set.of("a", "b"));
        table.reported("a", 2, 2, 4, 10);
        table.reported("b", 2, 2, 4, 10);
        table.reserve("a");
        table.reserve("a"); // a: both slots this booster's
        table.reserve("b");
        table.reserve("b"); // b too
        table.unreserve("a");
        table.reported("a", 2, 1, 4, 11); // one run's answer: its slot is free, the 11th end
        table.reported("a", 2, 0, 4, 10); // a poll's answer that left a before that run ended
        assertEquals(Optional.of("a"), choose(table, "s"), "a has the slot its run freed; b has none");
        table.reserve("a");
        table.reported("a", 2, 0, 4, 12); // a newer report counts from itself: 0 free
        table.reserve("b"); // b: -1
        assertEquals(Optional.of("a"), choose(table, "t"), "a 0 free, b -1");
        table.reported("a", 2, -2, 4, 11); // older by one end: one slot more than it says, -1
        table.reserve("b"); // b: -2
        assertEquals(Optional.of("a"), choose(table, "u"), "a -1 free, b -2");
    }

    @Test
    void aWorkerThatCountsAnewIsBelievedAgain() {
        WorkerTable<String> table = new WorkerTable<>(3);
        table.setMembers(Set.of("a", "b"));
        table.reported("a", 2, 0, 4, 5000);
        table.reported("b", 2, 1, 4, 0);
        table.reported("a", 2, 0, 4, 3); // its executor restarted: far behind, not stale
        assertEquals(Optional.of("b"), choose(table, "s"), "a has 0 free as it says, b 1");
        table.reported("a", 2, 2, 4, 4);
        assertEquals(Optional.of("a"), choose(table, "t"), "a counts from its new start: 2 free");
    }

    @Test
    void countsFreeSlotsAndTheRoomOfTheQueuesOfUsableWorkersOnly() {
        WorkerTable<String> table = table(1);
        assertEquals(30, table.queueRoom());
        assertTrue(table.slotFree("a"));
        table.reserve("a");
        assertFalse(table.slotFree("a"), "its one free slot is taken by this booster now");
        assertTrue(table.anySlotFree());
        for (int i = 0; i < 3; i++) {
            table.reserve("b");
        }
        table.reserve("c");
        table.reserve("c");
        assertFalse(table.anySlotFree());
        table.unreserve("c");
        assertTrue(table.slotFree("c"));
        table.networkError("c"); // unhealthy: neither its slot nor its queue counts
        assertFalse(table.anySlotFree());
        assertEquals(20, table.queueRoom());
        assertFalse(table.slotFree("x"), "not a member");
    }

    @Test
    void knowsWhenAllOfAWorkersSlotsRunThisBoostersOwnSubWorks() {
        WorkerTable<String> table = new WorkerTable<>(3);
        table.setMembers(Set.of("own", "shared"));
        table.reported("own", 2, 2, 10, 0);
        table.reported("shared", 2, 1, 10, 0); // one slot runs another booster's sub-work
        table.reserve("own");
        assertFalse(table.takenByThisBooster("own"));
        table.reserve("own");
        table.reserve("shared");
        assertFalse(table.slotFree("own"));
        assertFalse(table.slotFree("shared"));
        assertTrue(table.takenByThisBooster("own"), "this booster hears when one of them frees");
        assertFalse(table.takenByThisBooster("shared"), "the other booster's run may end unseen");
    }
}
