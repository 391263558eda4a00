package io.troupe.booster.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which works start their command before the actor system, and the @BK_JOBS they start it with. */
class PrelaunchTest {

    private static final Config NO_HOLD = ConfigFactory.parseString(
            "troupe.booster.worker-discovery-timeout = 0s\ntroupe.booster.expected-jobs = 12");

    private static WorkSettings settings(boolean local, boolean noLocal, List<String> seeds) {
        return new WorkSettings("echo", "demo", "prelaunch-test", "make -j@BK_JOBS", false, null, local, noLocal, 0, 2,
                0, 30, seeds, Path.of("/tmp"), Map.of(), null);
    }

    @Test
    void onlyWorksThatWaitForNoWorkerStartBeforeTheActorSystem() {
        List<String> seed = List.of("10.0.0.5:7355");
        assertTrue(Prelaunch.applies(settings(false, false, seed), NO_HOLD), "--cluster: the command starts at once");
        assertTrue(Prelaunch.applies(settings(true, false, List.of()), NO_HOLD), "--local: nothing to wait for");
        assertFalse(Prelaunch.applies(settings(false, false, List.of()), NO_HOLD), "the embedded worker is waited for");
        assertFalse(Prelaunch.applies(settings(false, true, seed), NO_HOLD), "--no_local waits for a worker");
        Config hold = ConfigFactory.parseString("troupe.booster.worker-discovery-timeout = 5s").withFallback(NO_HOLD);
        assertFalse(Prelaunch.applies(settings(false, false, seed), hold), "a discovery hold waits for a worker");
    }

    @Test
    void theCommandLineGetsTheExpectedClustersJobsWhileNoWorkerIsKnown() {
        WorkSettings cluster = settings(false, false, List.of("10.0.0.5:7355"));
        int jobs = WorkLaunch.jobs(cluster, 0, 2, false, WorkLaunch.expectedJobs(NO_HOLD));
        assertEquals(12, jobs);
        assertEquals("make -j12", WorkLaunch.boosterConfig(cluster, jobs).args());
        assertEquals(2, WorkLaunch.jobs(settings(true, false, List.of()), 0, 2, true, 12), "--local: the local slots");
    }
}
