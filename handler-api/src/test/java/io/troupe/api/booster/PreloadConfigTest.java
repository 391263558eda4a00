package io.troupe.api.booster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PreloadConfigTest {

    @Test
    void readsTheTbsRulesFormat() throws IOException {
        PreloadConfig config = PreloadConfig.parse(
                "{\"hooks\":[{\"src_command\":\"cat\",\"target_command\":\"/opt/booster-exec $SRC_CMD\"}]}", "t");
        assertEquals(1, config.hooks().size());
        assertEquals("cat", config.hooks().get(0).srcCommand());
        assertEquals("/opt/booster-exec $SRC_CMD", config.hooks().get(0).targetCommand());
    }

    @Test
    void malformedJsonNamesTheFileAndLine(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("rules.json");
        Files.writeString(file, "{\"hooks\":[\n{\"src_command\":\"cat\",,}]}");
        IOException e = assertThrows(IOException.class, () -> PreloadConfig.fromFile(file));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("malformed JSON at line 2"), e.getMessage());
    }

    @Test
    void ruleWithoutTargetNamesTheField() {
        IOException e = assertThrows(IOException.class,
                () -> PreloadConfig.parse("{\"hooks\":[{\"src_command\":\"cat\"}]}", "r.json"));
        assertEquals("hook rules r.json: hooks[0].target_command is missing", e.getMessage());
    }

    @Test
    void missingFileIsNamed(@TempDir Path dir) {
        Path file = dir.resolve("nope.json");
        IOException e = assertThrows(IOException.class, () -> PreloadConfig.fromFile(file));
        assertEquals("hook rules file " + file + " does not exist", e.getMessage());
    }
}
