package io.troupe.booster.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterSlotsMemoryTest {

    @TempDir
    Path cache;

    private Map<String, String> env() {
        return Map.of("XDG_CACHE_HOME", cache.toString());
    }

    @Test
    void slotsSeenInAClusterAreRecalledForTheSameSeedsInAnyOrder() throws Exception {
        ClusterSlotsMemory.of(List.of("10.0.0.1:7355", "10.0.0.2:7355"), env()).remember(32, 0);
        assertEquals(OptionalInt.of(32), ClusterSlotsMemory.of(List.of("10.0.0.2:7355", "10.0.0.1:7355"), env()).recall());
        assertEquals(OptionalInt.empty(), ClusterSlotsMemory.of(List.of("10.0.0.3:7355"), env()).recall());
        assertTrue(ClusterSlotsMemory.of(List.of("10.0.0.1:7355"), env()).file().startsWith(cache.resolve("troupe/clusters")));
    }

    @Test
    void aMalformedFileCountsAsNothingRemembered() throws Exception {
        ClusterSlotsMemory memory = ClusterSlotsMemory.of(List.of("h:1"), env());
        memory.remember(8, 0);
        Files.writeString(memory.file(), "eight");
        assertEquals(OptionalInt.empty(), memory.recall());
    }

    @Test
    void theRememberedSlotsBecomeTheExpectedJobsUnlessTheyAreSet() throws Exception {
        WorkSettings settings = new WorkSettings("echo", "proj", "b1", "make -j@BK_JOBS", false, null, false, false, 0, 2, 0,
                20, List.of("127.0.0.1:7355"), Path.of("/tmp"), env(), null);
        Config unset = ConfigFactory.parseString("troupe.booster.expected-jobs = 0");
        assertEquals(0, BoosterRun.withRememberedJobs(unset, settings).getInt("troupe.booster.expected-jobs"));
        ClusterSlotsMemory.of(settings.clusterSeeds(), env()).remember(32, 0);
        assertEquals(48, BoosterRun.withRememberedJobs(unset, settings).getInt("troupe.booster.expected-jobs"));
        Config set = ConfigFactory.parseString("troupe.booster.expected-jobs = 5");
        assertEquals(5, BoosterRun.withRememberedJobs(set, settings).getInt("troupe.booster.expected-jobs"));
    }

    @Test
    void aPerWorkerLimitCapsTheRememberedSlotsAsItCapsTheWorkersOnceKnown() throws Exception {
        WorkSettings settings = new WorkSettings("echo", "proj", "b1", "make -j@BK_JOBS", false, null, false, false, 0, 2, 0,
                20, List.of("127.0.0.1:7356"), Path.of("/tmp"), env(), null)
                .withJobLimits(new JobLimits(0, 0, 0, 0, 0, 0, 1));
        Config unset = ConfigFactory.parseString("troupe.booster.expected-jobs = 0");
        ClusterSlotsMemory memory = ClusterSlotsMemory.of(settings.clusterSeeds(), env());
        memory.remember(4, 2); // two workers of two slots: -l 1 leaves one slot on each, 1.5 x 2 = 3
        assertEquals(OptionalInt.of(2), memory.recallWorkers());
        assertEquals(3, BoosterRun.withRememberedJobs(unset, settings).getInt("troupe.booster.expected-jobs"));
        memory.remember(4, 0); // an older booster's file: slots only, nothing to cap by
        assertEquals(OptionalInt.empty(), memory.recallWorkers());
        assertEquals(6, BoosterRun.withRememberedJobs(unset, settings).getInt("troupe.booster.expected-jobs"));
    }
}
