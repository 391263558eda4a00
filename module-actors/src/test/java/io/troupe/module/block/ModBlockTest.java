package io.troupe.module.block;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.api.condition.Conditions;
import io.troupe.api.proxy.CallbackPoint;
import io.troupe.api.proxy.Callbacks;
import io.troupe.api.proxy.FilterResult;
import io.troupe.api.proxy.ForwardFilter;
import io.troupe.api.proxy.RequestFilter;
import io.troupe.api.proxy.ResponseFilter;
import io.troupe.api.proxy.ReturnCode;
import io.troupe.api.proxy.SessionFilter;
import io.troupe.api.proxy.config.ConfigFileException;
import io.troupe.module.testing.FakeRequest;
import io.troupe.module.web.WebHandlerRegistry;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** mod_block's runtime decisions and counters, and its init/reload wiring. */
class ModBlockTest {

    @TempDir
    Path conf;

    /** A GET of {@code uri} for {@code product} from 10.0.0.1. */
    private static FakeRequest req(String product, String uri) {
        return new FakeRequest("GET", uri, product, "10.0.0.1");
    }

    private static FakeRequest.FakeSession session(String ip, int port) {
        return new FakeRequest.FakeSession(new InetSocketAddress(ip, port));
    }

    private static BlockRules.Rule rule(String name, String cond, String cmd) throws Exception {
        return new BlockRules.Rule(name, Conditions.build(cond), cmd, List.of());
    }

    private static long counter(ModBlock m, String key) {
        return m.metrics().getAll().counterData().get(key);
    }

    private static ModBlock with(Map<String, List<BlockRules.Rule>> rules) throws Exception {
        ModBlock m = new ModBlock();
        m.useRules(new BlockRules("t", rules), IpBlocklist.EMPTY);
        return m;
    }

    @Test
    void globalRulesComeFirstAndTheFirstMatchDecides() throws Exception {
        ModBlock m = with(Map.of(
                "global", List.of(rule("g-close", "req_path_prefix_in(\"/evil\", false)", "CLOSE")),
                "p", List.of(rule("p-allow", "default_t()", "ALLOW"), rule("p-close", "default_t()", "CLOSE"))));
        FakeRequest evil = req("p", "/evil/x");
        assertSame(FilterResult.CLOSE, m.productBlock(evil));
        assertEquals(new BlockInfo("g-close"), evil.getContext(ModBlock.CTX_BLOCK_INFO));
        FakeRequest ok = req("p", "/fine");
        assertSame(FilterResult.GO_ON, m.productBlock(ok));
        assertEquals(new BlockInfo("p-allow"), ok.getContext(ModBlock.CTX_BLOCK_INFO));
        assertEquals(2, counter(m, "REQ_TOTAL"));
        assertEquals(1, counter(m, "REQ_REFUSE"));
        assertEquals(1, counter(m, "REQ_ACCEPT"));
        assertEquals(1, counter(m, "REQ_TO_CHECK"));
    }

    @Test
    void globalAllowSkipsTheProductRules() throws Exception {
        ModBlock m = with(Map.of(
                "global", List.of(rule("g-allow", "req_header_value_in(\"X-Vip\", \"yes\", false)", "ALLOW")),
                "p", List.of(rule("p-close", "default_t()", "CLOSE"))));
        FakeRequest vip = req("p", "/").header("X-Vip", "yes");
        assertSame(FilterResult.GO_ON, m.productBlock(vip));
        assertEquals(new BlockInfo("g-allow"), vip.getContext(ModBlock.CTX_BLOCK_INFO));
        FakeRequest other = req("p", "/");
        FilterResult r = m.productBlock(other);
        assertEquals(ReturnCode.CLOSE, r.code());
        assertNull(r.response()); // CLOSE drops the connection, no response
        assertEquals(new BlockInfo("p-close"), other.getContext(ModBlock.CTX_BLOCK_INFO));
        assertEquals(1, counter(m, "REQ_ACCEPT"));
        assertEquals(1, counter(m, "REQ_REFUSE"));
    }

    @Test
    void productWithoutRulesPassesWithoutCountingAccept() throws Exception {
        ModBlock m = with(Map.of("p", List.of(rule("p-close", "default_t()", "CLOSE"))));
        FakeRequest q = req("q", "/");
        assertSame(FilterResult.GO_ON, m.productBlock(q));
        assertNull(q.getContext(ModBlock.CTX_BLOCK_INFO));
        assertEquals(1, counter(m, "REQ_TOTAL"));
        assertEquals(0, counter(m, "REQ_ACCEPT")); // BFE's quirk, kept
        assertEquals(0, counter(m, "REQ_TO_CHECK"));
        // a product with rules none of which match: accepted and counted
        ModBlock n = with(Map.of("p", List.of(rule("never", "!default_t()", "CLOSE"))));
        assertSame(FilterResult.GO_ON, n.productBlock(req("p", "/")));
        assertEquals(1, counter(n, "REQ_ACCEPT"));
        assertEquals(1, counter(n, "REQ_TO_CHECK"));
    }

