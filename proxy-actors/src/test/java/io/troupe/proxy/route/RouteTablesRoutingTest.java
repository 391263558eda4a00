package io.troupe.proxy.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RouteTablesRoutingTest {
    @TempDir
    Path dir;

    private RouteTables tables(TestConf conf) throws Exception {
        return RouteTables.load(conf.write(dir));
    }

    private static RouteDecision route(RouteTables t, String host, String uri) {
        return t.route(TestRequest.get(host, uri));
    }

    @Test
    void exactHostWithPortAndCaseRoutesByBasicRulePath() throws Exception {
        RouteTables t = tables(new TestConf());
        RouteDecision d = route(t, "SHOP.example.org:8080", "/static/app.js");
        assertTrue(d.ok(), d.toString());
        assertEquals("shop", d.product());
        assertEquals("shopTag", d.hostTag());
        assertEquals("c_static", d.cluster());
        assertEquals("c_static", route(t, "shop.example.org", "/static").cluster());
        assertEquals("c_static", route(t, "shop.example.org", "/exact").cluster());
        // "/static*" does not cover "/staticx", and "/exact" is exact only
        assertEquals(ErrorKind.NO_ROUTE, route(t, "shop.example.org", "/staticx").error());
        assertEquals(ErrorKind.NO_ROUTE, route(t, "shop.example.org", "/exact/more").error());
        assertEquals("shop", route(t, "upper.example.org", "/static/x").product());
    }

    @Test
    void wildcardHostMatchesAnyDepthInHostRulesButOneLabelInBasicRules() throws Exception {
        RouteTables t = tables(new TestConf());
        assertEquals("c_static", route(t, "m.shop.example.org", "/static/a").cluster());
        // host_rule "*.shop.example.org" also covers deeper names (BFE's label trie) ...
        RouteDecision deep = route(t, "a.b.shop.example.org", "/static/a");
        assertEquals("shop", deep.product());
        // ... but BasicRule's "*.shop.example.org" covers exactly one label, so no basic rule matches
        assertEquals(ErrorKind.NO_ROUTE, deep.error());
        // the wildcard does not cover the bare suffix; that host falls to DefaultProduct
        assertEquals("blog", route(t, "example.org", "/").product());
    }

    @Test
    void defaultProductTakesUnknownHostsAndNoProductWithoutIt() throws Exception {
        TestConf conf = new TestConf();
        RouteTables t = tables(conf);
        RouteDecision d = route(t, "unknown.test", "/anything");
        assertEquals("blog", d.product());
        assertEquals("c_blog", d.cluster());
        assertEquals("c_blog", t.route(new TestRequest("GET", null, "/", "10.0.0.9")).cluster());

        conf.hostRule = conf.hostRule.replace("\"DefaultProduct\": \"blog\",", "");
        RouteTables noDefault = tables(conf);
        RouteDecision none = route(noDefault, "unknown.test", "/");
        assertEquals(ErrorKind.NO_PRODUCT, none.error());
        assertNull(none.product());
        assertFalse(none.ok());
    }

    @Test
    void vipRuleGivesProductWhenNoHostMatches() throws Exception {
        TestConf conf = new TestConf();
        conf.hostRule = conf.hostRule.replace("\"DefaultProduct\": \"blog\",", "");
        conf.write(dir);
        Files.writeString(dir.resolve("server_data_conf/vip_rule.data"),
                "{\"Version\": \"v1\", \"Vips\": {\"blog\": [\"127.0.0.1\"]}}");
        RouteTables t = RouteTables.load(dir);
        assertEquals("c_blog", route(t, "unknown.test", "/").cluster());
        assertTrue(t.version().contains("vip_rule=v1"), t.version());
    }

    @Test
    void advancedModeFallsThroughToProductRulesAndNoRuleMeansNoRoute() throws Exception {
        RouteTables t = tables(new TestConf());
        RouteDecision d = route(t, "no.route.example.org", "/");
        assertEquals("nothing", d.product());
        assertEquals(ErrorKind.NO_ROUTE, d.error());
        assertEquals(ErrorKind.NO_ROUTE, route(t, "shop.example.org", "/api/v1").error());
    }

    @Test
    void productRulesMatchInOrderAfterBasicRules() throws Exception {
        TestConf conf = new TestConf();
        conf.routeRule = conf.routeRule.replace("\"BasicRule\"", """
                "ProductRule": {"shop": [
                    {"Cond": "req_path_prefix_in(\\"/api/v2\\", false)", "ClusterName": "c_default"},
                    {"Cond": "req_header_value_in(\\"X-Beta\\", \\"yes\\", false)", "ClusterName": "c_blog"},
                    {"Cond": "default_t()", "ClusterName": "c_static"}]},
                "BasicRule\"""");
        RouteTables t = tables(conf);
        assertEquals("c_default", route(t, "shop.example.org", "/api/v2/items").cluster());
        assertEquals("c_blog", t.route(TestRequest.get("shop.example.org", "/api/v1").header("X-Beta", "yes")).cluster());
        assertEquals("c_static", route(t, "shop.example.org", "/api/v1").cluster());
        // the basic rule still wins for its paths
        assertEquals("c_static", t.route(TestRequest.get("shop.example.org", "/static/x").header("X-Beta", "yes")).cluster());
        // hosts without a basic match go to the product rules too
        assertEquals("c_default", route(t, "x.shop.example.org", "/api/v2").cluster());
    }

    @Test
    void productRulesSeeTheHostTagOfTheMatchedHostRule() throws Exception {
        TestConf conf = new TestConf();
        conf.hostRule = conf.hostRule.replace("\"shopTag\": [\"shop.example.org\", ", "\"shopTag\": [")
                .replace("\"noTag\": [\"no.route.example.org\"]", "\"noTag\": [\"no.route.example.org\"], \"grayTag\": [\"shop.example.org\"]")
                .replace("\"shop\": [\"shopTag\"]", "\"shop\": [\"shopTag\", \"grayTag\"]");
        conf.routeRule = conf.routeRule.replace("\"BasicRule\"", """
                "ProductRule": {"shop": [
                    {"Cond": "req_host_tag_in(\\"graytag\\")", "ClusterName": "c_blog"},
                    {"Cond": "default_t()", "ClusterName": "c_default"}]},
                "BasicRule\"""");
        RouteTables t = tables(conf);
        TestRequest gray = TestRequest.get("shop.example.org", "/api/v1");
        assertEquals("c_blog", t.route(gray).cluster());
        assertEquals("grayTag", gray.hostTag());
        TestRequest plain = TestRequest.get("m.shop.example.org", "/api/v1");
        assertEquals("c_default", t.route(plain).cluster());
        assertEquals("shopTag", plain.hostTag());
        // DefaultProduct: no host rule matched, so no tag
        TestRequest other = TestRequest.get("unknown.test", "/");
        assertEquals("blog", t.route(other).product());
        assertNull(other.hostTag());
    }

    @Test
    void clusterWithoutGslbEntryIsNoCluster() throws Exception {
        TestConf conf = new TestConf();
        conf.routeRule = conf.routeRule.replace("\"ClusterName\": \"c_blog\"", "\"ClusterName\": \"c_nogslb\"");
        RouteTables t = tables(conf);
        RouteDecision d = route(t, "blog.example.org", "/");
        assertEquals(ErrorKind.NO_CLUSTER, d.error());
        assertEquals("blog", d.product());
        assertNull(t.cluster("c_nogslb"));
    }
}
