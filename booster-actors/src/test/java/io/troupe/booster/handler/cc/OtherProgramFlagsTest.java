package io.troupe.booster.handler.cc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.booster.worker.CompilerArgvCheck;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The one list of flags that run or load another program, seen from both sides: what the worker refuses
 * ({@link CompilerArgvCheck}) the cc handler keeps local, for the same reason, and no remote plan of the handler
 * is one the worker refuses.
 */
class OtherProgramFlagsTest {

    private static CcPlan classify(String commandLine) {
        return CcArgs.classify(Arrays.asList(commandLine.split("\\s+")), Path.of(CcArgsTest.CWD), file -> {
            throw new NoSuchFileException(file.toString());
        });
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "-wrapper /bin/sh,-c,id | -wrapper",
            "-fplugin=./evil.so | -fplugin",
            "-fplugin-arg-evil-x=1 | -fplugin",
            "-fpass-plugin=./p.so | -fpass-plugin",
            "-iplugindir=/p | -iplugindir",
            "-specs=evil.specs | -specs",
            "-specs evil.specs | -specs",
            "--specs=evil.specs | --specs",
            "-B./bin | -B",
            "-B ./bin | -B",
            "--gcc-toolchain=./tc | --gcc-toolchain",
            "-gcc-toolchain ./tc | -gcc-toolchain",
            "--gcc-install-dir=./tc | --gcc-install-dir",
            "--config ./evil.cfg | --config",
            "--config=./evil.cfg | --config",
            "-ccc-install-dir ./bin | -ccc-",
            "--ld-path=./ld | --ld-path",
            "-fuse-ld=/tmp/evil | -fuse-ld",
            "-Wl,-plugin,./evil.so | -Wl",
            "-Xlinker -plugin | -Xlinker -plugin",
            "-Xclang -load | -Xclang -load",
            "-Xclang -add-plugin | -Xclang -add-plugin",
            "-Xclang -plugin-arg-x | -Xclang -plugin-arg-x",
            "-mllvm -load=./p.so | -mllvm -load=./p.so"})
    void whatTheWorkerRefusesTheHandlerKeepsLocalForTheSameReason(String flags, String listed) {
        List<String> flagArgs = List.of(flags.split(" "));
        OtherProgramFlags.Hit hit = OtherProgramFlags.find(flagArgs, 0);
        assertNotNull(hit, flags);
        assertEquals(listed, hit.flag());

        CcPlan plan = classify("clang -c " + flags + " foo.c -o foo.o");
        assertFalse(plan.remote(), flags + " went remote: " + plan.remoteParams());
        assertTrue(plan.localReason().startsWith(listed + " " + hit.why() + " on the worker"), plan.localReason());

        List<String> remote = new ArrayList<>(List.of("-c"));
        remote.addAll(flagArgs);
        remote.addAll(List.of("-o", "foo.o", "-x", "cpp-output", "foo.i"));
        String refusal = CompilerArgvCheck.refusal("clang", remote);
        assertNotNull(refusal, flags);
        assertTrue(refusal.contains("': it " + hit.why()), refusal);
    }

    @Test
    void theWorkerLooksInsideWhatAnOptionHandsThePreprocessor() {
        for (String flags : List.of("-Wp,-fplugin=./p.so", "-Wp,-DX,-fplugin=./p.so", "-Xpreprocessor -fplugin=./p.so",
                "-Wp,@opts", "-Xpreprocessor -iplugindir=.")) {
            List<String> remote = new ArrayList<>(List.of("-c"));
            remote.addAll(List.of(flags.split(" ")));
            remote.addAll(List.of("-o", "foo.o", "-x", "cpp-output", "foo.i"));
            String refusal = CompilerArgvCheck.refusal("gcc", remote);
            assertNotNull(refusal, flags);
            // the cc handler gives such options to the local preprocess only: the remote compile never has them
            CcPlan plan = classify("gcc -c " + flags + " foo.c -o foo.o");
            assertTrue(plan.remote(), flags);
            assertNull(CompilerArgvCheck.refusal("gcc", plan.remoteParams()), flags);
        }
        assertNull(OtherProgramFlags.find(List.of("-Wp,-MD,deps/x.d"), 0), "a dependency file is no program");
    }

    @Test
    void flagsOnlyTheLocalPreprocessGetsStayRemote() {
        // --sysroot and -isysroot are on the list, but the remote compile of the preprocessed unit drops them
        for (String flags : List.of("--sysroot=./root", "--sysroot ./root", "-isysroot ./root", "-Wp,-DX")) {
            CcPlan plan = classify("gcc -c " + flags + " foo.c -o foo.o");
            assertNull(plan.localReason(), flags);
            assertNull(CompilerArgvCheck.refusal("gcc", plan.remoteParams()), flags);
        }
    }

    @Test
    void aFileNameTheWorkerWouldReadAsSuchAFlagStaysLocal() {
        CcPlan plan = classify("gcc -c foo.c -o -Bx.o");
        assertFalse(plan.remote());
        assertTrue(plan.localReason().contains("would read '-Bx.o' as a flag: -B points the compiler"),
                plan.localReason());
    }

    @Test
    void noRemotePlanOfTheTableIsOneTheWorkerRefuses() {
        int remote = 0;
        for (String line : CcArgsTest.rows().map(row -> row.get()[0].toString()).toList()) {
            List<String> argv = Arrays.asList(line.split("\\s+"));
            CcPlan plan = CcArgs.classify(argv, Path.of(CcArgsTest.CWD), file -> "-O2 -c foo.c");
            if (plan.remote()) {
                remote++;
                assertNull(CompilerArgvCheck.refusal(argv.get(0), plan.remoteParams()), line);
            }
        }
        assertTrue(remote >= 20, "remote rows: " + remote);
    }

    @Test
    void plainCompileFlagsAreNotOnTheList() {
        for (String flags : List.of("-O2", "-fuse-ld=lld", "-Wl,--as-needed", "-Xclang -fno-pch-timestamp",
                "-Xlinker --gc-sections", "-mllvm -inline-threshold=100", "-fdebug-compilation-dir=.", "-g", "@")) {
            assertNull(OtherProgramFlags.find(List.of(flags.split(" ")), 0), flags);
        }
    }
}
