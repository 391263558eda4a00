package io.troupe.module.block;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.api.proxy.config.ConfigFileException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** block_rules.data checks, as BFE's ProductRuleConfLoad. */
class BlockRulesTest {

    @TempDir
    Path dir;

    static final String CLOSE = "{\"Cmd\": \"CLOSE\", \"Params\": []}";

    private BlockRules load(String json) throws Exception {
        Path f = dir.resolve("block_rules.data");
        Files.writeString(f, json);
        return BlockRules.load(f);
    }

    private String bad(String json) {
        return assertThrows(ConfigFileException.class, () -> load(json)).getMessage();
    }

    private static String file(String config) {
        return "{\"Version\": \"v1\", \"Config\": " + config + "}";
    }

    private static String rule(String name, String cond, String action) {
        return "{\"Cond\": \"" + cond + "\", \"Name\": \"" + name + "\", \"Action\": " + action + "}";
    }

    @Test
    void aValidFileLoadsWithCaseInsensitiveKeys() throws Exception {
        BlockRules r = load("""
                {"version": "20240101", "config": {
                  "global": [{"cond": "req_host_in(\\"a.test\\")", "NAME": "g1", "action": {"cmd": "ALLOW", "params": []}}],
                  "p1": [{"Cond": "default_t()", "Name": "r1", "Action": {"Cmd": "CLOSE", "Params": []}}],
                  "p2": []}}
                """);
        assertEquals("20240101", r.version());
        assertEquals(Set.of("global", "p1", "p2"), r.products());
        assertEquals(2, r.ruleCount());
        assertEquals("ALLOW", r.rules("global")[0].cmd());
        assertEquals(0, r.rules("p2").length);
    }

    @Test
    void envelopeMustHaveVersionAndConfig() {
        assertTrue(bad("{\"Config\": {}}").contains("block_rules.data: Version: missing"));
        assertTrue(bad("{\"Version\": \"v\"}").contains("block_rules.data: Config: missing"));
        assertTrue(bad("{\"Version\": \"v\", \"Config\": null}").contains("Config: missing"));
        assertTrue(bad("{\"Version\": \"v\", \"Config\": []}").contains("Config: must be an object"));
        assertTrue(bad("not json").contains("not valid JSON"));
    }

    @Test
    void nullListIsRejectedButEmptyListIsFine() throws Exception {
        String m = bad(file("{\"p\": null}"));
        assertTrue(m.contains("Config.p: rule list is null"), m);
        assertEquals(0, load(file("{\"p\": []}")).ruleCount());
        assertTrue(bad(file("{\"p\": {}}")).contains("Config.p: must be a list"));
    }

    @Test
    void everyRuleNeedsCondNameAndAction() {
        assertTrue(bad(file("{\"p\": [{\"Name\": \"a\", \"Action\": " + CLOSE + "}]}")).contains("Config.p[0].Cond: missing"));
        assertTrue(bad(file("{\"p\": [{\"Cond\": \"default_t()\", \"Action\": " + CLOSE + "}]}"))
                .contains("Config.p[0].Name: missing"));
        assertTrue(bad(file("{\"p\": [{\"Cond\": \"default_t()\", \"Name\": \"a\"}]}")).contains("Config.p[0].Action: missing"));
        assertTrue(bad(file("{\"p\": [{\"Cond\": \"default_t()\", \"Name\": \"a\", \"Action\": null}]}"))
                .contains("Config.p[0].Action: missing"));
        assertTrue(bad(file("{\"p\": [{\"Cond\": 1, \"Name\": \"a\", \"Action\": " + CLOSE + "}]}"))
                .contains("Config.p[0].Cond: must be a string"));
    }

    @Test
    void cmdMustBeCloseOrAllowAndParamsPresentAndEmpty() {
        String m = bad(file("{\"p\": [" + rule("a", "default_t()", "{\"Cmd\": \"DROP\", \"Params\": []}") + "]}"));
        assertTrue(m.contains("Config.p[0].Action.Cmd: invalid cmd DROP"), m);
        assertTrue(bad(file("{\"p\": [" + rule("a", "default_t()", "{\"Cmd\": \"close\", \"Params\": []}") + "]}"))
                .contains("invalid cmd close"));
        assertTrue(bad(file("{\"p\": [" + rule("a", "default_t()", "{\"Params\": []}") + "]}"))
                .contains("Config.p[0].Action.Cmd: missing"));
        String missing = bad(file("{\"p\": [" + rule("a", "default_t()", "{\"Cmd\": \"CLOSE\"}") + "]}"));
        assertTrue(missing.contains("Config.p[0].Action.Params: missing"), missing);
        String nul = bad(file("{\"p\": [" + rule("a", "default_t()", "{\"Cmd\": \"ALLOW\", \"Params\": null}") + "]}"));
        assertTrue(nul.contains("Config.p[0].Action.Params: missing"), nul);
        String one = bad(file("{\"p\": [" + rule("a", "default_t()", "{\"Cmd\": \"CLOSE\", \"Params\": [\"x\"]}") + "]}"));
        assertTrue(one.contains("Config.p[0].Action.Params: CLOSE takes 0 parameters, got 1"), one);
    }

    @Test
    void namesAreUniquePerProductOnly() throws Exception {
        String m = bad(file("{\"p\": [" + rule("a", "default_t()", CLOSE) + ", " + rule("a", "default_t()", CLOSE) + "]}"));
        assertTrue(m.contains("Config.p[1].Name: two rules of product p are named a"), m);
        assertEquals(2, load(file("{\"p\": [" + rule("a", "default_t()", CLOSE) + "], \"q\": ["
                + rule("a", "default_t()", CLOSE) + "]}")).ruleCount());
    }

    @Test
    void everyCondMustCompile() {
        String m = bad(file("{\"p\": [" + rule("a", "default_t()", CLOSE) + ", " + rule("b", "no_such_primitive()", CLOSE)
                + "]}"));
        assertTrue(m.contains("Config.p[1].Cond: condition error"), m);
        assertTrue(bad(file("{\"p\": [" + rule("a", "", CLOSE) + "]}")).contains("Config.p[0].Cond"));
    }
}
