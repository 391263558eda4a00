package io.troupe.module.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.api.proxy.config.ConfigFileException;
import io.troupe.api.proxy.config.DataTable;
import io.troupe.api.proxy.config.ModuleConf;
import io.troupe.module.testing.Recorder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModuleDataTest {
    @TempDir
    Path dir;

    private ModuleConf conf(String text) throws Exception {
        Files.createDirectories(dir.resolve("mod_x"));
        Path f = Files.writeString(dir.resolve("mod_x/mod_x.conf"), text);
        return ModuleConf.load(f, dir, "Basic.DataPath", "Log.OpenDebug");
    }

    @Test
    void pathIsTheSetOneOrTheDefaultResolvedAgainstTheConfRoot() throws Exception {
        assertEquals(dir.resolve("mod_x/d.data"), ModuleData.path(conf("[Basic]\n"), "Basic", "DataPath", "mod_x/d.data"));
        assertEquals(dir.resolve("mod_x/d.data"), ModuleData.path(conf("[Basic]\nDataPath =\n"), "Basic", "DataPath", "mod_x/d.data"));
        assertEquals(dir.resolve("other/a.data"), ModuleData.path(conf("[Basic]\nDataPath = other/a.data\n"), "Basic", "DataPath", "d"));
        assertEquals(Path.of("/abs/a.data"), ModuleData.path(conf("[Basic]\nDataPath = /abs/a.data\n"), "Basic", "DataPath", "d"));
    }

    @Test
    void openLoadsTheDataPathAndReloadsItUnderTheModuleName() throws Exception {
        conf("[Basic]\nDataPath = mod_x/x.data\n[Log]\nOpenDebug = true\n");
        Files.writeString(dir.resolve("mod_x/x.data"), "v1");
        Recorder web = new Recorder();
        DataTable<String> t = ModuleData.open(web, dir, "mod_x", "mod_x/none.data", Files::readString, s -> s);
        assertEquals("v1", t.get());
        Files.writeString(dir.resolve("mod_x/x.data"), "v2");
        assertEquals("v2", web.reloads.get("mod_x").reload(Map.of()));
        assertEquals("v2", t.get());
        // a key the conf does not accept fails the init naming it
        Files.writeString(dir.resolve("mod_x/mod_x.conf"), "[Basic]\nDataPath = mod_x/x.data\nExtra = 1\n");
        ConfigFileException e = assertThrows(ConfigFileException.class,
                () -> ModuleData.open(new Recorder(), dir, "mod_x", "d", Files::readString, s -> s));
        assertTrue(e.getMessage().startsWith(dir.resolve("mod_x/mod_x.conf").toString()) && e.getMessage().contains("Extra"),
                e.getMessage());
    }
}
