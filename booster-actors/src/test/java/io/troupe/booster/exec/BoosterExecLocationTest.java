package io.troupe.booster.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.troupe.booster.testutil.Proc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where the booster finds booster-exec in an installation laid out as bin/ and lib/. */
class BoosterExecLocationTest {

    @TempDir
    Path home;

    private final String savedHome = System.getProperty(BoosterExecLocation.HOME_PROPERTY);
    private final String savedNative = System.getProperty(BoosterExecLocation.NATIVE_PROPERTY);

    @AfterEach
    void restore() {
        restore(BoosterExecLocation.HOME_PROPERTY, savedHome);
        restore(BoosterExecLocation.NATIVE_PROPERTY, savedNative);
    }

    private static void restore(String key, String value) {
        if (value == null) {
            System.clearProperty(key);
        } else {
            System.setProperty(key, value);
        }
    }

    @Test
    void theNativeBinaryInTheInstallationsBinIsUsedDirectly() throws Exception {
        Optional<Path> built = Proc.nativeBoosterExec();
        assumeTrue(built.isPresent(), "native booster-exec not built (no C compiler)");
        Path bin = Files.createDirectories(home.resolve("bin"));
        Files.copy(built.get(), bin.resolve("booster-exec"), StandardCopyOption.COPY_ATTRIBUTES);
        System.setProperty(BoosterExecLocation.HOME_PROPERTY, home.toString());
        System.clearProperty(BoosterExecLocation.NATIVE_PROPERTY);
        BoosterExecLocation location = BoosterExecLocation.locate();
        assertEquals(Optional.of(bin.resolve("booster-exec").toAbsolutePath()), location.nativeBinary());
        assertEquals(1, location.command().size());
    }

    @Test
    void aScriptInBinIsNotTakenForTheNativeBinaryAndLibIsTheFallbackClasspath() throws Exception {
        Path bin = Files.createDirectories(home.resolve("bin"));
        Files.createDirectories(home.resolve("lib"));
        Path script = Files.writeString(bin.resolve("booster-exec"), "#!/bin/sh\nexec true\n");
        script.toFile().setExecutable(true);
        System.setProperty(BoosterExecLocation.HOME_PROPERTY, home.toString());
        System.clearProperty(BoosterExecLocation.NATIVE_PROPERTY);
        BoosterExecLocation location = BoosterExecLocation.locate();
        assertFalse(location.nativeBinary().isPresent());
        assertTrue(location.command().contains(home.resolve("lib").toAbsolutePath() + "/*"), location.command().toString());
        assertEquals(BoosterExec.class.getName(), location.command().get(location.command().size() - 1));
    }

    @Test
    void cleanPathDropsOnlyTheShimDirectory() {
        assertEquals("/usr/bin:/bin", BoosterExec.cleanPath("/tmp/shims:/usr/bin:/tmp/shims/:/bin", "/tmp/shims"));
        assertEquals("/tmp/shims2:/usr/bin", BoosterExec.cleanPath("/tmp/shims2:/usr/bin", "/tmp/shims"));
        assertEquals("/usr/bin", BoosterExec.cleanPath("/usr/bin", null));
    }
}
