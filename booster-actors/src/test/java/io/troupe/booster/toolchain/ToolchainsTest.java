package io.troupe.booster.toolchain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Toolchain keys of the installed gcc and of wrapper scripts that claim another version. */
@Tag("process")
class ToolchainsTest {

    @TempDir
    Path tmp;

    /** A "gcc" that reports {@code version} and otherwise runs the real gcc. */
    static Path fakeGcc(Path dir, String version) throws IOException {
        Files.createDirectories(dir);
        Path script = dir.resolve("gcc");
        Files.writeString(script, "#!/bin/sh\ncase \"$1\" in --version) echo \"gcc (Fake) " + version
                + "\"; exit 0;; esac\nexec /usr/bin/gcc \"$@\"\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        return script;
    }

    @Test
    void theKeyOfGccNamesVersionTargetAndDigestAndIsCached() throws Exception {
        Path gcc = Toolchains.find("gcc", System.getenv("PATH"), tmp).orElseThrow();
        ToolchainKey key = Toolchains.keyOf(gcc);
        assertTrue(key.version().matches(".*\\d+\\.\\d+.*"), key.version());
        assertTrue(!key.version().startsWith("gcc ") && !key.version().startsWith("x86_64"), key.version());
        assertTrue(key.target().contains("-"), key.target());
        assertEquals(64, key.sha256().length());
        assertSame(key, Toolchains.keyOf(gcc), "cached per path, mtime and size");
        Path cc = Toolchains.find("cc", System.getenv("PATH"), tmp).orElseThrow();
        if (cc.toRealPath().equals(gcc.toRealPath())) {
            assertEquals(key, Toolchains.keyOf(cc), "the same binary under another name is the same toolchain");
        }
    }

    @Test
    void aCompilerLauncherOnPathIsSkipped() throws Exception {
        Path launchers = Files.createDirectories(tmp.resolve("ccache-bin"));
        Path ccache = launchers.resolve("ccache");
        Files.writeString(ccache, "#!/bin/sh\necho 'ccache version 4.8'\n");
        Files.setPosixFilePermissions(ccache, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.createSymbolicLink(launchers.resolve("gcc"), ccache);
        Path found = Toolchains.find("gcc", launchers + ":" + System.getenv("PATH"), tmp).orElseThrow();
        assertEquals(Toolchains.find("gcc", System.getenv("PATH"), tmp).orElseThrow(), found);
    }

    @Test
    void aWrapperReportingAnotherVersionHasAnotherKey() throws Exception {
        Path gcc = Toolchains.find("gcc", System.getenv("PATH"), tmp).orElseThrow();
        ToolchainKey fake = Toolchains.keyOf(fakeGcc(tmp.resolve("fake"), "99.0.0"));
        assertEquals("(Fake) 99.0.0", fake.version());
        assertEquals(Toolchains.keyOf(gcc).target(), fake.target());
        assertNotEquals(Toolchains.keyOf(gcc).key(), fake.key());
    }

    @Test
    void probingFindsPlainAndVersionedNamesAndReportsBadOnes() throws Exception {
        List<String> names = Toolchains.defaultNames(System.getenv("PATH"));
        assertTrue(names.containsAll(List.of("gcc", "g++", "cc", "c++", "clang", "clang++")), names.toString());
        assertTrue(names.stream().anyMatch(name -> name.matches("gcc-\\d+")), names.toString());
        Toolchains.Probe probe = Toolchains.probe(List.of("gcc", tmp.resolve("missing/gcc").toString()),
                System.getenv("PATH"), false);
        assertTrue(probe.held().containsKey(Toolchains.keyOf(Toolchains.find("gcc", System.getenv("PATH"), tmp)
                .orElseThrow()).key()));
        assertEquals(1, probe.problems().size());
        assertTrue(probe.problems().get(0).contains("missing/gcc") && probe.problems().get(0).contains("troupe.worker.toolchains"),
                probe.problems().get(0));
        Path notACompiler = tmp.resolve("false-cc");
        Files.writeString(notACompiler, "#!/bin/sh\nexit 3\n");
        Files.setPosixFilePermissions(notACompiler, PosixFilePermissions.fromString("rwxr-xr-x"));
        IOException failure = assertThrows(IOException.class, () -> Toolchains.keyOf(notACompiler));
        assertTrue(failure.getMessage().contains("false-cc --version exited 3"), failure.getMessage());
    }

    @Test
    void aHungCompilerAndTheChildHoldingItsOutputAreKilledAtTheTimeout() throws Exception {
        Path pidFile = tmp.resolve("child.pid");
        // the child inherits the shell's output: the timeout must end it too, not only the shell
        List<String> hung = List.of("/bin/sh", "-c", "echo started; sleep 300 & echo $! > " + pidFile + "; wait");
        long start = System.nanoTime();
        IOException failure = assertThrows(IOException.class, () -> Toolchains.output(hung, tmp, null, 1000));
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(failure.getMessage().contains("/bin/sh -c did not finish within 1000 ms"), failure.getMessage());
        assertTrue(tookMs < 20_000, "gave up after " + tookMs + " ms");
        long child = Long.parseLong(Files.readString(pidFile).strip());
        Optional<ProcessHandle> left = ProcessHandle.of(child);
        if (left.isPresent()) {
            // throws TimeoutException when the child outlives the kill
            left.get().onExit().get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void aCommandThatFinishesInTimeIsReadWhole() throws Exception {
        assertEquals("a\nb\n", Toolchains.output(List.of("/bin/sh", "-c", "echo a; echo b >&2"), tmp, null, 10_000));
    }
}
