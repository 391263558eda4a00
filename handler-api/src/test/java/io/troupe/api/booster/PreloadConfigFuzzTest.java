package io.troupe.api.booster;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.troupe.api.fuzz.FuzzLimits;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Tag;

/**
 * Fuzzes the hook-rules parser ({@code --hook_config}, TBS's {@code {"hooks":[...]}}): any text either gives
 * rules whose every entry has both commands, or an {@link IOException} naming the source.
 * Seeds: {@code PreloadConfigFuzzTestInputs/parse}.
 */
@Tag("fuzz")
class PreloadConfigFuzzTest {

    @FuzzTest(maxDuration = "30s")
    void parse(byte[] input) {
        String json = new String(input, StandardCharsets.UTF_8);
        long start = System.nanoTime();
        try {
            PreloadConfig config = PreloadConfig.parse(json, "fuzz.json");
            for (HookRule rule : config.hooks()) {
                assertFalse(rule.srcCommand().isBlank());
                assertFalse(rule.targetCommand().isBlank());
            }
        } catch (IOException e) {
            assertTrue(e.getMessage().contains("fuzz.json"), e.getMessage());
        }
        FuzzLimits.checkTime(start, json);
    }
}
