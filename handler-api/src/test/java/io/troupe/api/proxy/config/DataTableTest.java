package io.troupe.api.proxy.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.troupe.api.proxy.WebHandlers;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataTableTest {

    @TempDir
    Path dir;

    /** Records what a table registers. */
    static final class Web implements WebHandlers {
        final Map<String, ReloadHandler> reloads = new HashMap<>();
        final Map<String, String> versions = new HashMap<>();

        @Override
        public void registerMonitor(String name, MonitorHandler handler) {
        }

        @Override
        public void registerReload(String name, ReloadHandler handler) {
            reloads.put(name, handler);
        }

        @Override
        public void dataVersion(String reloadName, String version) {
            versions.put(reloadName, version);
        }
    }

    @Test
    void relativeReloadPathIsTakenFromTheConfRootWhenOneIsGiven() throws Exception {
        Files.createDirectories(dir.resolve("mod_x"));
        Files.writeString(dir.resolve("mod_x/a.data"), "v1");
        Files.writeString(dir.resolve("mod_x/b.data"), "v2");
        Web web = new Web();
        DataTable<String> t = DataTable.open(web, "mod_x", dir.resolve("mod_x/a.data"), dir, Files::readString, s -> s);
        assertEquals("v1", t.get());
        assertEquals("v1", web.versions.get("mod_x"));

        assertEquals("v2", web.reloads.get("mod_x").reload(Map.of("path", List.of("mod_x/b.data"))));
        assertEquals("v2", t.get());
        assertEquals("v2", web.versions.get("mod_x"));
        assertEquals("v1", t.reload(Map.of()));
    }

    @Test
    void withoutConfRootARelativeReloadPathIsTakenAsGiven() throws Exception {
        Files.createDirectories(dir.resolve("mod_x"));
        Files.writeString(dir.resolve("mod_x/a.data"), "v1");
        Files.writeString(dir.resolve("mod_x/b.data"), "v2");
        DataTable<String> t = DataTable.open(new Web(), "mod_x", dir.resolve("mod_x/a.data"), Files::readString, s -> s);
        // relative to the working directory, where mod_x/b.data is not
        assertThrows(NoSuchFileException.class, () -> t.reload(Map.of("path", List.of("mod_x/b.data"))));
        assertEquals("v1", t.get());
        assertEquals("v2", t.reload(Map.of("path", List.of(dir.resolve("mod_x/b.data").toString()))));
    }
}
