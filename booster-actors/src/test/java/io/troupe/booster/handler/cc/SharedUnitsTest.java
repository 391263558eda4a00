package io.troupe.booster.handler.cc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The rules by which a compile takes an earlier compile's unit, without a compiler: units written by hand. */
class SharedUnitsTest {

    @TempDir
    Path tmp;

    private static final Set<String> TIME = Set.of("__DATE__", "__TIME__", "__TIMESTAMP__");
    private static final Set<String> PIC_FAMILY = Set.of("__PIC__", "__pic__", "__PIE__", "__pie__",
            "__AARCH64_CMODEL_SMALL__", "__AARCH64_CMODEL_TINY__", "__AARCH64_CMODEL_LARGE__");

    @Test
    void theDifferingMacrosAreThoseWhoseOwnFlagsDifferPlusThePicFamilyAndTheTimeMacros() {
        // libtool's pair
        assertEquals(union(union(TIME, PIC_FAMILY), Set.of("PIC")),
                SharedUnits.differing(List.of("-DLUA_COMPAT_5_3", "-fPIC", "-DPIC"), List.of("-DLUA_COMPAT_5_3")));
        assertEquals(union(TIME, Set.of("A")), SharedUnits.differing(List.of("-DA=1"), List.of("-DA=2")));
        assertEquals(union(TIME, Set.of("F", "G")), SharedUnits.differing(List.of("-DF=x"), List.of("-UG")));
        // the switches in another order, besides another flag: the later one wins, so they differ
        assertEquals(union(union(TIME, PIC_FAMILY), Set.of("A")),
                SharedUnits.differing(List.of("-fPIC", "-fpie", "-DA"), List.of("-fpie", "-fPIC")));
        assertEquals(TIME, SharedUnits.differing(List.of("-fpie", "-DA", "-DB"), List.of("-DB", "-fpie", "-DA")));
        // a name given twice on one side, a predefined one, or no identifier: never shared
        assertNull(SharedUnits.differing(List.of("-UNDEBUG", "-DNDEBUG", "-fPIC"), List.of("-DNDEBUG")));
        assertNull(SharedUnits.differing(List.of("-D__STDC__=0", "-fPIC"), List.of()));
        assertNull(SharedUnits.differing(List.of("-D1X", "-fPIC"), List.of()));
        assertNull(SharedUnits.differing(List.of("-DA-B", "-fPIC"), List.of()));
        assertNull(SharedUnits.differing(List.of("-Dcaf\u00e9", "-fPIC"), List.of()));
        // what the later command's own preprocess would warn about or refuse: a reserved or predefined name, a
        // function-like or odd body, -U with more than the name
        for (String flag : List.of("-D_GNU_SOURCE", "-Dlinux", "-Dnot", "-Ddefined", "-DF(x)=x", "-DS=\"s\"",
                "-DH=#x", "-UFOO=1")) {
            assertNull(SharedUnits.differing(List.of(flag), List.of()), flag);
        }
        // identical on both sides they are no obstacle: the earlier preprocess ran them without a word
        assertEquals(union(TIME, Set.of("PIC")), SharedUnits.differing(List.of("-D_GNU_SOURCE", "-DPIC"),
                List.of("-D_GNU_SOURCE")));
    }

    @Test
    void aNameCountsOnlyAsAWholeIdentifierAnywhereInTheFile() {
        Set<String> pic = Set.of("PIC");
        assertTrue(SharedUnits.mentions(bytes("#ifdef PIC\n#endif\n"), pic));
        assertTrue(SharedUnits.mentions(bytes("/* PIC */"), pic)); // a comment counts: the scan never guesses
        assertTrue(SharedUnits.mentions(bytes("x(PIC)"), pic));
        assertTrue(SharedUnits.mentions(bytes("PIC"), pic));
        assertFalse(SharedUnits.mentions(bytes("EPIC PICTURE _PIC PIC_ PIC2 \u00e9PIC"), pic));
        assertTrue(SharedUnits.mentions(bytes("$PIC"), pic), "$ may not be an identifier character");
        assertTrue(SharedUnits.mentions(bytes("#ifdef P\\\nIC"), pic), "a backslash-newline joins the name");
        assertTrue(SharedUnits.mentions(bytes("#ifdef P\\\r\nIC"), pic));
        assertTrue(SharedUnits.mentions(bytes("#ifdef P\\ \t\nIC"), pic), "blanks after the backslash");
        assertTrue(SharedUnits.mentions(bytes("#ifdef P\\\rIC"), pic), "a lone CR ends a line too");
        assertTrue(SharedUnits.mentions(bytes("#ifdef P??/\nIC"), pic), "a trigraph: never scanned");
        assertFalse(SharedUnits.mentions(bytes(""), pic));
        assertTrue(SharedUnits.mentions(bytes("int x = 0; // __PIE__"), Set.of("PIC", "__PIE__")));
        assertTrue(SharedUnits.mentions(bytes("anything"), Set.of("")), "an unreadable flag never shares");
    }

