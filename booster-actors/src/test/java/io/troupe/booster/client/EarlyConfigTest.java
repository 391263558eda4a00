package io.troupe.booster.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import java.io.OutputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The config the work command starts with: the booster's own settings as the whole config has them, without Pekko's. */
class EarlyConfigTest {

    private static String render(Config config) {
        return config.root().render(ConfigRenderOptions.concise());
    }

    @Test
    void theBoostersSettingsAreTheWholeConfigsButNoOtherLibraryIsParsed() {
        Config early = BoosterRun.earlyConfig();
        Config whole = ConfigFactory.load();
        assertEquals(render(whole.getConfig("troupe")), render(early.getConfig("troupe")));
        assertEquals(whole.getMemorySize("pekko.remote.artery.advanced.maximum-frame-size"),
                early.getMemorySize("pekko.remote.artery.advanced.maximum-frame-size"));
        assertTrue(whole.hasPath("pekko.actor.default-dispatcher"));
        assertFalse(early.hasPath("pekko.actor.default-dispatcher"), "Pekko's reference.conf is parsed after the spawn");
    }

    @Test
    void theReferenceFileIsFoundInAJarAndInAClassDirectory(@TempDir Path dir) throws Exception {
        Path jar = dir.resolve("booster actors.jar");
        try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file)) {
            out.putNextEntry(new JarEntry("reference.conf"));
            out.write("troupe.booster.probe = jar".getBytes(StandardCharsets.UTF_8));
        }
        Path classes = Files.createDirectories(dir.resolve("classes"));
        Files.writeString(classes.resolve("reference.conf"), "troupe.booster.probe = directory");
        URL inJar = BoosterRun.referenceIn(jar.toUri().toURL());
        URL inDirectory = BoosterRun.referenceIn(classes.toUri().toURL());
        assertEquals("jar", ConfigFactory.parseURL(inJar).getString("troupe.booster.probe"), inJar.toString());
        assertEquals("directory", ConfigFactory.parseURL(inDirectory).getString("troupe.booster.probe"), inDirectory.toString());
    }
}
