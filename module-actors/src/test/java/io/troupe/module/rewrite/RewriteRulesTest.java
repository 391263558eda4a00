package io.troupe.module.rewrite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.module.testing.DataFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** rewrite.data: BFE's example, the query helpers, and every check naming file and field. */
class RewriteRulesTest {
    @TempDir
    Path dir;

    private String rejected(String rule) throws Exception {
        return DataFiles.rejected(dir.resolve("rewrite.data"), DataFiles.productP(rule), RewriteRules::load);
    }

    @Test
    void shippedExampleLoads() throws Exception {
        RewriteRules r = RewriteRules.load(Path.of("../conf/mod_rewrite/rewrite.data"));
        assertEquals("20190101000000", r.version());
        RewriteRules.Rule rule = r.product("example_product").get(0);
        assertEquals(RewriteRules.Cmd.PATH_PREFIX_ADD, rule.actions().get(0).cmd());
        assertTrue(rule.last());
    }

    @Test
    void lowerCaseCmdIsAccepted() throws Exception {
        Path p = dir.resolve("rewrite.data");
        Files.writeString(p, "{\"Version\": \"1\", \"Config\": {\"p\": [{\"Cond\": \"default_t()\", \"Actions\": "
                + "[{\"Cmd\": \"query_del\", \"Params\": [\"a\", \"b\"]}], \"Last\": false}]}}");
        assertEquals(RewriteRules.Cmd.QUERY_DEL, RewriteRules.load(p).product("p").get(0).actions().get(0).cmd());
    }

    @Test
    void badRulesAreRejectedNamingTheField() throws Exception {
        String ok = "\"Cond\": \"default_t()\", ";
        assertTrue(rejected("{\"Actions\": [], \"Last\": true}").contains("Config.p[0].Cond: missing"));
        assertTrue(rejected("{" + ok + "\"Last\": true}").contains("Config.p[0].Actions: no Actions"));
        assertTrue(rejected("{" + ok + "\"Actions\": []}").contains("Config.p[0].Last: missing"));
        assertTrue(rejected("{" + ok + "\"Actions\": [{\"Cmd\": \"REQ_HEADER_SET\", \"Params\": [\"X-Bfe-A\", \"b\"]}], \"Last\": true}")
                .contains("Config.p[0].Actions[0].Cmd: invalid cmd:REQ_HEADER_SET"));
        assertTrue(rejected("{" + ok + "\"Actions\": [{\"Cmd\": \"HOST_SET\", \"Params\": []}], \"Last\": true}")
                .contains("Config.p[0].Actions[0].Params: num of params:[ok:1, now:0]"));
        assertTrue(rejected("{" + ok + "\"Actions\": [{\"Cmd\": \"QUERY_ADD\", \"Params\": [\"k\", \"\"]}], \"Last\": true}")
                .contains("Config.p[0].Actions[0].Params[1]: empty Params"));
        assertTrue(rejected("{" + ok + "\"Actions\": [{\"Cmd\": \"PATH_SET\", \"Params\": [\"x\"]}], \"Last\": true}")
                .contains("must start with '/'"));
        assertTrue(rejected("{\"Cond\": 1, \"Actions\": [], \"Last\": true}").contains("Config.p[0].Cond: must be a string"));
    }

    @Test
    void queryHelpersFollowBfe() {
        assertEquals("a=1&k=v", Rewrites.queryAdd("a=1", List.of("k", "v")));
        assertEquals("k=v", Rewrites.queryAdd("", List.of("k", "v")));
        assertEquals("b=1&c=2", Rewrites.queryRename("a=1&c=2", "a", "b"));
        assertEquals("c=2", Rewrites.queryRename("c=2", "a", "b"));
        assertEquals("c=2", Rewrites.queryDel("a=1&c=2&a=3", Set.of("a"), false));
        assertEquals("a=1&a=3", Rewrites.queryDel("a=1&c=2&a=3", Set.of("a"), true));
        assertEquals("", Rewrites.queryDel("a=1", Set.of("a"), false));
    }
}
