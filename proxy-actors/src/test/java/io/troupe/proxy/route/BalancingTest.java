package io.troupe.proxy.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.proxy.backend.BackendHealth;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BalancingTest {
    @TempDir
    Path dir;

    private static final String ONE_CLUSTER_HOSTS = """
            {"Version": "h", "Hosts": {"t": ["x.org"]}, "HostTags": {"p": ["t"]}}
            """;
    private static final String ONE_CLUSTER_ROUTE = """
            {"Version": "r", "BasicRule": {"p": [{"Path": ["*"], "ClusterName": "c"}]}}
            """;

    private RouteTables tables(String gslbBasic, String table, String gslb) throws Exception {
        TestConf conf = new TestConf();
        conf.hostRule = ONE_CLUSTER_HOSTS;
        conf.routeRule = ONE_CLUSTER_ROUTE;
        conf.clusterConf = "{\"Version\": \"c\", \"Config\": {\"c\": {\"GslbBasic\": " + gslbBasic
                + ", \"CheckConf\": {\"FailNum\": 1}}}}";
        conf.clusterTable = "{\"Version\": \"t\", \"Config\": {\"c\": " + table + "}}";
        conf.gslb = "{\"Clusters\": {\"c\": " + gslb + "}, \"Hostname\": \"\", \"Ts\": \"0\"}";
        return RouteTables.load(conf.write(dir));
    }

    private static String instance(String name, int port, int weight) {
        return "{\"Name\": \"" + name + "\", \"Addr\": \"127.0.0.1\", \"Port\": " + port + ", \"Weight\": " + weight + "}";
    }

    private static final String WEIGHTED_5_1_1 = "{\"s1\": [" + instance("a", 1001, 5) + ", " + instance("b", 1002, 1)
            + ", " + instance("c", 1003, 1) + "]}";

    @Test
    void smoothWeightedRoundRobinFollowsWeightsAndInterleaves() throws Exception {
        RouteTables t = tables("{}", WEIGHTED_5_1_1, "{\"s1\": 100}");
        ClusterSpec c = t.cluster("c");
        BackendHealth health = new BackendHealth(new RouteHolder(t));
        StringBuilder seq = new StringBuilder();
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < 700; i++) {
            Backend b = c.pick(TestRequest.get("x.org", "/"), health, Set.of());
            counts.merge(b.name(), 1, Integer::sum);
            if (i < 7) {
                seq.append(b.name());
            }
        }
        assertEquals(Map.of("a", 500, "b", 100, "c", 100), counts);
        // the smooth sequence BFE documents for {a:5, b:1, c:1}, instead of "abcaaaa"
        assertEquals("aabacaa", seq.toString());
    }

    @Test
    void downAndExcludedBackendsAreSkippedAndNoBackendWhenNoneLeft() throws Exception {
        RouteTables t = tables("{}", WEIGHTED_5_1_1, "{\"s1\": 100}");
        ClusterSpec c = t.cluster("c");
        BackendHealth health = new BackendHealth(new RouteHolder(t));
        Backend a = c.backends().get(0);
        Backend b = c.backends().get(1);
        Backend cc = c.backends().get(2);
        health.markDown(a);
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < 100; i++) {
            counts.merge(c.pick(TestRequest.get("x.org", "/"), health, Set.of()).name(), 1, Integer::sum);
        }
        assertEquals(Map.of("b", 50, "c", 50), counts);
        assertEquals(cc, c.pick(TestRequest.get("x.org", "/"), health, Set.of(b)));
        Pick none = c.pickDetailed(TestRequest.get("x.org", "/"), health, Set.of(b, cc), 0);
        assertNull(none.backend());
        assertEquals(Pick.Failure.NO_BACKEND, none.failure());
        assertEquals(ErrorKind.NO_BACKEND, none.errorKind());
        health.markUp(a);
        assertEquals(a, c.pick(TestRequest.get("x.org", "/"), health, Set.of(b, cc)));
    }

    @Test
    void sessionStickyHashesTheSameClientToTheSameBackend() throws Exception {
        String table = "{\"s1\": [" + instance("a", 1001, 1) + ", " + instance("b", 1002, 1) + ", "
                + instance("c", 1003, 1) + ", " + instance("d", 1004, 1) + "]}";
        RouteTables t = tables("{\"HashConf\": {\"HashStrategy\": 0, \"HashHeader\": \"Cookie:UID\", \"SessionSticky\": true}}",
                table, "{\"s1\": 100}");
        ClusterSpec c = t.cluster("c");
        BackendHealth health = new BackendHealth(new RouteHolder(t));
        Set<String> used = new HashSet<>();
        for (int user = 0; user < 40; user++) {
            Backend first = c.pick(TestRequest.get("x.org", "/").header("Cookie", "UID=user" + user), health, Set.of());
            for (int again = 0; again < 5; again++) {
                assertEquals(first, c.pick(TestRequest.get("x.org", "/other").header("Cookie", "a=b; UID=user" + user),
                        health, Set.of()));
            }
            used.add(first.name());
        }
        assertEquals(Set.of("a", "b", "c", "d"), used, "40 users spread over all four backends");
        // the header itself, when present, is the key too (HashHeader names a header or Cookie:NAME)
        RouteTables byHeader = tables("{\"HashConf\": {\"HashStrategy\": 0, \"HashHeader\": \"X-Uid\", \"SessionSticky\": true}}",
                table, "{\"s1\": 100}");
        ClusterSpec h = byHeader.cluster("c");
        Backend x = h.pick(TestRequest.get("x.org", "/").header("X-Uid", "42"), health, Set.of());
        for (int i = 0; i < 10; i++) {
            assertEquals(x, h.pick(TestRequest.get("x.org", "/").header("X-Uid", "42"), health, Set.of()));
        }
    }

    @Test
    void stickyClientMovesOnlyWhenItsBackendIsDown() throws Exception {
        String table = "{\"s1\": [" + instance("a", 1001, 1) + ", " + instance("b", 1002, 1) + "]}";
        RouteTables t = tables("{\"HashConf\": {\"HashStrategy\": 1, \"SessionSticky\": true}}", table, "{\"s1\": 100}");
        ClusterSpec c = t.cluster("c");
        BackendHealth health = new BackendHealth(new RouteHolder(t));
        TestRequest req = new TestRequest("GET", "x.org", "/", "192.168.7.7");
        Backend home = c.pick(req, health, Set.of());
        assertEquals(home, c.pick(new TestRequest("GET", "x.org", "/b", "192.168.7.7"), health, Set.of()));
        health.markDown(home);
        Backend other = c.pick(req, health, Set.of());
        assertNotNull(other);
        assertNotEquals(home, other);
    }

    @Test
    void gslbWeightsSplitClientsBetweenSubClustersAndEachClientSticks() throws Exception {
        String table = "{\"s1\": [" + instance("a", 1001, 1) + "], \"s2\": [" + instance("b", 2001, 1) + "]}";
        RouteTables t = tables("{}", table, "{\"s1\": 80, \"s2\": 20, \"GSLB_BLACKHOLE\": 0}");
        ClusterSpec c = t.cluster("c");
        BackendHealth health = new BackendHealth(new RouteHolder(t));
        int s1 = 0;
        for (int i = 0; i < 2000; i++) {
            String ip = "10." + (i / 250) + "." + (i % 250) + ".1";
            Backend b = c.pick(new TestRequest("GET", "x.org", "/", ip), health, Set.of());
            assertEquals(b, c.pick(new TestRequest("GET", "x.org", "/again", ip), health, Set.of()), ip);
            s1 += b.subCluster().equals("s1") ? 1 : 0;
        }
        assertTrue(s1 > 1500 && s1 < 1700, "about 80% of 2000 clients in s1, got " + s1);
    }

    @Test
    void blackholeRefusesAndCrossRetryUsesOtherSubClusters() throws Exception {
        String table = "{\"s1\": [" + instance("a", 1001, 1) + "], \"s2\": [" + instance("b", 2001, 1) + "]}";
        RouteTables hole = tables("{}", table, "{\"s1\": 0, \"s2\": 0, \"GSLB_BLACKHOLE\": 100}");
        Pick p = hole.cluster("c").pickDetailed(TestRequest.get("x.org", "/"), null, Set.of(), 0);
        assertEquals(Pick.Failure.BLACKHOLE, p.failure());
        assertEquals("GSLB_BLACKHOLE", p.subCluster());
        assertNull(hole.cluster("c").pick(TestRequest.get("x.org", "/"), null, Set.of()));

        RouteTables noCross = tables("{\"CrossRetry\": 0}", table, "{\"s1\": 100, \"s2\": 0}");
        ClusterSpec c = noCross.cluster("c");
        BackendHealth health = new BackendHealth(new RouteHolder(noCross));
        Backend a = c.backends().stream().filter(b -> b.name().equals("a")).findFirst().orElseThrow();
        assertEquals(a, c.pick(TestRequest.get("x.org", "/"), health, Set.of()));
        health.markDown(a);
        assertEquals(Pick.Failure.NO_BACKEND, c.pickDetailed(TestRequest.get("x.org", "/"), health, Set.of(), 0).failure());

        RouteTables cross = tables("{\"CrossRetry\": 1}", table, "{\"s1\": 100, \"s2\": 0}");
        ClusterSpec cc = cross.cluster("c");
        Backend crossPick = cc.pick(TestRequest.get("x.org", "/"), health, Set.of());
        assertEquals("s2", crossPick.subCluster());
        // past RetryMax only other sub-clusters are tried
        health.markUp(a);
        assertEquals("s2", cc.pickDetailed(TestRequest.get("x.org", "/"), health, Set.of(), 3).backend().subCluster());
        assertEquals(List.of("a", "b"), cc.backends().stream().map(Backend::name).toList());
    }

    @Test
    void leastConnectionsPrefersTheIdleBackend() throws Exception {
        String table = "{\"s1\": [" + instance("a", 1001, 1) + ", " + instance("b", 1002, 1) + "]}";
        RouteTables t = tables("{\"BalanceMode\": \"wlc\"}", table, "{\"s1\": 100}");
        ClusterSpec c = t.cluster("c");
        BackendHealth health = new BackendHealth(new RouteHolder(t));
        Backend a = c.backends().get(0);
        Backend b = c.backends().get(1);
        health.requestStarted(a);
        health.requestStarted(a);
        health.requestStarted(b);
        for (int i = 0; i < 5; i++) {
            assertEquals(b, c.pick(TestRequest.get("x.org", "/"), health, Set.of()));
        }
        health.requestFinished(a);
        health.requestFinished(a);
        assertEquals(a, c.pick(TestRequest.get("x.org", "/"), health, Set.of()));
    }
}
