package io.troupe.booster.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Worker choice for sub-works that need a toolchain key. */
class WorkerTableToolchainTest {

    @Test
    void onlyWorkersHoldingTheKeyAreChosenAndNoneIsAMismatchOnceAllHaveReported() {
        WorkerTable<String> table = new WorkerTable<>(3);
        table.setMembers(Set.of("gcc12", "fake", "silent"));
        table.reported("gcc12", 4, 1, 10, 0);
        table.toolchains("gcc12", List.of("K12"));
        table.reported("fake", 4, 4, 10, 0);
        table.toolchains("fake", List.of("K99"));

        assertEquals(Optional.of("fake"), table.choose("s1", w -> true).worker(), "no key: most free slots");
        assertEquals(Optional.of("gcc12"), table.choose("s2", w -> true, Set.of("K12")).worker());
        assertEquals(Optional.of("fake"), table.choose("s3", w -> true, Set.of("K99")).worker());

        WorkerTable.Choice<String> unknownYet = table.choose("s4", w -> true, Set.of("K11"));
        assertTrue(unknownYet.worker().isEmpty());
        assertFalse(unknownYet.reason().startsWith(WorkerDirectory.TOOLCHAIN_MISMATCH),
                "a worker that has not reported might hold it: " + unknownYet.reason());
        assertTrue(unknownYet.reason().contains("3 of them without the toolchain"), unknownYet.reason());

        table.reported("silent", 4, 4, 10, 0);
        WorkerTable.Choice<String> mismatch = table.choose("s5", w -> true, Set.of("K11"));
        assertTrue(mismatch.worker().isEmpty());
        assertTrue(mismatch.reason().startsWith("toolchain mismatch: none of the 3 workers holds toolchain K11"),
                mismatch.reason());
        assertTrue(new WorkerDirectory.NoWorker(mismatch.reason()).toolchainMismatch());
        assertFalse(new WorkerDirectory.NoWorker("no workers registered in the cluster").toolchainMismatch());

        table.ban("s6", "gcc12");
        WorkerTable.Choice<String> banned = table.choose("s6", w -> true, Set.of("K12"));
        assertTrue(banned.worker().isEmpty());
        assertFalse(banned.reason().startsWith(WorkerDirectory.TOOLCHAIN_MISMATCH), banned.reason());
    }

    @Test
    void workersLackingAKeyAreListedUntilItIsShippedToThem() {
        WorkerTable<String> table = new WorkerTable<>(3);
        table.setMembers(Set.of("a", "b", "silent"));
        table.reported("a", 4, 4, 10, 0);
        table.toolchains("a", List.of("K99"));
        table.reported("b", 4, 4, 10, 0);
        assertEquals(Set.of("a", "b"), Set.copyOf(table.lacking(Set.of("K12"))), "one that has not reported is not listed");
        assertTrue(table.choose("s1", w -> true, Set.of("K12")).worker().isEmpty());

        table.addToolchain("a", "K12");
        assertEquals(List.of("b"), table.lacking(Set.of("K12")));
        assertEquals(Optional.of("a"), table.choose("s2", w -> true, Set.of("K12")).worker());
        assertEquals(Optional.of("a"), table.choose("s3", w -> true, Set.of("K99")).worker(), "it keeps its own key");
        table.toolchains("a", List.of("K99", "K12")); // its next load report says the same
        assertEquals(List.of("b"), table.lacking(Set.of("K12")));
    }

    @Test
    void withNoWorkersTheReasonCountsNoneWithoutTheToolchain() {
        WorkerTable.Choice<String> none = new WorkerTable<String>(3).choose("s1", w -> true, Set.of("K12"));
        assertTrue(none.worker().isEmpty());
        assertFalse(none.reason().contains("without the toolchain"), none.reason());
    }
}
