package io.troupe.module.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.api.monitor.Counter;
import io.troupe.api.monitor.Metrics;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import kamon.Kamon;
import org.junit.jupiter.api.Test;

class WebHandlerRegistryTest {

    static final class State {
        Counter reqTotal;
    }

    @Test
    void registerMetricsServesBothMonitorsAndMirrorsIntoKamon() throws Exception {
        String name = "mod_t_" + UUID.randomUUID().toString().replace("-", "").substring(0, 8); // Kamon is global
        State s = new State();
        Metrics m = Metrics.initManual(s, name, 0);
        WebHandlerRegistry web = new WebHandlerRegistry();
        web.registerMetrics(name, m);
        s.reqTotal.inc(3);
        assertTrue(web.monitor(name).orElseThrow().render(Map.of("format", List.of("kv"))).contains(name + "_REQ_TOTAL: 3"));
        m.rotateDiff();
        assertTrue(web.monitor(name + ".diff").orElseThrow().render(Map.of("format", List.of("prometheus")))
                .contains("REQ_TOTAL 3"));
        long deadline = System.currentTimeMillis() + 10_000;
        long seen = 0;
        while (System.currentTimeMillis() < deadline) {
            seen = ((kamon.metric.Counter.LongAdder) Kamon.counter(name + "_REQ_TOTAL").withoutTags()).snapshot(false);
            if (seen == 3) {
                break;
            }
            Thread.sleep(50); // the bridge syncs once a second
        }
        assertEquals(3, seen);
        assertThrows(IllegalArgumentException.class, () -> web.registerMetrics(name, m));
    }

    @Test
    void dataVersionsAreKeptPerReloadName() {
        WebHandlerRegistry web = new WebHandlerRegistry();
        web.dataVersion("mod_x.table", "v1");
        web.dataVersion("mod_x.table", "v2");
        web.dataVersion("mod_x.other", null);
        assertEquals(Map.of("mod_x.table", "v2", "mod_x.other", ""), web.dataVersions());
    }

    @Test
    void aReloadAnswerRecordsTheVersionOnlyWhereTheModuleDoesNotReportItsOwn() {
        WebHandlerRegistry web = new WebHandlerRegistry();
        web.dataVersion("mod_prison", "v2");
        web.reloadAnswered("mod_prison", "prison.data=v2");
        web.reloadAnswered("server_data_conf", "route-7");
        assertEquals(Map.of("mod_prison", "v2", "server_data_conf", "route-7"), web.dataVersions());
        web.reloadAnswered("server_data_conf", "route-8");
        assertEquals("route-8", web.dataVersions().get("server_data_conf"));
    }
}
