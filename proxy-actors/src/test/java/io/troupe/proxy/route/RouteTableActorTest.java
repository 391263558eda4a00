package io.troupe.proxy.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.troupe.module.web.WebHandlerRegistry;
import io.troupe.proxy.backend.BackendHealth;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RouteTableActorTest {
    static ActorTestKit testKit;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        testKit = ActorTestKit.create(ConfigFactory.parseString("pekko.actor.serialize-messages = on")
                .withFallback(ConfigFactory.load()));
    }

    @AfterAll
    static void stop() {
        testKit.shutdownTestKit();
    }

    private record Node(RouteHolder holder, BackendHealth health, ActorRef<RouteTableActor.Command> actor) {}

    private Node start(Path root) throws Exception {
        RouteTables initial = RouteTables.load(root);
        RouteHolder holder = new RouteHolder(initial);
        BackendHealth health = new BackendHealth(holder);
        return new Node(holder, health, testKit.spawn(RouteTableActor.create(RouteFiles.standard(root), holder, health)));
    }

    private static RouteTableActor.ReloadResult reload(Node node, String name, Optional<Path> path) {
        TestProbe<RouteTableActor.ReloadResult> probe = testKit.createTestProbe();
        node.actor().tell(new RouteTableActor.Reload(name, path, probe.getRef()));
        return probe.receiveMessage(Duration.ofSeconds(10));
    }

    @Test
    void badServerDataKeepsOldTablesAndGoodOneSwapsWhole() throws Exception {
        Path live = new TestConf().write(dir.resolve("live"));
        Node node = start(live);
        RouteTables before = node.holder().get();

        TestConf broken = new TestConf();
        broken.routeRule = broken.routeRule.replace("\"ClusterName\": \"c_blog\"", "\"ClusterName\": \"c_typo\"");
        Path brokenDir = broken.write(dir.resolve("broken")).resolve("server_data_conf");
        RouteTableActor.ReloadResult bad = reload(node, "server_data_conf", Optional.of(brokenDir));
        assertFalse(bad.ok());
        assertNull(bad.version());
        assertTrue(bad.error().contains(brokenDir.resolve("route_rule.data") + ": BasicRule.blog[0].ClusterName: cluster c_typo"),
                bad.error());
        assertSame(before, node.holder().get(), "old tables keep serving");

        TestConf changed = new TestConf();
        changed.hostRule = changed.hostRule.replace("\"Version\": \"h1\"", "\"Version\": \"h2\"");
        changed.routeRule = changed.routeRule.replace("\"ClusterName\": \"c_blog\"", "\"ClusterName\": \"c_default\"");
        changed.write(live);
        RouteTableActor.ReloadResult ok = reload(node, "server_data_conf", Optional.empty());
        assertTrue(ok.ok(), ok.error());
        RouteTables after = node.holder().get();
        assertNotSame(before, after);
        assertEquals(after.version(), ok.version());
        assertTrue(ok.version().startsWith("host_rule=h2,"), ok.version());
        assertEquals("c_default", after.route(TestRequest.get("blog.example.org", "/")).cluster());
        // a request that started on the old snapshot still routes with it
        assertEquals("c_blog", before.route(TestRequest.get("blog.example.org", "/")).cluster());
    }

    @Test
    void gslbDataReloadKeepsServerDataAndRejectsBadFiles() throws Exception {
        Path live = new TestConf().write(dir.resolve("live"));
        Node node = start(live);
        RouteTables before = node.holder().get();

        TestConf zero = new TestConf();
        zero.gslb = zero.gslb.replace("\"c_blog\": {\"s1\": 100}", "\"c_blog\": {\"s1\": 0}");
        Path zeroDir = zero.write(dir.resolve("zero")).resolve("cluster_conf");
        RouteTableActor.ReloadResult bad = reload(node, "gslb_data_conf", Optional.of(zeroDir));
        assertFalse(bad.ok());
        assertTrue(bad.error().startsWith(zeroDir.resolve("gslb.data") + ": Clusters.c_blog: total weight"), bad.error());
        assertSame(before, node.holder().get());

        TestConf more = new TestConf();
        more.clusterTable = more.clusterTable.replace("\"Port\": 9101, \"Weight\": 1}",
                "\"Port\": 9101, \"Weight\": 1}, {\"Name\": \"b\", \"Addr\": \"127.0.0.1\", \"Port\": 9102, \"Weight\": 1}");
        more.gslb = more.gslb.replace("\"Ts\": \"g1\"", "\"Ts\": \"g2\"");
        Path moreDir = more.write(dir.resolve("more")).resolve("cluster_conf");
        RouteTableActor.ReloadResult ok = reload(node, "gslb_data_conf", Optional.of(moreDir));
        assertTrue(ok.ok(), ok.error());
        assertTrue(ok.version().endsWith(",gslb=g2"), ok.version());
        RouteTables after = node.holder().get();
        assertEquals(2, after.cluster("c_blog").backends().size());
        assertEquals(before.serverDataVersion(), after.serverDataVersion());
        assertEquals(1, before.cluster("c_blog").backends().size());
    }

    @Test
    void unknownReloadNameIsAnError() throws Exception {
        Node node = start(new TestConf().write(dir));
        RouteTableActor.ReloadResult r = reload(node, "tls_conf", Optional.empty());
        assertFalse(r.ok());
        assertTrue(r.error().contains("unknown reload name tls_conf"), r.error());
    }

    @Test
    void reloadHandlersAreRegisteredWithTheAdminApi() throws Exception {
        Path live = new TestConf().write(dir.resolve("live"));
        Node node = start(live);
        WebHandlerRegistry registry = new WebHandlerRegistry();
        RouteTableActor.registerReloads(registry, node.actor(), testKit.system().scheduler(), Duration.ofSeconds(10));
        assertEquals(java.util.Set.of("gslb_data_conf", "server_data_conf"), registry.reloadNames());

        Path empty = Files.createDirectories(dir.resolve("empty"));
        Exception e = assertThrows(IllegalArgumentException.class, () -> registry.reload("server_data_conf").orElseThrow()
                .reload(Map.of("path", List.of(empty.toString()))));
        assertEquals(empty.resolve("host_rule.data") + ": file not found", e.getMessage());

        String version = registry.reload("gslb_data_conf").orElseThrow().reload(Map.of());
        assertEquals(node.holder().get().version(), version);
    }

    @Test
    void proxyRoutingWiresTablesActorReloadsAndMonitor() throws Exception {
        Path live = new TestConf().write(dir.resolve("live"));
        WebHandlerRegistry registry = new WebHandlerRegistry();
        ProxyRouting routing = ProxyRouting.start(testKit.system(), live, registry, Duration.ofSeconds(10));
        assertEquals(java.util.Set.of("gslb_data_conf", "server_data_conf"), registry.reloadNames());
        assertEquals(java.util.Set.of("bal_table", "bal_table_status", "bal_table_version", "host_table_status",
                "host_table_version", "cluster_table_version"), registry.monitorNames());
        assertEquals("c_blog", routing.holder().get().route(TestRequest.get("blog.example.org", "/")).cluster());
        TestConf changed = new TestConf();
        changed.routeRule = changed.routeRule.replace("\"ClusterName\": \"c_blog\"", "\"ClusterName\": \"c_default\"");
        changed.write(live);
        registry.reload("server_data_conf").orElseThrow().reload(Map.of());
        assertEquals("c_default", routing.holder().get().route(TestRequest.get("blog.example.org", "/")).cluster());

        TestConf broken = new TestConf();
        broken.gslb = "{}";
        Path bad = broken.write(dir.resolve("bad"));
        var e = assertThrows(io.troupe.proxy.config.ConfigException.class,
                () -> ProxyRouting.start(testKit.system(), bad, null, Duration.ofSeconds(1)));
        assertEquals(bad.resolve("cluster_conf/gslb.data") + ": Clusters: missing (BFE: no Clusters)", e.getMessage());
    }

    @Test
    void queuedReloadsAreAnsweredInOrderAndHealthFollowsTheTables() throws Exception {
        Path live = new TestConf().write(dir.resolve("live"));
        Node node = start(live);
        Backend second = node.holder().get().cluster("c_static").backends().get(1);
        Backend first = node.holder().get().cluster("c_static").backends().get(0);
        node.health().markDown(second);
        node.health().markDown(first);

        TestConf fewer = new TestConf();
        fewer.clusterTable = fewer.clusterTable.replaceAll(",\\s*\\{\"Name\": \"b\", \"Addr\": \"127.0.0.1\", \"Port\": 9002, \"Weight\": 1}", "");
        fewer.gslb = fewer.gslb.replace("\"Ts\": \"g1\"", "\"Ts\": \"g3\"");
        Path fewerDir = fewer.write(dir.resolve("fewer")).resolve("cluster_conf");
        TestProbe<RouteTableActor.ReloadResult> probe = testKit.createTestProbe();
        node.actor().tell(new RouteTableActor.Reload("server_data_conf", Optional.empty(), probe.getRef()));
        node.actor().tell(new RouteTableActor.Reload("gslb_data_conf", Optional.of(fewerDir), probe.getRef()));
        node.actor().tell(new RouteTableActor.Reload("server_data_conf", Optional.empty(), probe.getRef()));
        List<RouteTableActor.ReloadResult> results = probe.receiveSeveralMessages(3, Duration.ofSeconds(10));
        assertEquals(List.of("server_data_conf", "gslb_data_conf", "server_data_conf"),
                results.stream().map(RouteTableActor.ReloadResult::name).toList());
        assertTrue(results.stream().allMatch(RouteTableActor.ReloadResult::ok), results.toString());
        assertTrue(results.get(2).version().endsWith("gslb=g3"), "the later reload builds on the earlier one");
        assertEquals(1, node.holder().get().cluster("c_static").backends().size());

        // the removed backend's state is forgotten once the health checkers see the new tables
        probe.awaitAssert(Duration.ofSeconds(10), () -> {
            assertFalse(node.health().downSnapshot().contains(second.id()));
            return null;
        });
    }
}
