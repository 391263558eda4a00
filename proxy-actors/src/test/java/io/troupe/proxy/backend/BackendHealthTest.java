package io.troupe.proxy.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.proxy.route.Backend;
import io.troupe.proxy.route.RouteHolder;
import io.troupe.proxy.route.RouteTables;
import io.troupe.proxy.route.TestConf;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BackendHealthTest {
    @TempDir
    Path dir;

    @Test
    void consecutivePassiveFailuresMarkDownAfterFailNumAndSuccessResetsTheCount() throws Exception {
        RouteTables t = RouteTables.load(new TestConf().write(dir)); // c_static: FailNum 2
        BackendHealth health = new BackendHealth(new RouteHolder(t));
        List<Backend> notified = new ArrayList<>();
        health.setDownListener(notified::add);
        Backend a = t.cluster("c_static").backends().get(0);
        Backend b = t.cluster("c_static").backends().get(1);

        assertFalse(health.reportFailure(a));
        health.reportSuccess(a);
        assertEquals(0, health.consecutiveFailures(a));
        assertFalse(health.reportFailure(a));
        assertTrue(health.isAvailable(a));
        assertTrue(health.reportFailure(a), "second consecutive failure reaches FailNum 2");
        assertFalse(health.isAvailable(a));
        assertTrue(health.isAvailable(b));
        assertFalse(health.reportFailure(a), "already down: no second notification");
        assertEquals(List.of(a), notified);
        assertEquals(Set.of(a.id()), health.downSnapshot());
        for (int i = 0; i < 20; i++) {
            assertEquals(b, t.cluster("c_static").pick(io.troupe.proxy.route.TestRequest.get("shop.example.org", "/"),
                    health, Set.of()));
        }
        assertTrue(health.markUp(a));
        assertTrue(health.isAvailable(a));
        assertEquals(0, health.consecutiveFailures(a));
    }

    @Test
    void defaultFailNumIsFiveAndDisableHealthCheckIgnoresFailures() throws Exception {
        TestConf conf = new TestConf();
        conf.clusterConf = conf.clusterConf.replace("\"c_default\": {}",
                "\"c_default\": {\"ClusterBasic\": {\"DisableHealthCheck\": true}}");
        RouteTables t = RouteTables.load(conf.write(dir));
        BackendHealth health = new BackendHealth(new RouteHolder(t));
        Backend blog = t.cluster("c_blog").backends().get(0);
        for (int i = 0; i < 4; i++) {
            assertFalse(health.reportFailure(blog));
        }
        assertTrue(health.reportFailure(blog));
        Backend dflt = t.cluster("c_default").backends().get(0);
        for (int i = 0; i < 50; i++) {
            assertFalse(health.reportFailure(dflt));
        }
        assertTrue(health.isAvailable(dflt));
    }

    @Test
    void retainForgetsBackendsRemovedByReload() throws Exception {
        RouteTables t = RouteTables.load(new TestConf().write(dir));
        BackendHealth health = new BackendHealth(new RouteHolder(t));
        Backend a = t.cluster("c_static").backends().get(0);
        health.markDown(a);
        health.retain(t.cluster("c_blog").backends());
        assertTrue(health.isAvailable(a));
        assertEquals(Set.of(), health.downSnapshot());
    }
}
