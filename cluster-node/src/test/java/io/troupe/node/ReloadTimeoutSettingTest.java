package io.troupe.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code troupe.admin.reload-timeout}: a positive duration, 5 s by default, bad values named. */
class ReloadTimeoutSettingTest {

    @Test
    void defaultsToFiveSecondsAndTakesDurations() {
        assertEquals(Duration.ofSeconds(5), TroupeNode.reloadTimeout(NodeConfig.withOverrides(Map.of())));
        assertEquals(Duration.ofMillis(1500),
                TroupeNode.reloadTimeout(NodeConfig.withOverrides(Map.of("troupe.admin.reload-timeout", "1500ms"))));
    }

    @Test
    void badValuesNameTheKey() {
        for (String bad : new String[] {"0s", "-1s", "soon"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () ->
                    TroupeNode.reloadTimeout(NodeConfig.withOverrides(Map.of("troupe.admin.reload-timeout", bad))));
            assertTrue(e.getMessage().startsWith("troupe.admin.reload-timeout: "), e.getMessage());
        }
    }
}