    @Test
    void aUnitsFilesAreTheNamesOfItsLineMarkersRelativeOnesAgainstTheCompilesDirectory() throws IOException {
        Path unit = tmp.resolve("u.i");
        Files.writeString(unit, String.join("\n",
                "# 0 \"../src/a.c\"",
                "# 0 \"<built-in>\"",
                "# 0 \"<command-line>\"",
                "# 1 \"/usr/include/stdc-predef.h\" 1 3 4",
                "# 0 \"<command-line>\" 2",
                "# 1 \"../src/a.c\"",
                "#pragma once",
                "# 12 \"inc/we\\\"ird\\\\.h\" 1",
                "int a; # 3 \"not-a-marker.h\"",
                "# 7 \"../src/a.c\" 2",
                "# 1 \"/client/dir//\"",
                ""));
        Path cwd = tmp.resolve("build");
        // not normalized: dir/.. through a symbolic link is where the kernel goes; -g's "/dir//" names no file
        assertEquals(List.of(cwd.resolve("../src/a.c"), Path.of("/usr/include/stdc-predef.h"),
                cwd.resolve("inc/we\"ird\\.h")), SharedUnits.markedFiles(unit, cwd));
        Files.writeString(unit, "# 1 \"oct\\303al.h\"\n");
        assertThrows(IOException.class, () -> SharedUnits.markedFiles(unit, cwd));
        // -g3 leaves the macros in the unit: the earlier command's
        Files.writeString(unit, "# 1 \"a.c\"\n#define PIC 1\nint a;\n");
        assertThrows(IOException.class, () -> SharedUnits.markedFiles(unit, cwd));
    }

