package io.troupe.module.header;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.api.proxy.config.ConfigFileException;
import io.troupe.module.testing.DataFiles;
import java.nio.file.Path;
import java.util.List;
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
    void renameAndCookieActionsAreCheckedAsBfeChecksThem() throws Exception {
        assertTrue(rejected(action("REQ_HEADER_RENAME", "\"X-A\"")).contains("num of params:[ok:2, now:1]"));
        assertTrue(rejected(action("REQ_COOKIE_DEL", "\"a\", \"b\"")).contains("num of params:[ok:1, now:2]"));
        assertTrue(rejected(action("RSP_COOKIE_DEL", "\"a\"")).contains("num of params:[ok:3, now:1]"));
        String cookie = "\"s\", \"v\", \"example.org\", \"/\", \"%s\", \"%s\", \"%s\", \"true\"";
        assertTrue(rejected(action("RSP_COOKIE_SET", cookie.formatted("2031-01-01", "1", "true")))
                .contains("expires format error, should be RFC1123 format"));
        assertTrue(rejected(action("RSP_COOKIE_SET", cookie.formatted("Wed, 01 Jan 2031 00:00:00 GMT", "x", "true")))
                .contains("type of max age should be int"));
        assertTrue(rejected(action("RSP_COOKIE_SET", cookie.formatted("Wed, 01 Jan 2031 00:00:00 UTC", "1", "yes")))
                .contains("type of http only should be bool"));
        HeaderAction ok = HeaderAction.of("RSP_COOKIE_SET",
                List.of("s", "v w", ".a.test", "/", "Wed, 01 Jan 2031 00:00:00 UTC", "-1", "F", "T"));
        assertEquals("s=\"v w\"; Path=/; Domain=a.test; Expires=Wed, 01 Jan 2031 00:00:00 GMT; Max-Age=0; Secure",
                Cookies.setCookie(ok.cookie, "v w"));
        // variable names may hold digits (BFE's bfe_ssl_ja3_hash): an unknown one is named whole
        assertTrue(rejected(action("REQ_HEADER_SET", "\"X-A\", \"%bfe_ssl_ja3_nope\""))
                .contains("%bfe_ssl_ja3_nope"));
    }

    private static String action(String cmd, String params) {
        return "{\"Cond\": \"default_t()\", \"Actions\": [{\"Cmd\": \"" + cmd + "\", \"Params\": [" + params
                + "]}], \"Last\": true}";
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
