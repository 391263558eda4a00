package io.troupe.booster.handler.cc;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.api.booster.BoosterConfig;
import io.troupe.api.booster.HookRule;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The rules {@code -bt cc} hooks without a rules file come from the build's PATH, not the booster JVM's. */
class CcHandlerPreloadTest {

    @TempDir
    Path tmp;

    @Test
    void versionedCompilersAreFoundOnTheBuildsOwnPath() throws Exception {
        Path toolchain = Files.createDirectories(tmp.resolve("opt-gcc/bin"));
        Path compiler = Files.writeString(toolchain.resolve("x86_64-linux-gnu-gcc-99"), "#!/bin/sh\n");
        Files.setPosixFilePermissions(compiler, PosixFilePermissions.fromString("rwxr-xr-x"));

        List<String> withIt = hooked(Map.of("PATH", toolchain + ":/usr/bin"));
        List<String> without = hooked(Map.of("PATH", "/usr/bin"));

        assertTrue(withIt.contains("x86_64-linux-gnu-gcc-99"), "hooked on the build's PATH: " + withIt);
        assertTrue(withIt.contains("gcc") && withIt.contains("clang++"), "the plain names always: " + withIt);
        assertFalse(without.contains("x86_64-linux-gnu-gcc-99"), "not on that build's PATH: " + without);
    }

    private List<String> hooked(Map<String, String> env) throws Exception {
        BoosterConfig config = new BoosterConfig("cc", "demo", "b1", "make", tmp, tmp, null, env);
        return new CcHandler().getPreloadConfig(config).hooks().stream().map(HookRule::srcCommand).toList();
    }
}
