package io.troupe.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A node's shutdown phase that drains its worker outlasts {@code troupe.worker.drain-timeout}. */
class DrainPhaseConfigTest {
    private static final String PHASE_TIMEOUT = "pekko.coordinated-shutdown.phases.service-requests-done.timeout";

    @Test
    void thePhaseTimeoutFollowsTheDrainTimeout() {
        assertEquals(Duration.ofSeconds(70), NodeConfig.withOverrides(Map.of()).getDuration(PHASE_TIMEOUT),
                "the default drain timeout (60 s) plus the margin");
        assertEquals(Duration.ofSeconds(310), NodeConfig.withOverrides(Map.of("troupe.worker.drain-timeout", "5m"))
                .getDuration(PHASE_TIMEOUT));
    }

    @Test
    void aBadDrainTimeoutIsNamed() {
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> NodeConfig.withOverrides(Map.of("troupe.worker.drain-timeout", "-5s")));
        assertTrue(bad.getMessage().startsWith("troupe.worker.drain-timeout: -5s must not be negative"), bad.getMessage());
    }
}
