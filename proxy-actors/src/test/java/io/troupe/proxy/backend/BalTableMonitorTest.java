package io.troupe.proxy.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.troupe.module.web.WebHandlerRegistry;
import io.troupe.proxy.route.Backend;
import io.troupe.proxy.route.RouteHolder;
import io.troupe.proxy.route.RouteTables;
import io.troupe.proxy.route.TestConf;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BalTableMonitorTest {
    @TempDir
    Path dir;

    @Test
    void showsEveryBackendWithItsHealthInEachFormat() throws Exception {
        RouteTables t = RouteTables.load(new TestConf().write(dir));
        RouteHolder holder = new RouteHolder(t);
        BackendHealth health = new BackendHealth(holder);
        Backend down = t.cluster("c_static").backends().get(1);
        health.markDown(down);
        WebHandlerRegistry web = new WebHandlerRegistry();
        BalTableMonitor.register(web, holder, health);
        WebHandlerRegistry.MonitorHandler monitor = web.monitor("bal_table").orElseThrow();

        JsonNode json = new ObjectMapper().readTree(monitor.render(Map.of()));
        assertEquals(t.version(), json.get("Version").asText());
        JsonNode backends = json.at("/Clusters/c_static/s1/Backends");
        assertEquals(2, backends.size());
        assertTrue(backends.get(0).get("Avail").asBoolean());
        assertEquals("127.0.0.1:9002", backends.get(1).get("Addr").asText());
        assertEquals(false, backends.get(1).get("Avail").asBoolean());
        assertEquals(0, json.at("/Clusters/c_static/GSLB_BLACKHOLE/Weight").asInt());

        String kv = monitor.render(Map.of("format", List.of("kv")));
        assertTrue(kv.contains("c_static.s1.127.0.0.1:9002.avail=0\n"), kv);
        assertTrue(kv.contains("c_static.s1.127.0.0.1:9001.avail=1\n"), kv);
        String prom = monitor.render(Map.of("format", List.of("prometheus")));
        assertTrue(prom.contains("troupe_proxy_backend_up{cluster=\"c_static\",sub_cluster=\"s1\",backend=\"127.0.0.1:9002\"} 0"), prom);
        assertThrows(IllegalArgumentException.class, () -> monitor.render(Map.of("format", List.of("xml"))));
    }

    @Test
    void bfesTableMonitorsAnswerUnderBfesNamesAndFields() throws Exception {
        RouteTables t = RouteTables.load(new TestConf().write(dir));
        RouteHolder holder = new RouteHolder(t);
        WebHandlerRegistry web = new WebHandlerRegistry();
        BalTableMonitor.register(web, holder, new BackendHealth(holder));
        ObjectMapper json = new ObjectMapper();
        assertEquals(json.readTree("{\"HostTag\": \"h1\", \"Vip\": \"\", \"ProductRoute\": \"r1\"}"),
                json.readTree(render(web, "host_table_version", Map.of())));
        assertEquals(json.readTree("{\"HostTableSize\": 5, \"HostTagTableSize\": 3, \"VipTableSize\": 0,"
                + " \"ProductRouteTableSize\": 3}"), json.readTree(render(web, "host_table_status", Map.of())));
        assertEquals("ClusterConfVer:cc1\n", render(web, "cluster_table_version", Map.of("format", List.of("kv"))));
        assertEquals(json.readTree("{\"ClusterTableConfVer\": \"t1\", \"GslbConfTimeStamp\": \"g1\", \"GslbConfSrc\": \"\"}"),
                json.readTree(render(web, "bal_table_version", Map.of())));
        // BFE's CLI asks bal_table_status?cluster_name=
        assertEquals("{\"status\":\"Exist\"}", render(web, "bal_table_status", Map.of("cluster_name", List.of("c_static"))));
        assertEquals("{\"status\":\"Not Exist\"}", render(web, "bal_table_status", Map.of("cluster_name", List.of("nope"))));
        assertEquals(t.version(), json.readTree(render(web, "bal_table_status", Map.of())).get("Version").asText());
        assertThrows(IllegalArgumentException.class, () -> render(web, "host_table_version", Map.of("format", List.of("xml"))));
    }

    private static String render(WebHandlerRegistry web, String name, Map<String, List<String>> params) throws Exception {
        return web.monitor(name).orElseThrow().render(params);
    }
}
