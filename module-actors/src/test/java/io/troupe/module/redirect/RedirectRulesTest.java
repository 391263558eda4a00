package io.troupe.module.redirect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.module.testing.DataFiles;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** redirect.data: BFE's example and every check naming file and field. */
class RedirectRulesTest {
    @TempDir
    Path dir;

    private String rejected(String rule) throws Exception {
        return DataFiles.rejected(dir.resolve("redirect.data"), DataFiles.productP(rule), RedirectRules::load);
    }

    @Test
    void shippedExampleLoads() throws Exception {
        RedirectRules r = RedirectRules.load(Path.of("../conf/mod_redirect/redirect.data"));
        assertEquals("20190101000000", r.version());
        RedirectRules.Rule rule = r.product("example_product").get(0);
        assertEquals(RedirectRules.Cmd.URL_SET, rule.cmd());
        assertEquals("https://example.org", rule.param());
        assertEquals(301, rule.status());
    }

    @Test
    void badRulesAreRejectedNamingTheField() throws Exception {
        String ok = "\"Cond\": \"default_t()\", ";
        assertTrue(rejected("{\"Actions\": [{\"Cmd\": \"URL_SET\", \"Params\": [\"/x\"]}], \"Status\": 302}")
                .contains("Config.p[0].Cond: missing"));
        assertTrue(rejected("{" + ok + "\"Actions\": [], \"Status\": 302}").contains("Config.p[0].Actions: no Actions"));
        assertTrue(rejected("{" + ok + "\"Status\": 302}").contains("Config.p[0].Actions: no Actions"));
        assertTrue(rejected("{" + ok + "\"Actions\": [{\"Cmd\": \"URL_SET\", \"Params\": [\"/x\"]}, {\"Cmd\": \"URL_SET\", \"Params\": [\"/y\"]}], \"Status\": 302}")
                .contains("only one (exclusive) action"));
        assertTrue(rejected("{" + ok + "\"Actions\": [{\"Cmd\": \"URL_MOVE\", \"Params\": [\"/x\"]}], \"Status\": 302}")
                .contains("Config.p[0].Actions[0].Cmd: invalid cmd:URL_MOVE"));
        assertTrue(rejected("{" + ok + "\"Actions\": [{\"Cmd\": \"URL_SET\"}], \"Status\": 302}")
                .contains("Config.p[0].Actions[0].Params: no Params"));
        assertTrue(rejected("{" + ok + "\"Actions\": [{\"Cmd\": \"URL_SET\", \"Params\": [\"/x\", \"/y\"]}], \"Status\": 302}")
                .contains("num of params:[ok:1, now:2]"));
        assertTrue(rejected("{" + ok + "\"Actions\": [{\"Cmd\": \"SCHEME_SET\", \"Params\": [\"ftp\"]}], \"Status\": 302}")
                .contains("scheme ftp invalid"));
        assertTrue(rejected("{" + ok + "\"Actions\": [{\"Cmd\": \"URL_SET\", \"Params\": [\"/x\"]}]}")
                .contains("Config.p[0].Status: redirect code not provided"));
        assertTrue(rejected("{" + ok + "\"Actions\": [{\"Cmd\": \"URL_SET\", \"Params\": [\"/x\"]}], \"Status\": 200}")
                .contains("Config.p[0].Status: not a redirect status"));
        assertTrue(rejected("{\"Cond\": \"req_path_in(\", \"Actions\": [{\"Cmd\": \"URL_SET\", \"Params\": [\"/x\"]}], \"Status\": 302}")
                .contains("Config.p[0].Cond"));
    }
}