    @Test
    void aLaterCompileTakesTheUnitOnceOnlyWhenItsFilesAreUnchangedAndSilentAndTheShapeMatches() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("units"));
        Path cwd = Files.createDirectories(tmp.resolve("build"));
        Path header = tmp.resolve("h.h");
        Files.writeString(header, "int h;\n");
        Path source = cwd.resolve("s.c");
        Files.writeString(source, "#include \"../h.h\"\n");
        Path gcc = Path.of("/usr/bin/gcc");
        String x86 = "x86_64-linux-gnu";
        Map<String, String> env = Map.of("PATH", "/usr/bin");
        List<String> pic = List.of("-O2", "-fPIC", "-DPIC", "s.c", "-E");
        List<String> plain = List.of("-O2", "s.c", "-E");
        String text = "# 1 \"s.c\"\n# 1 \"../h.h\" 1\nint h;\n";
        SharedUnits shared = new SharedUnits(Duration.ZERO);
        FileTime later = FileTime.from(Instant.now().plusSeconds(1)); // the files are older than the preprocess

        shared.keep(gcc, x86, cwd, env, pic, unit(dir, "1.i", text), later);
        Path other = dir.resolve("other.i");
        // the same command line again preprocesses anew
        assertFalse(shared.reuse(gcc, x86, cwd, env, pic, other));
        // another compiler, directory, environment or non-macro flag: another shape
        assertFalse(shared.reuse(Path.of("/usr/bin/g++"), x86, cwd, env, plain, other));
        assertFalse(shared.reuse(gcc, x86, tmp, env, plain, other));
        assertFalse(shared.reuse(gcc, x86, cwd, Map.of("PATH", "/bin"), plain, other));
        assertFalse(shared.reuse(gcc, x86, cwd, env, List.of("-O1", "s.c", "-E"), other));
        // the build's switch, or a target whose PIC switches may change other macros: never
        assertFalse(shared.reuse(gcc, x86, cwd, Map.of("PATH", "/usr/bin", SharedUnits.SWITCH, "off"), plain, other));
        assertFalse(shared.reuse(gcc, "riscv64-linux-gnu", cwd, env, plain, other));
        assertFalse(shared.reuse(gcc, "x86_64-w64-mingw32", cwd, env, plain, other));
        assertFalse(shared.reuse(gcc, x86, cwd, env, List.of("-O2", "--target=riscv64-linux-gnu", "s.c", "-E"), other));
        // a -D body that names a differing macro
        assertFalse(shared.reuse(gcc, x86, cwd, env, List.of("-O2", "-DSHARED=PIC", "s.c", "-E"), other));
        assertTrue(Files.notExists(other));
        Path second = dir.resolve("2.i");
        // what a shell changes by itself (bash lowers SHLVL before execing its last command) is no difference
        assertTrue(shared.reuse(gcc, x86, cwd, Map.of("PATH", "/usr/bin", "SHLVL", "2", "_", "/usr/bin/gcc"), plain, second));
        assertEquals(Files.getAttribute(dir.resolve("1.i"), "unix:ino"), Files.getAttribute(second, "unix:ino"));
        assertFalse(shared.reuse(gcc, x86, cwd, env, plain, dir.resolve("3.i")), "a kept unit serves once");
        assertEquals(0, kept(dir));

        // a file that mentions a differing macro
        Files.writeString(header, "#ifdef __PIE__\nint h;\n#endif\n");
        shared.keep(gcc, x86, cwd, env, pic, unit(dir, "4.i", text), FileTime.from(Instant.now().plusSeconds(1)));
        assertFalse(shared.reuse(gcc, x86, cwd, env, plain, dir.resolve("5.i")));

        // a file changed after the earlier preprocess started
        Files.writeString(header, "int h;\n");
        shared.keep(gcc, x86, cwd, env, pic, unit(dir, "6.i", text), FileTime.from(Instant.now().minusSeconds(5)));
        assertFalse(shared.reuse(gcc, x86, cwd, env, plain, dir.resolve("7.i")));

        // a header reached through a symlink that now names another, older file: not the file the unit was made of
        Path first = Files.writeString(tmp.resolve("first.h"), "int h;\n");
        Path second2 = Files.writeString(tmp.resolve("second.h"), "int other;\n");
        Files.delete(header);
        Files.createSymbolicLink(header, first.getFileName());
        shared.keep(gcc, x86, cwd, env, pic, unit(dir, "6b.i", text), FileTime.from(Instant.now().plusSeconds(1)));
        Files.delete(header);
        Files.createSymbolicLink(header, second2.getFileName());
        assertFalse(shared.reuse(gcc, x86, cwd, env, plain, dir.resolve("6c.i")));
        // pointed back at the file it was made of, it is shared
        Files.delete(header);
        Files.createSymbolicLink(header, first.getFileName());
        assertTrue(shared.reuse(gcc, x86, cwd, env, plain, dir.resolve("6d.i")));
        // pointed elsewhere while the earlier preprocess ran: the identity is the new file's, the link's time is new
        Files.delete(header);
        FileTime filesChanged = Files.readAttributes(second2, java.nio.file.attribute.BasicFileAttributes.class)
                .lastModifiedTime();
        Path probe = tmp.resolve("clock-probe");
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        do { // until the file system's clock has moved past the files' last change
            Files.deleteIfExists(probe);
            Files.createFile(probe);
            assertTrue(System.nanoTime() < deadline, "the file system's clock did not move");
        } while (((FileTime) Files.getAttribute(probe, "unix:ctime")).compareTo(filesChanged) <= 0
                || ((FileTime) Files.getAttribute(first, "unix:ctime")).compareTo(
                        (FileTime) Files.getAttribute(probe, "unix:ctime")) >= 0);
        Files.createSymbolicLink(header, second2.getFileName());
        FileTime linked = (FileTime) Files.getAttribute(header, "unix:ctime", java.nio.file.LinkOption.NOFOLLOW_LINKS);
        shared.keep(gcc, x86, cwd, env, pic, unit(dir, "6e.i", text), linked);
        assertFalse(shared.reuse(gcc, x86, cwd, env, plain, dir.resolve("6f.i")));
        shared.clear();
        Files.delete(header);
        Files.writeString(header, "int h;\n");

        // a unit without line markers is not kept: nothing to check it by
        shared.keep(gcc, x86, cwd, env, pic, unit(dir, "8.i", "int h;\n"), later);
        assertEquals(0, kept(dir));
        assertFalse(shared.reuse(gcc, x86, cwd, env, plain, dir.resolve("9.i")));

        // only libtool's first compile is kept (-DPIC): not a plain one, nor -fPIC alone as CMake gives every compile
        shared.clear();
        shared.keep(gcc, x86, cwd, env, plain, unit(dir, "10.i", text), later);
        shared.keep(gcc, x86, cwd, env, List.of("-O2", "-fPIC", "s.c", "-E"), unit(dir, "11.i", text), later);
        assertEquals(0, kept(dir));
        // nor kept longer than KEEP_FOR: the next keep lets the stale one go
        shared.keep(gcc, x86, cwd, env, pic, unit(dir, "12.i", text), FileTime.from(Instant.now().minus(
                SharedUnits.KEEP_FOR).minusSeconds(1)));
        assertEquals(1, kept(dir));
        shared.keep(gcc, x86, cwd, env, List.of("-O1", "-DPIC", "s.c", "-E"), unit(dir, "13.i", text), later);
        assertEquals(1, kept(dir), "the stale unit is gone");
        shared.clear();

        // kept links go with clear(), and never exceed KEPT
        for (int i = 0; i < SharedUnits.KEPT + 5; i++) {
            Path u = unit(dir, "many-" + i + ".i", "# 1 \"s.c\"\nint x;\n");
            shared.keep(gcc, x86, cwd, env, List.of("-DPIC", "s" + i + ".c", "-E"), u, later);
            Files.delete(u);
        }
        assertEquals(SharedUnits.KEPT, kept(dir));
        shared.clear();
        assertEquals(0, kept(dir));
    }

    @Test
    void withTheSameDependencyFileAndTargetTheLaterCompileWritesTheEarlierOnesDependencies() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("units"));
        Path cwd = Files.createDirectories(tmp.resolve("build"));
        Files.createDirectories(cwd.resolve(".deps"));
        Files.writeString(tmp.resolve("h.h"), "int h;\n");
        Files.writeString(cwd.resolve("s.c"), "#include \"../h.h\"\n");
        Path gcc = Path.of("/usr/bin/gcc");
        String x86 = "x86_64-linux-gnu";
        Map<String, String> env = Map.of("PATH", "/usr/bin");
        // automake's libtool pair: both name the same .Tpo and target
        List<String> deps = List.of("-MT", "s.lo", "-MD", "-MP", "-MF", ".deps/s.Tpo");
        List<String> pic = new java.util.ArrayList<>(deps);
        pic.addAll(List.of("-DPIC", "s.c", "-E"));
        List<String> plain = new java.util.ArrayList<>(deps);
        plain.addAll(List.of("s.c", "-E"));
        String text = "# 1 \"s.c\"\n# 1 \"../h.h\" 1\nint h;\n";
        String written = "s.lo: s.c ../h.h\n../h.h:\n";
        Path depFile = cwd.resolve(".deps/s.Tpo");
        SharedUnits shared = new SharedUnits(Duration.ZERO);
        FileTime later = FileTime.from(Instant.now().plusSeconds(1));

        assertEquals(".deps/s.Tpo", SharedUnits.dependencyFile(pic));
        assertEquals("d.d", SharedUnits.dependencyFile(List.of("-MMD", "-MFd.d", "s.c", "-E")));
        assertEquals(null, SharedUnits.dependencyFile(List.of("-MF", "d.d", "s.c", "-E")), "-MF alone writes nothing");

        Files.writeString(depFile, written);
        shared.keep(gcc, x86, cwd, env, pic, unit(dir, "1.i", text), later);
        Files.delete(depFile);
        assertTrue(shared.reuse(gcc, x86, cwd, env, plain, dir.resolve("2.i")));
        assertEquals(written, Files.readString(depFile), "written again, as the later preprocess would");

        // a dependency file the earlier compile did not leave: not kept
        Files.delete(depFile);
        shared.keep(gcc, x86, cwd, env, pic, unit(dir, "3.i", text), later);
        assertEquals(0, kept(dir));
        // -MG (missing headers listed as the build's own) is not shared
        Files.writeString(depFile, written);
        List<String> generated = new java.util.ArrayList<>(pic);
        generated.add(0, "-MG");
        shared.keep(gcc, x86, cwd, env, generated, unit(dir, "4.i", text), later);
        assertEquals(0, kept(dir));
        shared.clear();
    }

    private static Path unit(Path dir, String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }

    private static long kept(Path dir) throws IOException {
        try (var files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().startsWith("kept-")).count();
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        java.util.TreeSet<String> all = new java.util.TreeSet<>(a);
        all.addAll(b);
        return all;
    }
}
