package io.troupe.booster.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.booster.hook.HookMode;
import io.troupe.booster.client.WorkSettings;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --hook_mode} and TBS's {@code --hook_preload_library}. */
class BoosterCliHookFlagsTest {

    @TempDir
    Path dir;

    private final AtomicReference<WorkSettings> ran = new AtomicReference<>();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        BoosterCli cli = new BoosterCli(settings -> {
            ran.set(settings);
            return 0;
        }, Map.of("PATH", "/usr/bin"), dir);
        return BoosterCli.commandLine(cli, new PrintWriter(new StringWriter(), true), new PrintWriter(err, true))
                .execute(args);
    }

    @Test
    void noHookFlagsLeaveTheChoiceToTheBooster() {
        assertEquals(0, run("-bt", "echo", "--hook", "-a", "make"), err.toString());
        assertNull(ran.get().hookSettings().mode());
        assertNull(ran.get().hookSettings().preloadLibrary());
    }

    @Test
    void hookModeAndLibraryAreParsed() throws Exception {
        Path library = Files.writeString(dir.resolve("libtroupe-hook.so"), "");
        assertEquals(0, run("-bt", "echo", "--hook", "--hook_mode", "preload", "--hook_preload_library",
                "libtroupe-hook.so", "-a", "make"), err.toString());
        assertEquals(HookMode.PRELOAD, ran.get().hookSettings().mode());
        assertEquals(library, ran.get().hookSettings().preloadLibrary());
        assertEquals(0, run("-bt", "echo", "--hook", "--hook_mode", "shims", "-a", "make"), err.toString());
        assertEquals(HookMode.SHIMS, ran.get().hookSettings().mode());
    }

    @Test
    void badHookFlagsAreNamed() {
        assertEquals(2, run("-bt", "echo", "--hook_mode", "ptrace", "-a", "make"));
        assertTrue(err.toString().contains("--hook_mode 'ptrace': expected preload or shims"), err.toString());
        assertEquals(2, run("-bt", "echo", "--hook_preload_library", "nope.so", "-a", "make"));
        assertTrue(err.toString().contains("--hook_preload_library nope.so: no readable file at " + dir.resolve("nope.so")),
                err.toString());
    }
}
