package io.troupe.proxy.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.proxy.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RouteConfigParseTest {
    @TempDir
    Path dir;

    private ConfigException fails(TestConf conf) {
        return assertThrows(ConfigException.class, () -> RouteTables.load(conf.write(dir)));
    }

    private static void assertMessage(ConfigException e, String fileSuffix, String field, String reasonPart) {
        assertTrue(e.file().endsWith(fileSuffix), e.getMessage());
        assertEquals(field, e.field(), e.getMessage());
        assertTrue(e.reason().contains(reasonPart), e.getMessage());
        assertTrue(e.getMessage().startsWith(e.file() + ": " + (field.isEmpty() ? "" : field + ": ")), e.getMessage());
    }

    @Test
    void repositoryExampleConfLoads() throws Exception {
        RouteTables t = RouteTables.load(Path.of("..", "conf"));
        assertEquals("host_rule=example-1,route_rule=example-1,cluster_conf=example-1;cluster_table=example-1,gslb=example-1",
                t.version());
        ClusterSpec c = t.cluster("cluster_example");
        assertNotNull(c);
        assertEquals(List.of("127.0.0.1:8181", "127.0.0.1:8182"), c.backends().stream().map(Backend::address).toList());
        assertEquals("/", c.checkConf().uri());
        assertEquals("cluster_example", t.route(TestRequest.get("localhost:8080", "/")).cluster());
        assertEquals("cluster_example", t.route(TestRequest.get("www.example.com", "/x")).cluster());
        assertEquals(ErrorKind.NO_PRODUCT, t.route(TestRequest.get("other.org", "/")).error());
        assertEquals(List.of(), t.warnings());
    }

    @Test
    void defaultsFollowBfe() throws Exception {
        RouteTables t = RouteTables.load(new TestConf().write(dir));
        ClusterConf d = t.cluster("c_default").conf();
        assertEquals(new ClusterConf.BackendConf("http", 2000, 60000, 2, 0, 0, 0, ""), d.backendConf());
        assertEquals(new ClusterConf.CheckConf("http", "/health_check", "", 0, "", 5, 1, 0, 1000, false), d.checkConf());
        assertEquals(new ClusterConf.GslbBasic(0, 2, ClusterConf.HASH_CLIENT_IP_ONLY, "", false, "WRR"), d.gslbBasic());
        assertEquals(new ClusterConf.ClusterBasic(30000, 60000, 60000, 512, 0, -1, false, false, false), d.clusterBasic());
        ClusterSpec blog = t.cluster("c_blog");
        assertEquals(1500, blog.backendConf().timeoutConnSrvMs());
        assertEquals(ClusterConf.RETRY_GET, blog.retryLevel());
        assertEquals(3, blog.maxAttempts());
        assertEquals(Map.of("GSLB_BLACKHOLE", 0, "s1", 100), t.cluster("c_static").subClusterWeights());
    }

    @Test
    void maxIdleConnsPerHostAbsentIsTwoAndZeroTurnsKeepAliveOff() throws Exception {
        // BFE's loader defaults an absent field to 2; its transport sets DisableKeepAlives when the value is 0 (the
        // value BFE's shipped cluster_conf.data writes)
        TestConf conf = new TestConf();
        conf.clusterConf = """
                {"Version": "cc1", "Config": {
                   "c_static": {"BackendConf": {"MaxIdleConnsPerHost": 0}},
                   "c_blog": {"BackendConf": {"MaxIdleConnsPerHost": -1}},
                   "c_default": {"BackendConf": {"TimeoutConnSrv": 1000}}}}
                """;
        RouteTables t = RouteTables.load(conf.write(dir));
        assertEquals(0, t.cluster("c_static").backendConf().maxIdleConnsPerHost());
        assertEquals(-1, t.cluster("c_blog").backendConf().maxIdleConnsPerHost());
        assertEquals(2, t.cluster("c_default").backendConf().maxIdleConnsPerHost());
    }

    @Test
    void fieldNamesAreCaseInsensitiveLikeGoButMapKeysAreNot() throws Exception {
        TestConf conf = new TestConf();
        conf.clusterConf = """
                {"version": "cc1", "CONFIG": {
                   "c_static": {"checkconf": {"failnum": 7}},
                   "c_blog": {}, "c_default": {}}}
                """;
        RouteTables t = RouteTables.load(conf.write(dir));
        assertEquals(7, t.cluster("c_static").checkConf().failNum());
        assertNull(t.cluster("C_STATIC"));
    }

    @Test
    void unknownFieldsAreIgnoredAndReported() throws Exception {
        TestConf conf = new TestConf();
        conf.clusterConf = conf.clusterConf.replace("\"FailNum\": 2", "\"FailNum\": 2, \"FailNumber\": 9");
        RouteTables t = RouteTables.load(conf.write(dir));
        assertTrue(t.warnings().stream().anyMatch(w -> w.endsWith("cluster_conf.data: Config.c_static.CheckConf.FailNumber: unknown field, ignored")),
                t.warnings().toString());
        assertTrue(t.warnings().stream().anyMatch(w -> w.contains("Config.c_nogslb: cluster has no entry in")),
                t.warnings().toString());
    }

    @Test
    void malformedJsonNamesFileAndLine() {
        TestConf conf = new TestConf();
        conf.hostRule = "{\"Version\": \"h1\",\n \"Hosts\": {\n";
        ConfigException e = fails(conf);
        assertTrue(e.file().endsWith("host_rule.data"), e.getMessage());
        assertTrue(e.reason().startsWith("invalid JSON: Unexpected end-of-input"), e.getMessage());
        assertTrue(e.reason().endsWith(" at line 3 column 1"), e.getMessage());
        // the parser's note on its input source is not the user's business
        assertFalse(e.reason().contains("Source:") || e.reason().contains("StreamReadFeature"), e.getMessage());
    }

    @Test
    void missingFileIsAnError() throws Exception {
        TestConf conf = new TestConf();
        conf.write(dir);
        Files.delete(dir.resolve("cluster_conf/gslb.data"));
        ConfigException e = assertThrows(ConfigException.class, () -> RouteTables.load(dir));
        assertMessage(e, "gslb.data", "", "file not found");
    }

    @Test
    void hostRuleErrors() {
        TestConf conf = new TestConf();
        conf.hostRule = conf.hostRule.replace("\"Version\": \"h1\",", "");
        assertMessage(fails(conf), "host_rule.data", "Version", "missing");

        conf = new TestConf();
        conf.hostRule = conf.hostRule.replace("\"noTag\": [\"no.route.example.org\"]",
                "\"noTag\": [\"no.route.example.org\"], \"orphanTag\": [\"x.org\"]");
        assertMessage(fails(conf), "host_rule.data", "Hosts.orphanTag", "must also appear in HostTags");

        conf = new TestConf();
        conf.hostRule = conf.hostRule.replace("\"DefaultProduct\": \"blog\"", "\"DefaultProduct\": \"ghost\"");
        assertMessage(fails(conf), "host_rule.data", "DefaultProduct", "default product ghost must exist in HostTags");

        conf = new TestConf();
        conf.hostRule = conf.hostRule.replace("[\"blog.example.org\"]", "[\"blog.example.org\", \"SHOP.example.org\"]");
        assertMessage(fails(conf), "host_rule.data", "Hosts.blogTag[1]", "listed twice");

        conf = new TestConf();
        conf.hostRule = conf.hostRule.replace("[\"blog.example.org\"]", "[\"blog.example.org\", 7]");
        assertMessage(fails(conf), "host_rule.data", "Hosts.blogTag[1]", "expected a string, got a number");

        conf = new TestConf();
        conf.hostRule = conf.hostRule.replace("[\"blog.example.org\"]", "[\"a.*.example.org\"]");
        assertMessage(fails(conf), "host_rule.data", "Hosts.blogTag[0]", "only allowed as the first label");
    }

    @Test
    void routeRuleErrors() {
        TestConf conf = new TestConf();
        conf.routeRule = conf.routeRule.replace("\"Path\": [\"/static*\"]", "\"Path\": [\"/sta*tic\"]");
        assertMessage(fails(conf), "route_rule.data", "BasicRule.shop[0].Path[0]", "* must be the last character");

        conf = new TestConf();
        conf.routeRule = conf.routeRule.replace("\"Hostname\": [\"shop.example.org\", \"*.shop.example.org\"]",
                "\"Hostname\": [\"shop.example.org\", \"shop.*.org\"]");
        assertMessage(fails(conf), "route_rule.data", "BasicRule.shop[0].Hostname[1]", "must be * or start with *.");

        conf = new TestConf();
        conf.routeRule = conf.routeRule.replace("{\"Path\": [\"*\"], \"ClusterName\": \"c_blog\"}", "{\"ClusterName\": \"c_blog\"}");
        assertMessage(fails(conf), "route_rule.data", "BasicRule.blog[0]", "neither Hostname nor Path");

        conf = new TestConf();
        conf.routeRule = conf.routeRule.replace("\"ClusterName\": \"c_blog\"", "\"ClusterName\": \"c_typo\"");
        assertMessage(fails(conf), "route_rule.data", "BasicRule.blog[0].ClusterName",
                "cluster c_typo does not exist in");

        conf = new TestConf();
        conf.routeRule = conf.routeRule.replace("{\"Hostname\": [\"shop.example.org\"], \"Path\": [\"/exact\"]",
                "{\"Hostname\": [\"shop.example.org\"], \"Path\": [\"/static/*\"]");
        assertMessage(fails(conf), "route_rule.data", "BasicRule.shop[1].Path", "path /static/* is duplicated");

        conf = new TestConf();
        conf.routeRule = "{\"Version\": \"r\"}";
        assertMessage(fails(conf), "route_rule.data", "", "neither BasicRule nor ProductRule");
    }

    @Test
    void productInRouteMustOwnHosts() {
        TestConf conf = new TestConf();
        conf.routeRule = conf.routeRule.replace("\"blog\": [", "\"ghost\": [ {\"Path\": [\"*\"], \"ClusterName\": \"c_blog\"} ], \"blog\": [");
        assertMessage(fails(conf), "route_rule.data", "BasicRule.ghost", "product ghost has route rules but owns no host tag");
    }

    @Test
    void productRuleErrorsNameTheRule() {
        TestConf conf = new TestConf();
        conf.routeRule = conf.routeRule.replace("\"BasicRule\"",
                "\"ProductRule\": {\"shop\": [{\"Cond\": \"default_t()\", \"ClusterName\": \"c_static\"},"
                        + " {\"Cond\": \"req_hots_in(\\\"a\\\")\", \"ClusterName\": \"c_static\"}]}, \"BasicRule\"");
        ConfigException e = fails(conf);
        assertEquals("ProductRule.shop[1].Cond", e.field(), e.getMessage());
        assertTrue(e.reason().startsWith("condition error at position 0: "), e.getMessage());
        assertTrue(e.reason().contains("req_hots_in"), e.getMessage());

        conf = new TestConf();
        conf.routeRule = conf.routeRule.replace("\"BasicRule\"",
                "\"ProductRule\": {\"shop\": [{\"ClusterName\": \"c_static\"}]}, \"BasicRule\"");
        assertMessage(fails(conf), "route_rule.data", "ProductRule.shop[0].Cond", "missing");
    }

    @Test
    void clusterConfErrors() {
        TestConf conf = new TestConf();
        conf.clusterConf = conf.clusterConf.replace("{\"FailNum\": 2, \"CheckInterval\": 100}", "{\"Uri\": \"health\"}");
        assertMessage(fails(conf), "cluster_conf.data", "Config.c_static.CheckConf.Uri", "should start with '/'");

        conf = new TestConf();
        conf.clusterConf = conf.clusterConf.replace("\"c_default\": {}", "\"c_default\": {\"GslbBasic\": {\"BalanceMode\": \"epp\"}}");
        assertMessage(fails(conf), "cluster_conf.data", "Config.c_default.GslbBasic.BalanceMode", "unsupported balance mode EPP");

        conf = new TestConf();
        conf.clusterConf = conf.clusterConf.replace("\"c_default\": {}", "\"c_default\": {\"GslbBasic\": {\"HashConf\": {\"HashStrategy\": 0}}}");
        assertMessage(fails(conf), "cluster_conf.data", "Config.c_default.GslbBasic.HashConf.HashHeader", "needs a HashHeader");

        conf = new TestConf();
        conf.clusterConf = conf.clusterConf.replace("\"TimeoutConnSrv\": 1500", "\"TimeoutConnSrv\": \"1500\"");
        assertMessage(fails(conf), "cluster_conf.data", "Config.c_blog.BackendConf.TimeoutConnSrv", "expected an integer, got a string");

        conf = new TestConf();
        conf.clusterConf = conf.clusterConf.replace("\"TimeoutConnSrv\": 1500", "\"TimeoutConnSrv\": 1.5");
        assertMessage(fails(conf), "cluster_conf.data", "Config.c_blog.BackendConf.TimeoutConnSrv", "expected an integer");

        conf = new TestConf();
        conf.clusterConf = conf.clusterConf.replace("\"CheckInterval\": 100", "\"CheckInterval\": 100, \"SuccNum\": 0");
        assertMessage(fails(conf), "cluster_conf.data", "Config.c_static.CheckConf.SuccNum", "bigger than 0");
    }

    @Test
    void clusterTableAndGslbErrors() {
        TestConf conf = new TestConf();
        conf.clusterTable = conf.clusterTable.replace("\"Port\": 9101, \"Weight\": 1", "\"Port\": 9101, \"Weight\": 0");
        assertMessage(fails(conf), "cluster_table.data", "Config.c_blog.s1", "no instance with Weight > 0");

        conf = new TestConf();
        conf.clusterTable = conf.clusterTable.replace("\"Port\": 9101,", "\"Port\": \"9101\",");
        assertMessage(fails(conf), "cluster_table.data", "Config.c_blog.s1[0].Port", "expected an integer, got a string");

        conf = new TestConf();
        conf.clusterTable = conf.clusterTable.replace("{\"Name\": \"a\", \"Addr\": \"127.0.0.1\", \"Port\": 9101, \"Weight\": 1}",
                "{\"Addr\": \"127.0.0.1\", \"Port\": 9101, \"Weight\": 1}");
        assertMessage(fails(conf), "cluster_table.data", "Config.c_blog.s1[0].Name", "missing");

        conf = new TestConf();
        conf.gslb = conf.gslb.replace("\"c_default\": {\"s1\": 1}", "\"c_default\": {\"s1\": 1}, \"c_ghost\": {\"s1\": 1}");
        assertMessage(fails(conf), "gslb.data", "Clusters.c_ghost", "has no instances in");

        conf = new TestConf();
        conf.gslb = conf.gslb.replace("\"c_default\": {\"s1\": 1}", "\"c_default\": {\"s1\": 0, \"GSLB_BLACKHOLE\": -1}");
        assertMessage(fails(conf), "gslb.data", "Clusters.c_default", "total weight of sub-clusters is 0");

        conf = new TestConf();
        conf.gslb = conf.gslb.replace("\"Ts\": \"g1\"", "\"TS\": null");
        assertMessage(fails(conf), "gslb.data", "Ts", "missing");
    }

    @Test
    void vipRuleIsOptionalAndValidated() throws Exception {
        TestConf conf = new TestConf();
        conf.write(dir);
        Files.writeString(dir.resolve("server_data_conf/vip_rule.data"),
                "{\"Version\": \"v1\", \"Vips\": {\"shop\": [\"not-an-ip\"]}}");
        ConfigException e = assertThrows(ConfigException.class, () -> RouteTables.load(dir));
        assertMessage(e, "vip_rule.data", "Vips.shop[0]", "invalid vip not-an-ip");
    }
}
