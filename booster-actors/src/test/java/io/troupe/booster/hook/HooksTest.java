package io.troupe.booster.hook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.troupe.api.booster.HookRule;
import io.troupe.api.booster.PreloadConfig;
import io.troupe.booster.exec.BoosterExecLocation;
import io.troupe.booster.testutil.Proc;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Choosing the hook mode, the preload environment, and the stable shim directory. */
class HooksTest {

    @TempDir
    Path dir;

    private static final BoosterExecLocation EXEC = BoosterExecLocation.ofNative(Path.of("/opt/troupe/bin/booster-exec"));

    private static PreloadConfig rules(String... srcs) {
        return new PreloadConfig(java.util.Arrays.stream(srcs).map(s -> new HookRule(s, "booster-exec $SRC_CMD")).toList());
    }

    private Map<String, String> env() {
        Map<String, String> env = new HashMap<>();
        env.put("PATH", "/usr/bin:/bin");
        env.put("XDG_CACHE_HOME", dir.resolve("cache").toString());
        return env;
    }

    @Test
    void preloadIsTheDefaultWhereTheLibraryExists() throws Exception {
        Path library = Files.writeString(dir.resolve(PreloadHook.LIBRARY_NAME), "");
        Map<String, String> base = env();
        base.put("LD_PRELOAD", "/lib/other.so");
        base.put(PreloadHook.MARKER_ENV, "true");
        Hooks.Installed installed = Hooks.install(HookSettings.defaults(), rules("gcc", "*/g++"), base, EXEC,
                Optional.of(library));
        assertEquals(HookMode.PRELOAD, installed.mode());
        assertEquals(library + ":/lib/other.so", installed.env().get("LD_PRELOAD"));
        assertEquals("gcc,/opt/troupe/bin/booster-exec $SRC_CMD|*/g++,/opt/troupe/bin/booster-exec $SRC_CMD|",
                installed.env().get(PreloadHook.RULES_ENV));
        assertFalse(installed.env().containsKey(PreloadHook.MARKER_ENV), "an inherited marker would hook nothing");
        assertEquals(List.of(), installed.warnings());
        assertFalse(Files.exists(dir.resolve("cache")), "no shims in preload mode");
    }

    @Test
    void tbsTemplateTargetsAreFilledInAndTargetsThatCannotRunAreRefusedNamingTheRule() throws Exception {
        Path library = Files.writeString(dir.resolve(PreloadHook.LIBRARY_NAME), "");
        // TBS's bk_cc_rules.json as shipped, before its installer fills in $EXECUTORPATH
        PreloadConfig template = new PreloadConfig(List.of(new HookRule("*/gcc", "$EXECUTORPATH $SRC_CMD"),
                new HookRule("cc", "/bin/sh -c true")));
        Hooks.Installed installed = Hooks.install(HookSettings.defaults(), template, env(), EXEC, Optional.of(library));
        assertEquals("*/gcc,/opt/troupe/bin/booster-exec $SRC_CMD|cc,/bin/sh -c true|",
                installed.env().get(PreloadHook.RULES_ENV));
        IOException chained = assertThrows(IOException.class, () -> Hooks.install(HookSettings.defaults(),
                new PreloadConfig(List.of(new HookRule("*/g++", "$CCACHEPATH $EXECUTORPATH $SRC_CMD"))), env(), EXEC,
                Optional.of(library)));
        assertTrue(chained.getMessage().startsWith("hook rule 0 (src_command \"*/g++\"): target_command")
                && chained.getMessage().contains("$CCACHEPATH is a placeholder"), chained.getMessage());
        IOException missing = assertThrows(IOException.class, () -> Hooks.install(HookSettings.defaults(),
                new PreloadConfig(List.of(new HookRule("gcc", "/usr/local/bin/no-such-wrapper $SRC_CMD"))), env(), EXEC,
                Optional.of(library)));
        assertTrue(missing.getMessage().contains("/usr/local/bin/no-such-wrapper is not an executable file"),
                missing.getMessage());
        IOException notOnPath = assertThrows(IOException.class, () -> Hooks.install(HookSettings.defaults(),
                new PreloadConfig(List.of(new HookRule("gcc", "no-such-wrapper $SRC_CMD"))), env(), EXEC,
                Optional.of(library)));
        assertTrue(notOnPath.getMessage().contains("no-such-wrapper is not on PATH"), notOnPath.getMessage());

        // a tool chained before the executor (TBS's ccache templates): booster-exec is filled in where it stands
        Hooks.Installed chainedOk = Hooks.install(HookSettings.defaults(), new PreloadConfig(List.of(
                new HookRule("*/g++", "/usr/bin/env $EXECUTORPATH $SRC_CMD"),
                new HookRule("*/gcc", "/usr/bin/env /usr/local/bin/bk-dist-executor $SRC_CMD"))), env(), EXEC,
                Optional.of(library));
        assertEquals("*/g++,/usr/bin/env /opt/troupe/bin/booster-exec $SRC_CMD|"
                + "*/gcc,/usr/bin/env /opt/troupe/bin/booster-exec $SRC_CMD|", chainedOk.env().get(PreloadHook.RULES_ENV));
        Hooks.Installed chainedShim = Hooks.install(new HookSettings(HookMode.SHIMS, null), new PreloadConfig(List.of(
                new HookRule("cat", "/usr/bin/env $EXECUTORPATH $SRC_CMD"))), env(), EXEC, Optional.empty());
        Path shim = Path.of(chainedShim.env().get("PATH").split(":")[0]).resolve("cat");
        assertTrue(Files.readString(shim).contains("exec /usr/bin/env '/opt/troupe/bin/booster-exec' 'cat' \"$@\""),
                Files.readString(shim));
    }