    @Test
    void aMatchingRuleWithAWrongCommandCountsAndEvaluationGoesOn() throws Exception {
        ModBlock m = with(Map.of("p", List.of(rule("odd", "default_t()", "DROP"), rule("closer", "default_t()", "CLOSE"))));
        FakeRequest r = req("p", "/");
        assertSame(FilterResult.CLOSE, m.productBlock(r));
        assertEquals(1, counter(m, "WRONG_COMMAND"));
        assertEquals(new BlockInfo("closer"), r.getContext(ModBlock.CTX_BLOCK_INFO));
        ModBlock only = with(Map.of("global", List.of(rule("odd", "default_t()", "DROP"))));
        FakeRequest r2 = req("p", "/");
        assertSame(FilterResult.GO_ON, only.productBlock(r2));
        assertEquals(1, counter(only, "WRONG_COMMAND"));
        assertEquals(new BlockInfo("odd"), r2.getContext(ModBlock.CTX_BLOCK_INFO));
    }

    @Test
    void acceptChecksThePeerAddressAgainstTheIpList() throws Exception {
        Path f = conf.resolve("ips");
        Files.writeString(f, "10.9.0.0/16\n");
        ModBlock m = new ModBlock();
        m.useRules(BlockRules.EMPTY, IpBlocklist.load(f));
        assertEquals(ReturnCode.CLOSE, m.globalBlock(session("10.9.3.4", 1234)));
        assertEquals(ReturnCode.GO_ON, m.globalBlock(session("10.8.3.4", 1234)));
        assertEquals(2, counter(m, "CONN_TOTAL"));
        assertEquals(1, counter(m, "CONN_REFUSE"));
        assertEquals(1, counter(m, "CONN_ACCEPT"));
    }

    /** Records filters by point. */
    static final class Recorded implements Callbacks {
        final Map<CallbackPoint, List<Object>> at = new EnumMap<>(CallbackPoint.class);

        private void add(CallbackPoint p, Object f) {
            at.computeIfAbsent(p, k -> new ArrayList<>()).add(f);
        }

        @Override public void addFilter(CallbackPoint p, SessionFilter f) { add(p, f); }
        @Override public void addFilter(CallbackPoint p, RequestFilter f) { add(p, f); }
        @Override public void addFilter(CallbackPoint p, ForwardFilter f) { add(p, f); }
        @Override public void addFilter(CallbackPoint p, ResponseFilter f) { add(p, f); }
    }

    private void writeDefaults(String conf0, String rules, String ips) throws Exception {
        Files.createDirectories(conf.resolve("mod_block"));
        Files.writeString(conf.resolve("mod_block/mod_block.conf"), conf0);
        Files.writeString(conf.resolve("mod_block/block_rules.data"), rules);
        Files.writeString(conf.resolve("mod_block/ip_blocklist.data"), ips);
    }

