package io.troupe.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** troupe.proxy.module-work: defaults as before the keys, a setting taken, a bad value refused by its key. */
class ProxySettingsTest {
    @TempDir
    Path conf;

    private ProxySettings settings(String hocon) {
        Config c = ConfigFactory.parseString(hocon).withFallback(ConfigFactory.defaultReference()).resolve();
        return ProxySettings.from(c, conf);
    }

    @Test
    void theModuleWorkPoolDefaultsToTwiceTheCoresAtLeastFourAnd4096Waiting() {
        ProxySettings s = settings("");
        assertEquals(0, s.moduleWorkThreads());
        assertEquals(Math.max(4, 2 * Runtime.getRuntime().availableProcessors()), s.effectiveModuleWorkThreads());
        assertEquals(4096, s.moduleWorkQueue());
    }

    @Test
    void theModuleWorkPoolSizeIsTakenFromConfig() {
        ProxySettings s = settings("troupe.proxy.module-work { threads = 3, queue = 10 }");
        assertEquals(3, s.effectiveModuleWorkThreads());
        assertEquals(10, s.moduleWorkQueue());
    }

    @Test
    void aBadModuleWorkValueIsRefusedNamingTheKey() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> settings("troupe.proxy.module-work.queue = 0"));
        assertTrue(e.getMessage().contains("troupe.proxy.module-work.queue = 0 is out of range"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> settings("troupe.proxy.module-work.threads = -1"));
        assertTrue(e.getMessage().contains("troupe.proxy.module-work.threads = -1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> settings("troupe.proxy.module-work.threads = many"));
        assertTrue(e.getMessage().contains("module-work.threads"), e.getMessage());
    }
}
