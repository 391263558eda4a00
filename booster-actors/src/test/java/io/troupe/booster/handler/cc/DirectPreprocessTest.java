package io.troupe.booster.handler.cc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.troupe.booster.toolchain.DriverCommands;
import io.troupe.booster.toolchain.Toolchains;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DirectPreprocessTest {

    @TempDir
    Path tmp;

    @Test
    void onlyOneCc1PreprocessIsTaken() {
        String cc1 = " /usr/lib/gcc/12/cc1 -E t.c -o t.i\n";
        assertTrue(DirectPreprocess.isOneCc1(DriverCommands.parse(cc1).orElseThrow()));
        assertFalse(DirectPreprocess.isOneCc1(DriverCommands.parse(cc1 + " /usr/bin/objcopy t.o\n").orElseThrow()),
                "a second program");
        assertFalse(DirectPreprocess.isOneCc1(DriverCommands.parse(" /usr/lib/gcc/12/cc1 t.c -o t.s\n").orElseThrow()), "no -E");
        assertFalse(DirectPreprocess.isOneCc1(DriverCommands.parse(" \"/usr/lib/llvm/bin/clang\" \"-cc1\" \"-E\" t.c\n")
                .orElseThrow()), "clang");
        assertFalse(DirectPreprocess.isOneCc1(DriverCommands.parse(" cc1 -E t.c\n").orElseThrow()), "a program found on PATH");
    }

    /** Real gcc: cc1 run directly writes the same unit and dependency file as the driver, and learns each shape once. */
    @Tag("process")
    @Test
    void cc1DirectlyWritesWhatTheDriverWrites() throws Exception {
        Path gcc = gcc();
        Path cwd = Files.createDirectories(tmp.resolve("build"));
        Files.createDirectories(cwd.resolve("inc"));
        Files.createDirectories(cwd.resolve("src"));
        Files.writeString(cwd.resolve("inc/defs.h"), "#define SCALE 3\n");
        for (String name : List.of("one", "two", "three")) {
            Files.writeString(cwd.resolve("src/" + name + ".c"),
                    "#include \"defs.h\"\nint " + name + "(int x) { return x * SCALE + __LINE__; }\n");
        }
        Files.writeString(cwd.resolve("src/four.cc"), "#include \"defs.h\"\ntemplate <class T> T four(T x) { return x * SCALE; }\n");
        DirectPreprocess direct = new DirectPreprocess();
        String toolchain = Toolchains.keyOf(gcc).key();
        Map<String, String> env = new HashMap<>(System.getenv());
        List<List<String>> shapes = List.of(
                List.of("-std=gnu99", "-O2", "-Iinc", "-DLUA_USE_LINUX"),
                List.of("-O2", "-g", "-Iinc", "-MD", "-MP", "-MF", "DEPS", "-MQ", "OBJ"),
                List.of("-fPIC", "-DPIC", "-Iinc"));
        for (List<String> flags : shapes) {
            long before = direct.probes();
            for (String name : List.of("one", "two", "three")) {
                compareWithTheDriver(direct, gcc, toolchain, cwd, env, flags, "src/" + name + ".c", name);
            }
            assertEquals(2, direct.probes() - before, "one shape, asked twice the first time and never after: " + flags);
        }
        Path gxx = gcc.resolveSibling("g++");
        assumeTrue(Files.isExecutable(gxx), "no g++ beside gcc");
        compareWithTheDriver(direct, gxx, Toolchains.keyOf(gxx).key(), cwd, env, List.of("-O2", "-Iinc"), "src/four.cc",
                "four");
        assertEquals(8, direct.probes(), "g++ is a shape of its own");
    }

    private void compareWithTheDriver(DirectPreprocess direct, Path compiler, String toolchain, Path cwd,
            Map<String, String> env, List<String> flags, String source, String name) throws Exception {
        List<String> args = new ArrayList<>();
        for (String flag : flags) {
            args.add(flag.replace("DEPS", "deps/" + name + ".d").replace("OBJ", "obj/" + name + ".o"));
        }
        Files.createDirectories(cwd.resolve("deps"));
        args.add(source);
        args.add("-E");
        List<String> viaDriver = new ArrayList<>(args);
        viaDriver.addAll(List.of("-o", tmp.resolve("driver-" + name + ".i").toString()));
        List<String> viaCc1 = new ArrayList<>(args);
        viaCc1.addAll(List.of("-o", tmp.resolve("direct-" + name + ".i").toString()));

        List<String> command = new ArrayList<>(List.of(compiler.toString()));
        command.addAll(viaDriver);
        run(command, cwd, env);
        byte[] driverDeps = flags.contains("DEPS") ? Files.readAllBytes(cwd.resolve("deps/" + name + ".d")) : null;

        Optional<DirectPreprocess.Direct> cc1 = direct.commandFor(compiler, toolchain, viaCc1, source, cwd, env);
        assertTrue(cc1.isPresent(), "gcc's preprocess of " + flags + " is one cc1");
        assertTrue(cc1.get().argv().get(0).endsWith("/cc1") || cc1.get().argv().get(0).endsWith("/cc1plus"),
                cc1.get().argv().toString());
        Map<String, String> cc1Env = new HashMap<>(env);
        cc1Env.putAll(cc1.get().env());
        run(cc1.get().argv(), cwd, cc1Env);

        String driverUnit = Files.readString(tmp.resolve("driver-" + name + ".i"));
        String directUnit = Files.readString(tmp.resolve("direct-" + name + ".i"));
        assertEquals(driverUnit, directUnit, "the same unit for " + source + " " + flags);
        if (driverDeps != null) {
            assertArrayEquals(driverDeps, Files.readAllBytes(cwd.resolve("deps/" + name + ".d")),
                    "the same dependency file for " + source);
        }
    }

    /** A driver that names a derived file otherwise for other names: the check against the real answer refuses it. */
    @Tag("process")
    @Test
    void aDriverThatDerivesNamesOtherwiseKeepsTheDriver() throws Exception {
        Path fake = tmp.resolve("fakecc");
        // prints the source's name in upper case as well: the learnt shape, with names put back, would differ
        Files.writeString(fake, """
                #!/bin/sh
                for a in "$@"; do case "$a" in *.c) src="$a" ;; esac; done
                echo "COLLECT_GCC=$0" >&2
                echo " /opt/fake/cc1 -E $src -aux $(echo "$src" | tr a-z A-Z)" >&2
                """);
        Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwxr-xr-x"));
        DirectPreprocess direct = new DirectPreprocess();
        Map<String, String> env = Map.of("PATH", "/usr/bin:/bin");
        List<String> argv = List.of("a.c", "-E", "-o", "u.i");
        assertTrue(direct.commandFor(fake, "k", argv, "a.c", tmp, env).isEmpty());
        assertTrue(direct.commandFor(fake, "k", List.of("b.c", "-E", "-o", "v.i"), "b.c", tmp, env).isEmpty());
        assertEquals(2, direct.probes(), "the refusal is kept for the shape");

        Map<String, String> off = Map.of("PATH", "/usr/bin:/bin", DirectPreprocess.SWITCH, "off");
        assertTrue(direct.commandFor(fake, "k", List.of("c.c", "-O1", "-E", "-o", "w.i"), "c.c", tmp, off).isEmpty());
        assertEquals(2, direct.probes(), "switched off, the driver is not asked");
    }

    private static Path gcc() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
            Path candidate = Path.of(dir, "gcc");
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        assumeTrue(false, "gcc is not installed");
        return null;
    }

    private static void run(List<String> command, Path cwd, Map<String, String> env) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).directory(cwd.toFile()).redirectErrorStream(true);
        builder.environment().clear();
        builder.environment().putAll(env);
        Process process = builder.start();
        String out = new String(process.getInputStream().readAllBytes());
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "timed out: " + command);
        assertEquals(0, process.exitValue(), command + " printed: " + out);
    }
}
