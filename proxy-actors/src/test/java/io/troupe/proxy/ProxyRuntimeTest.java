package io.troupe.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.troupe.module.web.WebHandlerRegistry;
import io.troupe.proxy.monitor.ProxyStats.Key;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
 * The proxy role end to end: BFE routing files on disk, routing's tables and health checker, real backends,
 * requests through the listener.
 */
class ProxyRuntimeTest {
    @TempDir
    Path conf;
    private ActorTestKit kit;
    private ProxyRuntime proxy;
    private final WebHandlerRegistry web = new WebHandlerRegistry();
    private TestBackend static1, static2, api, beta, blog, img, hc1, hc2;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeEach
    void setUp() throws Exception {
        static1 = new TestBackend("static1");
        static2 = new TestBackend("static2");
        api = new TestBackend("api");
        beta = new TestBackend("beta");
        blog = new TestBackend("blog");
        img = new TestBackend("img");
        hc1 = new TestBackend("hc1");
        hc2 = new TestBackend("hc2");
        Path sd = Files.createDirectories(conf.resolve("server_data_conf"));
        Path cc = Files.createDirectories(conf.resolve("cluster_conf"));
        Files.writeString(sd.resolve("host_rule.data"), """
                {"Version": "h1", "DefaultProduct": "blog",
                 "Hosts": {"shopTag": ["shop.test"], "imgTag": ["*.img.test"], "blogTag": ["blog.test"],
                           "hcTag": ["hc.test"], "retryTag": ["retry.test"]},
                 "HostTags": {"shop": ["shopTag"], "img": ["imgTag"], "blog": ["blogTag"], "hc": ["hcTag"],
                              "retry": ["retryTag"]}}
                """);
        Files.writeString(sd.resolve("route_rule.data"), """
                {"Version": "r1",
                 "BasicRule": {
                   "shop": [{"Hostname": ["shop.test"], "Path": ["/static*"], "ClusterName": "c_static"},
                            {"Hostname": ["shop.test"], "Path": ["*"], "ClusterName": "ADVANCED_MODE"}],
                   "img": [{"Path": ["*"], "ClusterName": "c_img"}],
                   "blog": [{"Path": ["*"], "ClusterName": "c_blog"}],
                   "hc": [{"Path": ["*"], "ClusterName": "c_hc"}],
                   "retry": [{"Path": ["*"], "ClusterName": "c_retry"}]},
                 "ProductRule": {"shop": [
                   {"Cond": "req_header_value_in(\\"X-Beta\\", \\"yes\\", false)", "ClusterName": "c_beta"},
                   {"Cond": "req_path_prefix_in(\\"/api\\", false)", "ClusterName": "c_api"}]}}
                """);
        String check = "\"CheckConf\": {\"Uri\": \"/health\", \"StatusCode\": 200, \"FailNum\": 1, \"SuccNum\": 1, \"CheckInterval\": 50,"
                + " \"CheckTimeout\": 1000, \"AlwaysCheck\": true}";
        Files.writeString(sd.resolve("cluster_conf.data"), """
                {"Version": "c1", "Config": {
                   "c_static": {}, "c_api": {}, "c_beta": {}, "c_blog": {}, "c_img": {},
                   "c_hc": {%s}, "c_retry": {}}}
                """.formatted(check));
        Files.writeString(cc.resolve("cluster_table.data"), """
                {"Version": "t1", "Config": {
                   "c_static": {"s": [%s, %s]}, "c_api": {"s": [%s]}, "c_beta": {"s": [%s]},
                   "c_blog": {"s": [%s]}, "c_img": {"s": [%s]}, "c_hc": {"s": [%s, %s]},
                   "c_retry": {"s": [%s, %s]}}}
                """.formatted(b("a", static1), b("b", static2), b("a", api), b("a", beta), b("a", blog), b("a", img),
                b("a", hc1), b("b", hc2), deadBackend("dead"), b("live", blog)));
        Files.writeString(cc.resolve("gslb.data"), """
                {"Clusters": {"c_static": {"s": 100}, "c_api": {"s": 100}, "c_beta": {"s": 100},
                              "c_blog": {"s": 100}, "c_img": {"s": 100}, "c_hc": {"s": 100},
                              "c_retry": {"s": 100}},
                 "Hostname": "", "Ts": "g1"}
                """);
        kit = ActorTestKit.create(ConfigFactory.parseString("""
                pekko.actor.serialize-messages = on
                troupe.proxy { bind = 127.0.0.1, http-port = 0, https-port = -1, event-loops = 1 }
                """).withFallback(ConfigFactory.load()));
        proxy = ProxyRuntime.start(kit.system(), conf, web);
    }