    @Test
    void initLoadsDefaultsRegistersFiltersMonitorsAndReloads() throws Exception {
        // an empty path falls back to the default (with a warning); [basic] in any case
        writeDefaults("[basic]\nproductRulePath =\n[LOG]\nopendebug = true\n",
                "{\"Version\": \"r1\", \"Config\": {\"p\": [{\"Cond\": \"default_t()\", \"Name\": \"all\", "
                        + "\"Action\": {\"Cmd\": \"CLOSE\", \"Params\": []}}]}}",
                "# {\"version\": \"i1\", \"singleIPNum\": 1, \"pairIPNum\": 0}\n10.0.0.1\n");
        ModBlock m = new ModBlock();
        Recorded cb = new Recorded();
        WebHandlerRegistry web = new WebHandlerRegistry();
        m.init(cb, web, conf);
        assertEquals(1, cb.at.get(CallbackPoint.ACCEPT).size());
        assertEquals(1, cb.at.get(CallbackPoint.FOUND_PRODUCT).size());
        assertEquals(Map.of("mod_block.global_ip_table", "i1", "mod_block.product_rule_table", "r1"), web.dataVersions());
        assertTrue(web.monitorNames().containsAll(List.of("mod_block", "mod_block.diff")));
        String kv = web.monitor("mod_block").orElseThrow().render(Map.of("format", List.of("kv")));
        for (String k : List.of("CONN_TOTAL", "CONN_ACCEPT", "CONN_REFUSE", "REQ_TOTAL", "REQ_TO_CHECK", "REQ_ACCEPT",
                "REQ_REFUSE", "WRONG_COMMAND")) {
            assertTrue(kv.contains("mod_block_" + k + ": 0"), kv);
        }
        assertSame(FilterResult.CLOSE, m.productBlock(req("p", "/")));

        // a bad reload keeps the old rules and answers the error naming file and field
        Path badRules = conf.resolve("bad.data");
        Files.writeString(badRules, "{\"Version\": \"r2\", \"Config\": {\"p\": null}}");
        Exception e = assertThrows(Exception.class, () -> web.reload("mod_block.product_rule_table").orElseThrow()
                .reload(Map.of("path", List.of(badRules.toString()))));
        assertTrue(e.getMessage().contains("bad.data: Config.p: rule list is null"), e.getMessage());
        assertSame(FilterResult.CLOSE, m.productBlock(req("p", "/")));
        assertEquals("r1", web.dataVersions().get("mod_block.product_rule_table"));

        // ?path= loads another file for that reload
        Path none = conf.resolve("none.data");
        Files.writeString(none, "{\"Version\": \"r3\", \"Config\": {}}");
        assertEquals("r3", web.reload("mod_block.product_rule_table").orElseThrow()
                .reload(Map.of("path", List.of(none.toString()))));
        assertSame(FilterResult.GO_ON, m.productBlock(req("p", "/")));

        Path ips = conf.resolve("ips2.data");
        Files.writeString(ips, "10.0.0.2\n");
        assertEquals("", web.reload("mod_block.global_ip_table").orElseThrow().reload(Map.of("path", List.of(ips.toString()))));
        assertEquals(ReturnCode.CLOSE, m.globalBlock(session("10.0.0.2", 1)));
        m.metrics().close();
    }

    @Test
    void confErrorsNameFileSectionAndKey() throws Exception {
        writeDefaults("[Basic]\nIPBlacklistPath = x\n", "{\"Version\": \"r\", \"Config\": {}}", "");
        ConfigFileException e = assertThrows(ConfigFileException.class,
                () -> new ModBlock().init(new Recorded(), new WebHandlerRegistry(), conf));
        assertTrue(e.getMessage().contains("mod_block.conf: [Basic] IPBlacklistPath: unknown key"), e.getMessage());
        writeDefaults("[Log]\nOpenDebug = sometimes\n", "{\"Version\": \"r\", \"Config\": {}}", "");
        ConfigFileException b = assertThrows(ConfigFileException.class,
                () -> new ModBlock().init(new Recorded(), new WebHandlerRegistry(), conf));
        assertTrue(b.getMessage().contains("[Log] OpenDebug: not a boolean"), b.getMessage());
        Files.delete(conf.resolve("mod_block/mod_block.conf"));
        ConfigFileException missing = assertThrows(ConfigFileException.class,
                () -> new ModBlock().init(new Recorded(), new WebHandlerRegistry(), conf));
        assertTrue(missing.getMessage().contains("mod_block.conf: cannot read"), missing.getMessage());
    }

    @Test
    void onlyBasicWithAnEmptyRootGivesTheRelativeDefaults() throws Exception {
        Path f = conf.resolve("only_basic.conf");
        Files.writeString(f, "[basic]\n");
        var c = io.troupe.api.proxy.config.ModuleConf.load(f, Path.of(""), "Basic.ProductRulePath",
                "Basic.IPBlocklistPath", "Log.OpenDebug");
        assertEquals(Path.of("mod_block/block_rules.data"), c.path("Basic", "ProductRulePath", ModBlock.DEFAULT_PRODUCT_RULE_PATH));
        assertEquals(Path.of("mod_block/ip_blocklist.data"), c.path("Basic", "IPBlocklistPath", ModBlock.DEFAULT_IP_BLOCKLIST_PATH));
        Files.writeString(f, "[basic]\nProductRulePath = /abs/rules.data\n");
        assertEquals(Path.of("/abs/rules.data"), io.troupe.api.proxy.config.ModuleConf.load(f, Path.of(""),
                "Basic.ProductRulePath").path("Basic", "ProductRulePath", "x"));
    }

    @Test
    void invalidDataAtInitFailsInit() throws Exception {
        writeDefaults("[Basic]\n", "{\"Version\": \"r\", \"Config\": {\"p\": [{\"Cond\": \"default_t()\", \"Name\": \"a\", "
                + "\"Action\": {\"Cmd\": \"CLOSE\"}}]}}", "");
        ConfigFileException e = assertThrows(ConfigFileException.class,
                () -> new ModBlock().init(new Recorded(), new WebHandlerRegistry(), conf));
        assertTrue(e.getMessage().contains("block_rules.data: Config.p[0].Action.Params: missing"), e.getMessage());
        assertInstanceOf(ConfigFileException.class, e);
    }
}
