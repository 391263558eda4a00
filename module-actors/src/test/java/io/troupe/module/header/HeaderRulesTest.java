package io.troupe.module.header;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.api.proxy.config.ConfigFileException;
import io.troupe.module.testing.DataFiles;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** header_rule.data: BFE's example, phase split, %-variables and every check naming file and field. */
class HeaderRulesTest {
    @TempDir
    Path dir;

    private Path write(String json) throws Exception {
        return DataFiles.write(dir.resolve("header_rule.data"), json);
    }

    private String rejected(String rule) throws Exception {
        return DataFiles.rejected(dir.resolve("header_rule.data"), DataFiles.productP(rule), HeaderRules::load);
    }

    @Test
    void shippedExampleLoadsSplitByPhase() throws Exception {
        HeaderRules r = HeaderRules.load(Path.of("../conf/mod_header/header_rule.data"));
        assertEquals("20190101000000", r.version());
        HeaderRules.Product p = r.product("example_product");
        assertEquals(1, p.request().size());
        assertEquals(2, p.request().get(0).actions().size());
        assertEquals(1, p.response().size());
        assertNull(r.product("other"));
    }

    @Test
    void valueSegments() {
        // %% is a literal percent; text around variables stays
        assertEquals(3, HeaderAction.segments("a=%bfe_vip;b").size());
        assertEquals(1, HeaderAction.segments("100%%").size());
        assertEquals(1, HeaderAction.segments("%http_x_user_id").size());
    }

    @Test
    void badRulesAreRejectedNamingTheField() throws Exception {
        assertTrue(rejected("{\"Actions\": [], \"Last\": true}").contains("Config.p[0].Cond: missing"));
        assertTrue(rejected("{\"Cond\": \"default_t()\", \"Last\": true}").contains("Config.p[0].Actions: missing"));
        assertTrue(rejected("{\"Cond\": \"default_t()\", \"Actions\": []}").contains("Config.p[0].Last: missing"));
        assertTrue(rejected("{\"Cond\": \"nope()\", \"Actions\": [], \"Last\": true}").contains("Config.p[0].Cond"));
        assertTrue(rejected("{\"Cond\": \"default_t()\", \"Actions\": [{\"Params\": []}], \"Last\": true}")
                .contains("Config.p[0].Actions[0].Cmd: missing"));
        assertTrue(rejected("{\"Cond\": \"default_t()\", \"Actions\": [{\"Cmd\": \"REQ_HEADER_XX\", \"Params\": []}], \"Last\": true}")
                .contains("Config.p[0].Actions[0]: invalid cmd:REQ_HEADER_XX"));
        assertTrue(rejected("{\"Cond\": \"default_t()\", \"Actions\": [{\"Cmd\": \"REQ_HEADER_SET\", \"Params\": [\"X-A\"]}], \"Last\": true}")
                .contains("num of params:[ok:2, now:1]"));
        assertTrue(rejected("{\"Cond\": \"default_t()\", \"Actions\": [{\"Cmd\": \"RSP_HEADER_DEL\", \"Params\": [\"\"]}], \"Last\": true}")
                .contains("empty Params"));
        assertTrue(rejected("{\"Cond\": \"default_t()\", \"Actions\": [{\"Cmd\": \"REQ_HEADER_SET\", \"Params\": [\"X-A\", \"%bfe_nope\"]}], \"Last\": true}")
                .contains("%bfe_nope"));
        assertTrue(rejected("{\"Cond\": \"default_t()\", \"Actions\": [{\"Cmd\": \"RSP_HEADER_MOD\", \"Params\": [\"scheme_set\", \"X-A\", \"https\"]}], \"Last\": true}")
                .contains("scheme_set only support referer/location"));
        assertTrue(rejected("{\"Cond\": \"default_t()\", \"Actions\": [{\"Cmd\": \"RSP_HEADER_MOD\", \"Params\": [\"scheme_set\", \"Location\", \"ftp\"]}], \"Last\": true}")
                .contains("only support http/https"));
        assertTrue(rejected("{\"Cond\": \"default_t()\", \"Actions\": [{\"Cmd\": \"REQ_HEADER_SET\", \"Params\": [\"X-A\", 5]}], \"Last\": true}")
                .contains("Config.p[0].Actions[0].Params[1]: must be a string"));
        Path p = write("{\"Version\": \"1\", \"Config\": {\"p\": null}}");
        assertTrue(assertThrows(ConfigFileException.class, () -> HeaderRules.load(p)).getMessage().contains("Config.p"));
    }

    @Test
    void modifyValues() {
        HeaderAction scheme = HeaderAction.of("RSP_HEADER_MOD", java.util.List.of("scheme_set", "Location", "https"));
        assertEquals("https://a.test/x", scheme.modify("http://a.test/x"));
        assertEquals("/relative", scheme.modify("/relative"));
        HeaderAction query = HeaderAction.of("REQ_HEADER_MOD", java.util.List.of("QUERY_ADD", "Referer", "k", "v"));
        assertEquals("http://a.test/x?a=1&k=v", query.modify("http://a.test/x?a=1"));
        assertEquals("http://a.test/x?k=v", query.modify("http://a.test/x"));
    }
}