    private static String b(String name, TestBackend be) {
        return "{\"Name\": \"" + name + "\", \"Addr\": \"127.0.0.1\", \"Port\": " + be.port() + ", \"Weight\": 1}";
    }

    private static String deadBackend(String name) throws java.io.IOException {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        return "{\"Name\": \"" + name + "\", \"Addr\": \"127.0.0.1\", \"Port\": " + port + ", \"Weight\": 1}";
    }

    @Test
    void getsRetryOnTheSecondInstanceWhenTheFirstRefusesConnections() throws Exception {
        for (int i = 0; i < 20; i++) {
            assertEquals("blog", backendOf("retry.test", "/r" + i));
        }
        assertTrue(proxy.stats().get(Key.ERR_BK_CONNECT_BACKEND) >= 1);
        assertEquals(0, proxy.stats().get(Key.STATUS_5XX));
    }

    @AfterEach
    void tearDown() {
        if (proxy != null) {
            proxy.stop();
        }
        kit.shutdownTestKit();
        for (TestBackend t : List.of(static1, static2, api, beta, blog, img, hc1, hc2)) {
            t.close();
        }
    }

    private HttpResponse<String> get(String host, String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.httpPort() + path))
                .header("Host", host);
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private String backendOf(String host, String path, String... headers) throws Exception {
        HttpResponse<String> r = get(host, path, headers);
        assertEquals(200, r.statusCode(), host + path + " -> " + r.body());
        return r.headers().firstValue("X-Backend").orElseThrow();
    }

    @Test
    void routesByExactHostWildcardHostPathPrefixAndCond() throws Exception {
        assertTrue(backendOf("shop.test", "/static/a.css").startsWith("static"));
        assertEquals("api", backendOf("shop.test", "/api/items"));
        assertEquals("beta", backendOf("shop.test", "/api/items", "X-Beta", "yes"));
        assertEquals("img", backendOf("x.img.test", "/1.png"));
        assertEquals("img", backendOf("a.b.img.test:8080", "/2.png"));
        // host port stripped for the exact match
        assertEquals("api", backendOf("shop.test:8080", "/api"));
    }

    @Test
    void unknownHostGoesToDefaultProductAndNoRouteIs500() throws Exception {
        assertEquals("blog", backendOf("unknown.test", "/"));
        HttpResponse<String> r = get("shop.test", "/other");
        assertEquals(500, r.statusCode());
        assertEquals(1, proxy.stats().get(Key.ERR_BK_FIND_LOCATION));
        String state = web.monitor("proxy_state").orElseThrow().render(Map.of("format", List.of("kv")));
        assertTrue(state.contains("ERR_BK_FIND_LOCATION") && state.contains("CLIENT_REQ_SERVED"), state);
        String prom = web.monitor("proxy_state").orElseThrow().render(Map.of("format", List.of("prometheus")));
        assertTrue(prom.toLowerCase().contains("err_bk_find_location"), prom);
        String json = web.monitor("proxy_delay").orElseThrow().render(Map.of());
        assertTrue(json.contains("proxy_delay") || json.contains("Count") || json.contains("{"), json);
        assertTrue(web.monitor("proxy_state_diff").isPresent());
        assertTrue(web.reload("server_data_conf").isPresent());
    }

    @Test
    void tlsConfReloadIsThereWithoutTlsFilesAndSaysWhyItCannotReload() {
        // BFE always registers /reload/tls_conf; a proxy without tls_conf answers why, not "handler not exist"
        Exception e = assertThrows(IllegalStateException.class,
                () -> web.reload("tls_conf").orElseThrow().reload(Map.of()));
        assertTrue(e.getMessage().contains("tls_conf: the proxy started without tls_conf/server_cert_conf.data")
                && e.getMessage().contains("restart"), e.getMessage());
    }

    @Test
    void activeHealthCheckTakesAnInstanceOutAndBackIn() throws Exception {
        // both serve at first
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (int i = 0; i < 6; i++) {
            seen.add(backendOf("hc.test", "/"));
        }
        assertEquals(java.util.Set.of("hc1", "hc2"), seen);
        hc1.healthStatus = 500;
        long deadline = System.currentTimeMillis() + 5000;
        while (proxy.health().downSnapshot().isEmpty() && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(1, proxy.health().downSnapshot().size(), "hc1 not marked down; health probes seen: " + hc1.healthHits.get());
        int before = hc1.hits.get();
        for (int i = 0; i < 10; i++) {
            assertEquals("hc2", backendOf("hc.test", "/"));
        }
        assertEquals(before, hc1.hits.get());
        hc1.healthStatus = 200;
        deadline = System.currentTimeMillis() + 5000;
        while (!proxy.health().downSnapshot().isEmpty() && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(proxy.health().downSnapshot().isEmpty(), "hc1 not back");
        seen.clear();
        for (int i = 0; i < 6; i++) {
            seen.add(backendOf("hc.test", "/"));
        }
        assertEquals(java.util.Set.of("hc1", "hc2"), seen);
    }

    @Test
    void reloadSwapsTheTablesAndABadReloadKeepsTheOldOnes() throws Exception {
        assertEquals("blog", backendOf("blog.test", "/"));
        Path hostRule = conf.resolve("server_data_conf/host_rule.data");
        String original = Files.readString(hostRule);
        // blog.test moves to product img; the reload is served by the route-table actor
        Files.writeString(hostRule, original.replace("\"h1\"", "\"h2\"")
                .replace("\"imgTag\": [\"*.img.test\"]", "\"imgTag\": [\"*.img.test\", \"blog.test\"]")
                .replace("\"blogTag\": [\"blog.test\"]", "\"blogTag\": [\"blog2.test\"]"));
        String version = web.reload("server_data_conf").orElseThrow().reload(Map.of());
        assertTrue(version.contains("host_rule=h2"), version);
        assertEquals("img", backendOf("blog.test", "/"));
        Files.writeString(hostRule, "{\"Version\": \"h3\", \"Hosts\": 5}");
        Exception e = assertThrows(Exception.class, () -> web.reload("server_data_conf").orElseThrow().reload(Map.of()));
        assertTrue(e.getMessage().contains("host_rule.data"), e.getMessage());
        assertEquals("img", backendOf("blog.test", "/"));
    }

    @Test
    void invalidRoutingFileStopsTheStartNamingTheFile() throws Exception {
        Files.writeString(conf.resolve("server_data_conf/host_rule.data"), "{\"Version\": \"x\", \"Hosts\": 5}");
        ActorTestKit other = ActorTestKit.create(ConfigFactory.parseString(
                "troupe.proxy { bind = 127.0.0.1, http-port = 0, https-port = -1 }").withFallback(ConfigFactory.load()));
        try {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ProxyRuntime.start(other.system(), conf, new WebHandlerRegistry()));
            assertTrue(e.getMessage().contains("host_rule.data"), e.getMessage());
        } finally {
            other.shutdownTestKit();
        }
    }
}
