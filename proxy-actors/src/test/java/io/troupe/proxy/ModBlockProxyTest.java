package io.troupe.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.troupe.module.web.WebHandlerRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * mod_block through a real proxy: BFE files on disk, the module enabled in config and started by its module
 * actor, requests over real sockets, reloads through the node's handler registry.
 */
class ModBlockProxyTest {
    @TempDir
    Path conf;
    private ActorTestKit kit;
    private ProxyRuntime proxy;
    private TestBackend backend;
    private final WebHandlerRegistry web = new WebHandlerRegistry();

    private static final String RULES = """
            {"Version": "%s", "Config": {
              "global": [{"Cond": "req_path_prefix_in(\\"/evil\\", false)", "Name": "no-evil",
                          "Action": {"Cmd": "CLOSE", "Params": []}}],
              "shop": [{"Cond": "req_header_value_in(\\"X-Vip\\", \\"yes\\", false)", "Name": "vip",
                        "Action": {"Cmd": "ALLOW", "Params": []}},
                       {"Cond": "req_path_prefix_in(\\"/admin\\", false)", "Name": "no-admin",
                        "Action": {"Cmd": "CLOSE", "Params": []}}]}}
            """;

    @BeforeEach
    void setUp() throws Exception {
        backend = new TestBackend("b");
        Path sd = Files.createDirectories(conf.resolve("server_data_conf"));
        Path cc = Files.createDirectories(conf.resolve("cluster_conf"));
        Path mb = Files.createDirectories(conf.resolve("mod_block"));
        Files.writeString(sd.resolve("host_rule.data"), """
                {"Version": "h1", "DefaultProduct": "blog", "Hosts": {"shopTag": ["shop.test"], "blogTag": ["blog.test"]},
                 "HostTags": {"shop": ["shopTag"], "blog": ["blogTag"]}}
                """);
        Files.writeString(sd.resolve("route_rule.data"), """
                {"Version": "r1", "BasicRule": {"shop": [{"Path": ["*"], "ClusterName": "c"}],
                                                "blog": [{"Path": ["*"], "ClusterName": "c"}]}}
                """);
        Files.writeString(sd.resolve("cluster_conf.data"), "{\"Version\": \"c1\", \"Config\": {\"c\": {}}}");
        Files.writeString(cc.resolve("cluster_table.data"), """
                {"Version": "t1", "Config": {"c": {"s": [{"Name": "a", "Addr": "127.0.0.1", "Port": %d, "Weight": 1}]}}}
                """.formatted(backend.port()));
        Files.writeString(cc.resolve("gslb.data"), "{\"Clusters\": {\"c\": {\"s\": 100}}, \"Hostname\": \"\", \"Ts\": \"g1\"}");
        Files.writeString(mb.resolve("mod_block.conf"), "[Basic]\nProductRulePath = mod_block/block_rules.data\n"
                + "IPBlocklistPath = mod_block/ip_blocklist.data\n[Log]\nOpenDebug = false\n");
        Files.writeString(mb.resolve("block_rules.data"), RULES.formatted("v1"));
        Files.writeString(mb.resolve("ip_blocklist.data"), "# nobody\n");
        kit = ActorTestKit.create(ConfigFactory.parseString("""
                pekko.actor.serialize-messages = on
                troupe.proxy { bind = 127.0.0.1, http-port = 0, https-port = -1, event-loops = 1, modules = [mod_block] }
                """).withFallback(ConfigFactory.load()));
        proxy = ProxyRuntime.start(kit.system(), conf, web);
    }

    @AfterEach
    void tearDown() {
        if (proxy != null) {
            proxy.stop();
        }
        kit.shutdownTestKit();
        backend.close();
    }

    private RawHttp.Resp get(String host, String path, String... headers) throws IOException {
        StringBuilder req = new StringBuilder("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n");
        for (int i = 0; i < headers.length; i += 2) {
            req.append(headers[i]).append(": ").append(headers[i + 1]).append("\r\n");
        }
        try (RawHttp c = new RawHttp(proxy.httpPort())) {
            c.send(req.append("\r\n").toString());
            return readOrNull(c);
        }
    }

    /** The response, or {@code null} when the proxy closed the connection without one. */
    private static RawHttp.Resp readOrNull(RawHttp c) throws IOException {
        try {
            return c.read();
        } catch (java.net.SocketException e) {
            return null; // reset by the peer: closed without a response
        }
    }

    private long counter(String key) throws Exception {
        String kv = web.monitor("mod_block").orElseThrow().render(Map.of("format", List.of("kv")));
        for (String line : kv.split("\n")) {
            if (line.startsWith("mod_block_" + key + ":")) {
                return Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
            }
        }
        throw new AssertionError(key + " not in " + kv);
    }

