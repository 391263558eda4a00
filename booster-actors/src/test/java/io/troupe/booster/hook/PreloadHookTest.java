package io.troupe.booster.hook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.troupe.api.booster.HookRule;
import io.troupe.api.booster.PreloadConfig;
import io.troupe.booster.exec.BoosterExecLocation;
import io.troupe.booster.testutil.Proc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** libtroupe-hook.so under real shells, make, gcc and a C program calling each exec and spawn function. */
@Tag("process")
class PreloadHookTest {

    @TempDir
    Path dir;

    private Path library;
    private Path recorder;
    private Path records;

    /** The library built by Maven; skipped where no C compiler built it. */
    static Path library() {
        Path built = Path.of(System.getProperty("troupe.test.hook-library", "target/native/libtroupe-hook.so"))
                .toAbsolutePath();
        assumeTrue(Files.isRegularFile(built), "libtroupe-hook.so not built (no C compiler)");
        return built;
    }

    @BeforeEach
    void recorder() throws Exception {
        library = library();
        records = dir.resolve("records.txt");
        // records the command line it was given, then runs it: one line per hooked exec
        recorder = Files.writeString(dir.resolve("record.sh"),
                "#!/bin/sh\necho \"$*\" >> '" + records + "'\nexec \"$@\"\n");
        Files.setPosixFilePermissions(recorder, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private Map<String, String> env(String... srcCommands) throws Exception {
        List<HookRule> rules = new ArrayList<>();
        for (String src : srcCommands) {
            rules.add(new HookRule(src, recorder + " $SRC_CMD"));
        }
        Map<String, String> base = new HashMap<>();
        base.put("PATH", "/usr/local/bin:/usr/bin:/bin");
        base.put("LANG", "C.UTF-8");
        return PreloadHook.environment(library, new PreloadConfig(rules), base, BoosterExecLocation.javaFallback("/x"));
    }

    private List<String> records() throws Exception {
        return Files.exists(records) ? Files.readAllLines(records) : List.of();
    }

    private Proc.Outcome sh(String script, Map<String, String> env) throws Exception {
        return Proc.run(List.of("/bin/sh", "-c", script), dir, env);
    }

    @Test
    void eachGccCallThroughMakeIsHookedOnceAndNotItsCc1AsCollect2OrLd() throws Exception {
        Files.writeString(dir.resolve("x.c"), "int main(void) { return 7; }\n");
        Files.writeString(dir.resolve("Makefile"), "x: x.o\n\tgcc x.o -o x\nx.o: x.c\n\tgcc -c x.c -o x.o\n");
        // rules for gcc's own helpers too: a hooked gcc's children must not be hooked again
        Proc.Outcome outcome = Proc.run(List.of("make", "-s"), dir,
                env("gcc", "cc1", "as", "collect2", "ld", "*/cc1", "*/collect2"));
        assertEquals(0, outcome.exitCode(), outcome.err());
        List<String> lines = records();
        assertEquals(2, lines.size(), lines.toString());
        assertEquals(List.of("gcc -c x.c -o x.o", "gcc x.o -o x"), lines);
        assertEquals(7, Proc.run(List.of(dir.resolve("x").toString()), dir, Map.of()).exitCode());
    }

    @Test
    void anAbsolutePathRuleCatchesTheAbsoluteCallAndTheNameFoundOnPath() throws Exception {
        Proc.Outcome outcome = sh("/usr/bin/gcc -dumpversion && gcc -dumpmachine && cc -dumpversion", env("/usr/bin/gcc"));
        assertEquals(0, outcome.exitCode(), outcome.err());
        List<String> lines = records();
        // the caught command is passed on as written: a path stays a path, a bare name stays bare
        assertEquals(List.of("/usr/bin/gcc -dumpversion", "gcc -dumpmachine"), lines,
                "cc is another program, not caught by a rule for /usr/bin/gcc");
    }

    @Test
    void aGlobRuleCatchesPathsThatMatchIt() throws Exception {
        Proc.Outcome outcome = sh("/usr/bin/gcc -dumpversion && gcc -dumpmachine && cat /dev/null", env("*/gcc*"));
        assertEquals(0, outcome.exitCode(), outcome.err());
        assertEquals(List.of("/usr/bin/gcc -dumpversion", "gcc -dumpmachine"), records());
    }

    @Test
    void everyExecAndSpawnFunctionIsHooked() throws Exception {
        Path program = dir.resolve("exec-variants");
        Proc.Outcome built = Proc.run(List.of("cc", "-o", program.toString(),
                Path.of("src/test/resources/hook/exec-variants.c").toAbsolutePath().toString()), dir, Map.of("PATH", "/usr/bin:/bin"));
        assertEquals(0, built.exitCode(), built.err());
        List<String> variants = List.of("execve", "execv", "execvp", "execvpe", "execl", "execlp", "execle",
                "posix_spawn", "posix_spawnp");
        Map<String, String> env = env("true");
        for (String variant : variants) {
            Proc.Outcome outcome = Proc.run(List.of(program.toString(), variant), dir, env);
            assertEquals(0, outcome.exitCode(), variant + ": " + outcome.err());
        }
        List<String> lines = records();
        assertEquals(variants.size(), lines.size(), lines.toString());
        for (int i = 0; i < variants.size(); i++) {
            assertEquals("true " + variants.get(i), lines.get(i));
        }
    }

    @Test
    void pythonsPosixSpawnAndExecvpAreHooked() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")), "no /usr/bin/python3");
        String script = "import os\n"
                + "pid = os.posix_spawnp('true', ['true', 'spawnp'], os.environ); os.waitpid(pid, 0)\n"
                + "pid = os.fork()\n"
                + "if pid == 0: os.execvp('true', ['true', 'execvp'])\n"
                + "os.waitpid(pid, 0)\n";
        Proc.Outcome outcome = Proc.run(List.of("/usr/bin/python3", "-c", script), dir, env("true"));
        assertEquals(0, outcome.exitCode(), outcome.err());
        // python's execvp tries each PATH entry itself: only the one that exists is hooked
        List<String> lines = records();
        assertEquals(2, lines.size(), lines.toString());
        assertEquals("true spawnp", lines.get(0));
        assertEquals("true execvp", lines.get(1));
    }

    @Test
    void theHookedCommandIsMarkedAndLosesOnlyThisLibraryFromLdPreload() throws Exception {
        Path noop = dir.resolve("libnoop.so");
        Files.writeString(dir.resolve("noop.c"), "int troupe_test_noop;\n");
        Proc.Outcome built = Proc.run(List.of("cc", "-shared", "-fPIC", "-o", noop.toString(), "noop.c"), dir,
                Map.of("PATH", "/usr/bin:/bin"));
        assertEquals(0, built.exitCode(), built.err());
        Path seen = dir.resolve("seen.txt");
        Path envRecorder = Files.writeString(dir.resolve("env.sh"),
                "#!/bin/sh\necho \"${LD_PRELOAD-unset} ${BK_PARENT_PROCESS_HOOKED-unset}\" >> '" + seen + "'\n");
        Files.setPosixFilePermissions(envRecorder, PosixFilePermissions.fromString("rwxr-xr-x"));
        Map<String, String> base = new HashMap<>();
        base.put("PATH", "/usr/bin:/bin");
        base.put("LD_PRELOAD", noop.toString());
        Map<String, String> env = PreloadHook.environment(library, new PreloadConfig(List.of(
                new HookRule("true", envRecorder + " $SRC_CMD"))), base, BoosterExecLocation.javaFallback("/x"));
        assertEquals(library + ":" + noop, env.get("LD_PRELOAD"));
        Proc.Outcome outcome = sh("true; /bin/true; echo \"${LD_PRELOAD} ${BK_PARENT_PROCESS_HOOKED-unset}\" >> seen.txt", env);
        assertEquals(0, outcome.exitCode(), outcome.err());
        // true is a builtin (not hooked), /bin/true is hooked; the shell itself is unmarked
        assertEquals(List.of(noop + " true", library + ":" + noop + " unset"), Files.readAllLines(seen));
    }

    @Test
    void stdinReachesACompileRunThroughBoosterExecWithoutABooster() throws Exception {
        Path boosterExec = Proc.nativeBoosterExec().orElse(null);
        assumeTrue(boosterExec != null, "native booster-exec not built");
        Map<String, String> base = Map.of("PATH", "/usr/local/bin:/usr/bin:/bin", "TROUPE_BOOSTER_QUIET", "1");
        Map<String, String> env = PreloadHook.environment(library, new PreloadConfig(List.of(
                new HookRule("gcc", "booster-exec $SRC_CMD"))), base, BoosterExecLocation.ofNative(boosterExec));
        Proc.Outcome outcome = sh("echo 'int x;' | gcc -x c -c - -o s.o && nm s.o", env);
        assertEquals(0, outcome.exitCode(), outcome.err());
        assertTrue(outcome.out().matches("(?s).* [BCD] x\\n.*"), outcome.out());
    }

    @Test
    void boosterExecIsNeverHooked() throws Exception {
        Path boosterExec = Proc.nativeBoosterExec().orElse(null);
        assumeTrue(boosterExec != null, "native booster-exec not built");
        Proc.Outcome outcome = sh("'" + boosterExec + "' true", env("*"));
        assertEquals(0, outcome.exitCode(), outcome.err());
        // a rule matching everything: booster-exec is still run as itself, never rewritten
        assertEquals(List.of(), records());
    }
}
