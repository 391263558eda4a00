package io.troupe.examples.cat;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.api.booster.BoosterConfig;
import io.troupe.api.booster.Command;
import io.troupe.api.booster.DistCommand;
import io.troupe.api.booster.DistResult;
import io.troupe.api.booster.Handler;
import io.troupe.api.booster.HookRule;
import io.troupe.api.booster.Result;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CatHandlerTest {

    private final CatHandler handler = new CatHandler();

    @TempDir
    Path dir;

    private BoosterConfig config(Path configDir, Path hookConfig) {
        return new BoosterConfig("custom", "TMPcustomtest", "b1", "cat /etc/resolv.conf", dir, configDir, hookConfig,
                Map.of());
    }

    @Test
    void isFoundByServiceLoader() {
        List<String> found = ServiceLoader.load(Handler.class).stream().map(p -> p.type().getName()).toList();
        assertEquals(List.of(CatHandler.class.getName()), found);
    }

    @Test
    void preExecutePassesTheCommandUnchanged() throws Exception {
        DistCommand dist = handler.preExecute(List.of("cat", "/etc/resolv.conf", "-n"));
        assertEquals(List.of(new Command(null, "cat", null, List.of("/etc/resolv.conf", "-n"), List.of(), List.of(),
                List.of())), dist.commands());
        Exception e = assertThrows(Exception.class, () -> handler.preExecute(List.of()));
        assertEquals("invalid command and params", e.getMessage());
    }

    @Test
    void postExecuteAcceptsOnlyExitCodeZero() {
        assertDoesNotThrow(() -> handler.postExecute(new DistResult(List.of(new Result(0, null, null, null)))));
        assertThrows(Exception.class, () -> handler.postExecute(new DistResult(List.of(new Result(1, null, null, null)))));
        assertThrows(Exception.class, () -> handler.postExecute(new DistResult(List.of())));
        assertThrows(Exception.class, () -> handler.postExecute(null));
    }

    @Test
    void rulesComeFromTheConfigDirByDefault() throws Exception {
        Files.copy(Path.of("bk_custom_example_rules.json"), dir.resolve(CatHandler.HOOK_CONFIG_FILE));
        assertEquals(List.of(new HookRule("cat", "booster-exec $SRC_CMD")),
                handler.getPreloadConfig(config(dir, null)).hooks());
    }

    @Test
    void hookConfigFlagWins() throws Exception {
        Path own = Files.writeString(dir.resolve("mine.json"),
                "{\"hooks\":[{\"src_command\":\"head\",\"target_command\":\"booster-exec $SRC_CMD\"}]}");
        assertEquals("head", handler.getPreloadConfig(config(dir, own)).hooks().get(0).srcCommand());
    }

    @Test
    void missingRulesFileIsNamed() {
        IOException e = assertThrows(IOException.class, () -> handler.getPreloadConfig(config(dir.resolve("none"), null)));
        assertTrue(e.getMessage().contains(dir.resolve("none").resolve(CatHandler.HOOK_CONFIG_FILE).toString()),
                e.getMessage());
    }
}