    @Test
    void rulesCloseWithoutAResponseAllowSkipsProductRulesAndReloadsApply() throws Exception {
        assertEquals(200, get("shop.test", "/x").status());
        assertNull(get("shop.test", "/admin/users"));             // product CLOSE: no response at all
        assertNull(get("blog.test", "/evil"));                    // global CLOSE applies to every product
        assertNull(get("shop.test", "/evil", "X-Vip", "yes"));    // global rules come first
        assertEquals(200, get("shop.test", "/admin/users", "X-Vip", "yes").status()); // ALLOW skips the rest
        assertEquals(200, get("blog.test", "/admin").status());   // other product: no product rules
        assertEquals(3, counter("REQ_REFUSE"));
        assertEquals(6, counter("REQ_TOTAL"));

        // a bad reload answers the error and the old rules keep serving
        Files.writeString(conf.resolve("mod_block/block_rules.data"),
                "{\"Version\": \"v2\", \"Config\": {\"shop\": [{\"Cond\": \"default_t()\", \"Name\": \"all\", "
                        + "\"Action\": {\"Cmd\": \"CLOSE\", \"Params\": [\"x\"]}}]}}");
        Exception bad = assertThrows(Exception.class,
                () -> web.reload("mod_block.product_rule_table").orElseThrow().reload(Map.of()));
        assertTrue(bad.getMessage().contains("block_rules.data: Config.shop[0].Action.Params"), bad.getMessage());
        assertEquals(200, get("shop.test", "/x").status());
        assertNull(get("shop.test", "/admin"));
        assertEquals("v1", web.dataVersions().get("mod_block.product_rule_table"));

        // a good reload takes effect for the next request
        Files.writeString(conf.resolve("mod_block/block_rules.data"), "{\"Version\": \"v3\", \"Config\": {\"shop\": []}}");
        assertEquals("v3", web.reload("mod_block.product_rule_table").orElseThrow().reload(Map.of()));
        assertEquals(200, get("shop.test", "/admin").status());
        assertEquals(200, get("blog.test", "/evil").status());
        assertEquals("v3", web.dataVersions().get("mod_block.product_rule_table"));
        assertEquals(Map.of("mod_block.product_rule_table", "v3", "mod_block.global_ip_table", ""),
                proxy.modules().versions().get("mod_block"));
    }

    @Test
    void rulesSeeTheHostTagOfTheHostRuleTheRequestMatched() throws Exception {
        Files.writeString(conf.resolve("mod_block/block_rules.data"), """
                {"Version": "tags", "Config": {"global": [{"Cond": "req_host_tag_in(\\"blogtag\\")", "Name": "no-blog",
                  "Action": {"Cmd": "CLOSE", "Params": []}}]}}
                """);
        assertEquals("tags", web.reload("mod_block.product_rule_table").orElseThrow().reload(Map.of()));
        assertNull(get("blog.test", "/"));
        assertEquals(200, get("shop.test", "/").status());
        assertEquals(200, get("default.test", "/").status()); // DefaultProduct blog, but no host rule: no tag
    }

    @Test
    void theIpListClosesConnectionsAtAccept() throws Exception {
        assertEquals(200, get("shop.test", "/").status());
        Path list = conf.resolve("block-me.data");
        Files.writeString(list, "# {\"version\": \"ip2\", \"singleIPNum\": 0, \"pairIPNum\": 1}\n127.0.0.0/8\n");
        assertEquals("ip2", web.reload("mod_block.global_ip_table").orElseThrow()
                .reload(Map.of("path", List.of(list.toString()))));
        int hitsBefore = backend.hits.get();
        assertNull(get("shop.test", "/"));
        assertEquals(hitsBefore, backend.hits.get());
        assertEquals(1, counter("CONN_REFUSE"));
        // back to the configured (empty) list
        assertEquals("", web.reload("mod_block.global_ip_table").orElseThrow().reload(Map.of()));
        assertEquals(200, get("shop.test", "/").status());
        assertTrue(counter("CONN_ACCEPT") >= 2);
    }

    @Test
    void aModuleWhoseInitFailsStopsTheStartNamingFileAndKey() throws Exception {
        proxy.stop();
        proxy = null;
        Files.writeString(conf.resolve("mod_block/mod_block.conf"), "[Basic]\nIPBlacklistPath = x\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ProxyRuntime.start(kit.system(), conf, new WebHandlerRegistry()));
        assertTrue(e.getMessage().startsWith("module mod_block failed to start: "), e.getMessage());
        assertTrue(e.getMessage().contains("mod_block.conf: [Basic] IPBlacklistPath: unknown key"), e.getMessage());

        // the failed start left nothing behind: the fixed config starts on the same actor system
        Files.writeString(conf.resolve("mod_block/mod_block.conf"), "[Basic]\n");
        proxy = ProxyRuntime.start(kit.system(), conf, new WebHandlerRegistry());
        assertEquals(List.of("mod_block"), proxy.modules().names());
        assertNull(get("shop.test", "/admin"));
    }
}
