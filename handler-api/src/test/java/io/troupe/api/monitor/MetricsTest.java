package io.troupe.api.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class MetricsTest {

    /** The Java form of BFE's ModuleBlockState. */
    static final class BlockState {
        Counter connTotal;
        Counter connAccept;
        Counter ConnRefuse;
        Counter reqTotal;
        final Counter wrongCommand = new Counter();
        Gauge ruleCount;
        State version;
    }

    static final class BadState {
        Counter ok;
        long notAMetric;
    }

    static final class ClashState {
        Counter connTotal;
        Counter ConnTotal;
    }

    private static Map<String, List<String>> fmt(String f) {
        return Map.of("format", List.of(f));
    }

    @Test
    void discoversFieldsFillsNullsAndNamesThemLikeBfe() {
        BlockState s = new BlockState();
        Counter preset = s.wrongCommand;
        Metrics m = Metrics.initManual(s, "mod_block", 0);
        assertNotNull(s.connTotal);
        assertNotNull(s.ruleCount);
        assertNotNull(s.version);
        assertSame(preset, s.wrongCommand, "an initialised field keeps its instance");
        s.connTotal.inc(3);
        s.ConnRefuse.inc();
        s.wrongCommand.inc(2);
        s.ruleCount.set(7);
        s.version.set("v1");
        MetricsData all = m.getAll();
        assertEquals(MetricsData.KIND_TOTAL, all.kind());
        assertEquals("mod_block", all.prefix());
        assertEquals(List.of("CONN_ACCEPT", "CONN_REFUSE", "CONN_TOTAL", "REQ_TOTAL", "WRONG_COMMAND"),
                List.copyOf(all.counterData().keySet()));
        assertEquals(3, all.counter("CONN_TOTAL"));
        assertEquals(1, all.counter("CONN_REFUSE"));
        assertEquals(2, all.counter("WRONG_COMMAND"));
        assertEquals(7, all.gauge("RULE_COUNT"));
        assertEquals("v1", all.stateData().get("VERSION"));
        assertEquals(Metrics.DEFAULT_INTERVAL_SECONDS, m.intervalSeconds());
    }

    @Test
    void nameConversionFollowsBfeIncludingItsAcronymQuirk() {
        assertEquals("CONN_TOTAL", MonitorText.upperSnake("connTotal"));
        assertEquals("CONN_TOTAL", MonitorText.upperSnake("ConnTotal"));
        assertEquals("HTTP2_CLIENT_CONN_ACTIVE", MonitorText.upperSnake("http2ClientConnActive"));
        assertEquals("T_L_S_HANDSHAKE", MonitorText.upperSnake("TLSHandshake"));
    }

    @Test
    void rejectsFieldsOfOtherTypesAndClashingNamesNamingTheField() {
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> Metrics.initManual(new BadState(), "x", 0));
        assertTrue(bad.getMessage().contains("BadState.notAMetric"), bad.getMessage());
        assertTrue(bad.getMessage().contains("not Counter, Gauge or State"), bad.getMessage());
        IllegalArgumentException clash = assertThrows(IllegalArgumentException.class,
                () -> Metrics.initManual(new ClashState(), "x", 0));
        assertTrue(clash.getMessage().contains("CONN_TOTAL"), clash.getMessage());
    }

    @Test
    void counterRejectsNegativeDelta() {
        Counter c = new Counter();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> c.inc(-1));
        assertTrue(e.getMessage().contains("-1"));
        assertEquals(0, c.get());
    }

    @Test
    void gaugeGoesUpAndDown() {
        Gauge g = new Gauge();
        g.inc(5);
        g.dec(2);
        g.inc();
        g.dec();
        assertEquals(3, g.get());
        g.set(-4);
        assertEquals(-4, g.get());
    }

    @Test
    void diffIsTheChangeOverTheLastCompleteWindow() {
        BlockState s = new BlockState();
        Metrics m = Metrics.initManual(s, "mod_block", 20);
        MetricsData zero = m.getDiff();
        assertEquals("mod_block_diff", zero.prefix());
        assertEquals(MetricsData.KIND_DELTA, zero.kind());
        assertEquals(0, zero.counter("CONN_TOTAL"));
        assertEquals(5, zero.counterData().size());

        s.connTotal.inc(10);
        s.ruleCount.set(99);
        assertEquals(0, m.getDiff().counter("CONN_TOTAL"), "the diff changes only when a window ends");
        m.rotateDiff();
        assertEquals(10, m.getDiff().counter("CONN_TOTAL"));
        assertTrue(m.getDiff().gaugeData().isEmpty(), "gauges have no diff, as in BFE");
        assertTrue(m.getDiff().stateData().isEmpty());

        s.connTotal.inc(4);
        Counter late = m.counter("lateCounter");
        late.inc(6);
        m.rotateDiff();
        assertEquals(4, m.getDiff().counter("CONN_TOTAL"));
        assertEquals(6, m.getDiff().counter("LATE_COUNTER"), "a counter created after the last window counts from 0");
        m.rotateDiff();
        assertEquals(0, m.getDiff().counter("CONN_TOTAL"));
        assertEquals(14, m.getAll().counter("CONN_TOTAL"));
    }

    @Test
    void timerRotatesTheDiffOnItsOwn() throws InterruptedException {
        BlockState s = new BlockState();
        try (Metrics m = Metrics.init(s, "timed", 1)) {
            s.reqTotal.inc(3);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (m.getDiff().counter("REQ_TOTAL") != 3 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(3, m.getDiff().counter("REQ_TOTAL"));
        }
    }

    @Test
    void dynamicNamesAreConvertedUnlessAlreadyUpperSnake() {
        Metrics m = Metrics.initManual(new Object(), "proxy_state", 0);
        m.counter("ERR_BK_CONNECT_BACKEND").inc(2);
        m.counter("clientReqServed").inc();
        m.gauge("clientConnActive").inc(3);
        m.state("ConfVersion").set("2024");
        assertSame(m.counter("ERR_BK_CONNECT_BACKEND"), m.counter("ERR_BK_CONNECT_BACKEND"));
        MetricsData all = m.getAll();
        assertEquals(2, all.counter("ERR_BK_CONNECT_BACKEND"));
        assertEquals(1, all.counter("CLIENT_REQ_SERVED"));
        assertEquals(3, all.gauge("CLIENT_CONN_ACTIVE"));
        assertEquals("2024", all.stateData().get("CONF_VERSION"));
    }

    @Test
    void rendersBfeJsonKvAndPrometheus() {
        Metrics m = Metrics.initManual(new Object(), "proxy_state", 0);
        m.counter("CLIENT_REQ_SERVED").inc(12);
        m.counter("ERR_BK_CONNECT_BACKEND").inc(1);
        m.gauge("CLIENT_CONN_ACTIVE").set(3);
        m.state("VERSION").set("a\"b<");
        MetricsData all = m.getAll();
        String json = "{\"Prefix\":\"proxy_state\",\"Kind\":\"total\","
                + "\"GaugeData\":{\"CLIENT_CONN_ACTIVE\":3},"
                + "\"CounterData\":{\"CLIENT_REQ_SERVED\":12,\"ERR_BK_CONNECT_BACKEND\":1},"
                + "\"StateData\":{\"VERSION\":\"a\\\"b\\u003c\"}}";
        assertEquals(json, all.format(Map.of()), "json is the default");
        assertEquals(json, all.format(fmt("json")));
        assertEquals(json, all.format(null));
        assertEquals("proxy_state_CLIENT_REQ_SERVED: 12\n"
                + "proxy_state_ERR_BK_CONNECT_BACKEND: 1\n"
                + "proxy_state_CLIENT_CONN_ACTIVE: 3\n"
                + "proxy_state_VERSION: a\"b<\n", all.format(fmt("kv")));
        assertEquals(all.format(fmt("kv")), all.format(fmt("noah")));
        assertEquals("# TYPE proxy_state_CLIENT_REQ_SERVED counter\nproxy_state_CLIENT_REQ_SERVED 12\n"
                + "# TYPE proxy_state_ERR_BK_CONNECT_BACKEND counter\nproxy_state_ERR_BK_CONNECT_BACKEND 1\n"
                + "# TYPE proxy_state_CLIENT_CONN_ACTIVE gauge\nproxy_state_CLIENT_CONN_ACTIVE 3\n",
                all.format(fmt("prometheus")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> all.format(fmt("xml")));
        assertTrue(e.getMessage().contains("invalid format: xml"));
    }

    @Test
    void diffRendersWithDiffPrefix() {
        Metrics m = Metrics.initManual(new Object(), "proxy_state", 0);
        m.counter("CLIENT_REQ_SERVED").inc(5);
        m.rotateDiff();
        assertEquals("{\"Prefix\":\"proxy_state_diff\",\"Kind\":\"delta\",\"GaugeData\":{},"
                + "\"CounterData\":{\"CLIENT_REQ_SERVED\":5},\"StateData\":{}}", m.getDiff().format(fmt("json")));
        assertEquals("proxy_state_diff_CLIENT_REQ_SERVED: 5\n", m.getDiff().format(fmt("kv")));
    }

    @Test
    void registersTheAllAndDiffMonitors() throws Exception {
        Map<String, io.troupe.api.proxy.WebHandlers.MonitorHandler> registered = new java.util.HashMap<>();
        io.troupe.api.proxy.WebHandlers web = new io.troupe.api.proxy.WebHandlers() {
            @Override
            public void registerMonitor(String name, MonitorHandler handler) {
                registered.put(name, handler);
            }

            @Override
            public void registerReload(String name, ReloadHandler handler) {
                throw new AssertionError("no reloads expected");
            }
        };
        BlockState s = new BlockState();
        Metrics m = Metrics.initManual(s, "mod_block", 0);
        m.registerMonitors(web, "mod_block");
        assertEquals(java.util.Set.of("mod_block", "mod_block.diff"), registered.keySet());
        s.connTotal.inc(2);
        assertTrue(registered.get("mod_block").render(fmt("kv")).contains("mod_block_CONN_TOTAL: 2\n"));
        m.rotateDiff();
        assertTrue(registered.get("mod_block.diff").render(fmt("kv")).contains("mod_block_diff_CONN_TOTAL: 2\n"));
    }

    @Test
    void prometheusNamesAreMadeValid() {
        Metrics m = Metrics.initManual(new Object(), "mod-x.y", 0);
        m.counter("A").inc();
        assertEquals("# TYPE mod_x_y_A counter\nmod_x_y_A 1\n", m.getAll().format(fmt("prometheus")));
    }

    @Test
    void sumAddsCountersAndGauges() {
        Metrics a = Metrics.initManual(new Object(), "p", 0);
        Metrics b = Metrics.initManual(new Object(), "p", 0);
        a.counter("X").inc(2);
        b.counter("X").inc(3);
        b.counter("Y").inc(1);
        a.gauge("G").set(4);
        b.gauge("G").set(5);
        MetricsData s = a.getAll().sum(b.getAll());
        assertEquals(5, s.counter("X"));
        assertEquals(1, s.counter("Y"));
        assertEquals(9, s.gauge("G"));
    }

    @Test
    void concurrentIncrementsAreAllCounted() throws Exception {
        BlockState s = new BlockState();
        Metrics m = Metrics.initManual(s, "c", 0);
        int threads = 4;
        int perThread = 50_000;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        try {
            for (int t = 0; t < threads; t++) {
                pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < perThread; i++) {
                        s.reqTotal.inc();
                        s.ruleCount.inc();
                        s.ruleCount.dec();
                    }
                    return null;
                });
            }
            start.countDown();
            pool.shutdown();
            assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));
        } finally {
            pool.shutdownNow();
        }
        assertEquals((long) threads * perThread, m.getAll().counter("REQ_TOTAL"));
        assertEquals(0, m.getAll().gauge("RULE_COUNT"));
    }
}
