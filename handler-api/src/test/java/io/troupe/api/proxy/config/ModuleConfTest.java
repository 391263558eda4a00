package io.troupe.api.proxy.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModuleConfTest {

    @TempDir
    Path dir;

    private static final String[] KEYS = {"Basic.ProductRulePath", "Basic.IPBlocklistPath", "Log.OpenDebug",
            "Server.Modules", "Server.Port"};

    private ModuleConf load(String text) throws Exception {
        Path f = dir.resolve("mod_x.conf");
        Files.writeString(f, text);
        return ModuleConf.load(f, dir, KEYS);
    }

    @Test
    void namesAreCaseInsensitiveAndCommentsAreSkipped() throws Exception {
        ModuleConf c = load("""
                # comment
                ; other comment
                [basic]
                productrulepath = mod_block/rules.data ; trailing comment
                IPBLOCKLISTPATH = "/abs/ip;list.data"   # quoted keeps ;
                [LOG]
                OpenDebug = yes
                """);
        assertEquals(dir.resolve("mod_block/rules.data"), c.path("Basic", "ProductRulePath", "d"));
        assertEquals(Path.of("/abs/ip;list.data"), c.path("Basic", "IPBlocklistPath", "d"));
        assertTrue(c.bool("Log", "OpenDebug", false));
        assertTrue(c.warnings().isEmpty());
    }

    @Test
    void repeatedKeyIsAListAndScalarTakesTheLast() throws Exception {
        ModuleConf c = load("[Server]\nModules = mod_block\nModules = mod_header\n  Modules=  mod_access \nPort = 1\nPort = 2\n");
        assertEquals(List.of("mod_block", "mod_header", "mod_access"), c.list("Server", "Modules"));
        assertEquals(2, c.integer("Server", "Port", 0));
        ModuleConf reset = load("[Server]\nModules = a\nModules =\nModules = b\n");
        assertEquals(List.of("b"), reset.list("Server", "Modules"));
    }

    @Test
    void nulInValueIsRefusedAtLoad() {
        // found by ModuleConfFuzzTest: a NUL reached Path.of in path() as an InvalidPathException
        ConfigFileException e = assertThrows(ConfigFileException.class,
                () -> load("[Basic]\nProductRulePath = a\0b\n"));
        assertTrue(e.getMessage().contains("ProductRulePath") && e.getMessage().contains("NUL"), e.getMessage());
    }

    @Test
    void emptyPathFallsBackToDefaultWithWarning() throws Exception {
        ModuleConf c = load("[Basic]\nProductRulePath =\n");
        assertEquals(dir.resolve("mod_block/block_rules.data"),
                c.path("Basic", "ProductRulePath", "mod_block/block_rules.data"));
        assertEquals(1, c.warnings().size());
        assertTrue(c.warnings().get(0).contains("ProductRulePath"));
        // absent: default, no warning
        assertEquals(dir.resolve("mod_block/ip_blocklist.data"),
                c.path("Basic", "IPBlocklistPath", "mod_block/ip_blocklist.data"));
        assertEquals(1, c.warnings().size());
        assertFalse(c.bool("Log", "OpenDebug", false));
    }

    @Test
    void unknownSectionOrKeyNamesFileSectionAndKey() {
        ConfigFileException s = assertThrows(ConfigFileException.class, () -> load("[Basik]\nA = 1\n"));
        assertTrue(s.getMessage().contains("mod_x.conf") && s.getMessage().contains("[Basik]"), s.getMessage());
        ConfigFileException k = assertThrows(ConfigFileException.class,
                () -> load("[Basic]\nProductRulePathh = x\n"));
        assertTrue(k.getMessage().contains("mod_x.conf") && k.getMessage().contains("[Basic] ProductRulePathh")
                && k.getMessage().contains("unknown key"), k.getMessage());
    }

    @Test
    void badValuesNameTheKey() throws Exception {
        ModuleConf c = load("[Log]\nOpenDebug = maybe\n[Server]\nPort = x\n");
        ConfigFileException b = assertThrows(ConfigFileException.class, () -> c.bool("Log", "OpenDebug", false));
        assertTrue(b.getMessage().contains("[Log] OpenDebug"), b.getMessage());
        ConfigFileException i = assertThrows(ConfigFileException.class, () -> c.integer("Server", "Port", 0));
        assertTrue(i.getMessage().contains("[Server] Port"), i.getMessage());
        assertThrows(ConfigFileException.class, () -> load("Port = 1\n"));
        assertThrows(ConfigFileException.class, () -> load("[Basic]\nProductRulePath = \"open\n"));
        assertThrows(ConfigFileException.class, () -> ModuleConf.load(dir.resolve("none.conf"), dir, KEYS));
    }

    @Test
    void bareKeyIsTrue() throws Exception {
        assertTrue(load("[Log]\nOpenDebug\n").bool("Log", "OpenDebug", false));
    }
}