    @Test
    void shimsAreTheDefaultWithoutTheLibraryAndPreloadThenFailsNamingTheFlag() throws Exception {
        Hooks.Installed installed = Hooks.install(HookSettings.defaults(), rules("gcc"), env(), EXEC, Optional.empty());
        assertEquals(HookMode.SHIMS, installed.mode());
        assertFalse(installed.env().containsKey("LD_PRELOAD"));
        IOException e = assertThrows(IOException.class, () -> Hooks.install(new HookSettings(HookMode.PRELOAD, null),
                rules("gcc"), env(), EXEC, Optional.empty()));
        assertTrue(e.getMessage().startsWith("--hook_mode preload: no libtroupe-hook.so"), e.getMessage());
    }

    @Test
    void shimsLiveInAStablePerUserDirectoryThatOutlivesTheWork() throws Exception {
        Hooks.Installed first = Hooks.install(new HookSettings(HookMode.SHIMS, null), rules("gcc", "g++"), env(), EXEC,
                Optional.empty());
        Hooks.Installed second = Hooks.install(new HookSettings(HookMode.SHIMS, null), rules("gcc", "g++"), env(), EXEC,
                Optional.empty());
        String shimDir = first.env().get("TROUPE_SHIM_DIR");
        assertEquals(shimDir, second.env().get("TROUPE_SHIM_DIR"), "the same rules give the same directory");
        assertTrue(shimDir.startsWith(dir.resolve("cache/troupe/shims/") + ""), shimDir);
        assertTrue(Files.isSymbolicLink(Path.of(shimDir, "gcc")));
        Hooks.Installed other = Hooks.install(new HookSettings(HookMode.SHIMS, null), rules("cc"), env(), EXEC,
                Optional.empty());
        assertFalse(shimDir.equals(other.env().get("TROUPE_SHIM_DIR")), "other rules, another directory");
        Map<String, String> noXdg = new HashMap<>(env());
        noXdg.remove("XDG_CACHE_HOME");
        noXdg.put("HOME", dir.resolve("home").toString());
        Hooks.Installed home = Hooks.install(new HookSettings(HookMode.SHIMS, null), rules("gcc"), noXdg, EXEC,
                Optional.empty());
        assertTrue(home.env().get("TROUPE_SHIM_DIR").startsWith(dir.resolve("home/.cache/troupe/shims/") + ""));
    }

    @Test
    void shimsModeWarnsAboutGlobsPathsAndAbsoluteCompilerVariables() throws Exception {
        Map<String, String> base = env();
        base.put("CC", "/usr/bin/gcc");
        base.put("CXX", "g++");
        Hooks.Installed installed = Hooks.install(new HookSettings(HookMode.SHIMS, null),
                rules("*/gcc", "/usr/bin/cc", "gcc"), base, EXEC, Optional.empty());
        assertEquals(List.of(
                "hook rule 0 (src_command \"*/gcc\"): paths and globs are caught only by --hook_mode preload;"
                        + " PATH shims skip this rule",
                "hook rule 1 (src_command \"/usr/bin/cc\"): paths and globs are caught only by --hook_mode preload;"
                        + " PATH shims skip this rule",
                "CC=/usr/bin/gcc is an absolute path, which PATH shims cannot catch: compiles through it are not"
                        + " boosted; use --hook_mode preload (or CC=gcc)"), installed.warnings());
    }

    @Test
    void aRuleTheFlatFormCannotCarryIsNamed() {
        PreloadConfig bad = new PreloadConfig(List.of(new HookRule("gcc", "x $SRC_CMD"), new HookRule("a|b", "x")));
        IOException e = assertThrows(IOException.class, () -> PreloadHook.flatten(bad, EXEC));
        assertTrue(e.getMessage().startsWith("hook rule 1 (src_command \"a|b\"): "), e.getMessage());
    }

    @Test
    @Tag("process")
    void aShimRunOutsideAnyBoosterRunsTheRealCommand() throws Exception {
        assumeTrue(Proc.nativeBoosterExec().isPresent(), "native booster-exec not built");
        Hooks.Installed installed = Hooks.install(new HookSettings(HookMode.SHIMS, null),
                new PreloadConfig(List.of(new HookRule("cat", "booster-exec $SRC_CMD"))), env(),
                BoosterExecLocation.ofNative(Proc.nativeBoosterExec().get()), Optional.empty());
        Path shimDir = Path.of(installed.env().get("TROUPE_SHIM_DIR"));
        Path file = Files.writeString(dir.resolve("f.txt"), "real cat\n");
        // what a build system that recorded the shim path does later: PATH with the shims, no booster, no TROUPE_*
        Proc.Outcome viaPath = Proc.run(List.of("/bin/sh", "-c", "cat f.txt"), dir,
                Map.of("PATH", shimDir + ":/usr/bin:/bin"));
        assertEquals(0, viaPath.exitCode(), viaPath.err());
        assertEquals("real cat\n", viaPath.out());
        Proc.Outcome recorded = Proc.run(List.of(shimDir.resolve("cat").toString(), file.toString()), dir,
                Map.of("PATH", "/usr/bin:/bin"));
        assertEquals(0, recorded.exitCode(), recorded.err());
        assertEquals("real cat\n", recorded.out());
    }
}
