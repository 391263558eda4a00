package io.troupe.booster.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The worker's own refusal of compiler flags that run or load another program. */
class CompilerArgvCheckTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "gcc | -wrapper /bin/sh,-c,id -c x.c | -wrapper",
            "/usr/bin/gcc-12 | -c -fplugin=./evil.so x.i | -fplugin=./evil.so",
            "g++ | -c -specs=evil.specs x.ii | -specs=evil.specs",
            "cc | -c --specs evil x.i | --specs",
            "gcc | -B./bin -c x.i | -B./bin",
            "gcc | -B ./bin -c x.i | -B",
            "clang | -c -Xclang -load -Xclang ./evil.so x.i | -Xclang",
            "clang++ | -c -fpass-plugin=./p.so x.ii | -fpass-plugin=./p.so",
            "x86_64-linux-gnu-gcc-12 | -c --sysroot=./root x.i | --sysroot=./root",
            "clang | --config ./evil.cfg -c x.i | --config",
            "clang | -ccc-install-dir ./bin -c x.i | -ccc-install-dir",
            "gcc | @args.rsp | @args.rsp",
            "gcc | x.o -fuse-ld=/tmp/evil | -fuse-ld=/tmp/evil",
            "gcc | x.o -Wl,-plugin,./evil.so | '-Wl,-plugin,./evil.so'",
            "gcc | x.o -Xlinker -plugin -Xlinker ./evil.so | -Xlinker",
            "clang | -c --gcc-toolchain=./tc x.i | --gcc-toolchain=./tc"})
    void refusesFlagsThatRunAnotherProgram(String compiler, String args, String flag) {
        String why = CompilerArgvCheck.refusal(compiler, List.of(args.split(" ")));
        assertNotNull(why, compiler + " " + args);
        assertEquals(true, why.startsWith("the worker refuses '" + compiler + "' with '" + flag + "': it "), why);
        assertEquals(true, why.endsWith("(a remote sub-work only compiles)"), why);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "gcc | -c -O2 -g -x cpp-output -o x.o x.i",
            "clang++ | -c -std=c++20 -fdebug-compilation-dir=. -Xclang -fno-pch-timestamp -o x.o x.ii",
            "gcc | -c -fuse-ld=lld -Wl,--as-needed -o x.o x.i",
            "gcc | --version",
            "sh | -c -wrapper",
            "cat | @file -B"})
    void letsPlainCompilesAndOtherProgramsPass(String program, String args) {
        assertNull(CompilerArgvCheck.refusal(program, List.of(args.split(" "))));
    }

    @org.junit.jupiter.api.Test
    void namesTheRefusalReason() {
        assertEquals("the worker refuses 'gcc' with '-wrapper': it runs another program around the compiler's parts"
                        + " (a remote sub-work only compiles)",
                CompilerArgvCheck.refusal("gcc", List.of("-wrapper", "/bin/sh,-c,touch /tmp/x", "-c", "x.c")));
    }
}
