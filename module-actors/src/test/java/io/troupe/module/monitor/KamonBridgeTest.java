package io.troupe.module.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.troupe.api.monitor.Counter;
import io.troupe.api.monitor.DelayCounter;
import io.troupe.api.monitor.Gauge;
import io.troupe.api.monitor.Metrics;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import kamon.Kamon;
import org.junit.jupiter.api.Test;

class KamonBridgeTest {

    static final class ProxyState {
        Counter clientReqServed;
        Counter errBkConnectBackend;
        Gauge clientConnActive;
    }

    // Kamon's registry is global: every test uses its own names
    private static String unique(String base) {
        return base + "_" + UUID.randomUUID().toString().replace("-", "").substring(0, 8);
    }

    private static long kamonCounter(String name) {
        return ((kamon.metric.Counter.LongAdder) Kamon.counter(name).withoutTags()).snapshot(false);
    }

    private static long kamonCounter(String name, String tag, String value) {
        return ((kamon.metric.Counter.LongAdder) Kamon.counter(name).withTag(tag, value)).snapshot(false);
    }

    private static double kamonGauge(String name) {
        return ((kamon.metric.Gauge.Volatile) Kamon.gauge(name).withoutTags()).snapshot(false);
    }

    @Test
    void countersAdvanceByTheirChangeAndGaugesFollowTheValue() {
        ProxyState s = new ProxyState();
        Metrics m = Metrics.initManual(s, "proxy_state", 0);
        String name = unique("proxy_state");
        KamonBridge bridge = KamonBridge.manual().mirror(m, name);

        s.clientReqServed.inc(5);
        s.clientConnActive.set(3);
        bridge.syncNow();
        assertEquals(5, kamonCounter(name + "_CLIENT_REQ_SERVED"));
        assertEquals(0, kamonCounter(name + "_ERR_BK_CONNECT_BACKEND"));
        assertEquals(3.0, kamonGauge(name + "_CLIENT_CONN_ACTIVE"));

        s.clientReqServed.inc(2);
        s.errBkConnectBackend.inc();
        s.clientConnActive.dec(2);
        bridge.syncNow();
        bridge.syncNow(); // a sync without changes adds nothing
        assertEquals(7, kamonCounter(name + "_CLIENT_REQ_SERVED"));
        assertEquals(1, kamonCounter(name + "_ERR_BK_CONNECT_BACKEND"));
        assertEquals(1.0, kamonGauge(name + "_CLIENT_CONN_ACTIVE"));
        assertEquals(m.getAll().counter("CLIENT_REQ_SERVED"), kamonCounter(name + "_CLIENT_REQ_SERVED"));
    }

    @Test
    void dynamicCountersAreMirroredToo() {
        Metrics m = Metrics.initManual(new Object(), "mod_x", 0);
        String name = unique("mod_x");
        KamonBridge bridge = KamonBridge.manual().mirror(m, name);
        bridge.syncNow();
        m.counter("ERR_LATE").inc(4);
        bridge.syncNow();
        assertEquals(4, kamonCounter(name + "_ERR_LATE"));
    }

    @Test
    void delayHistogramBecomesCumulativeBucketCounters() {
        String prefix = unique("proxy_delay");
        DelayCounter d = DelayCounter.create(60, 1, 2, prefix);
        KamonBridge bridge = KamonBridge.manual().mirror(d);
        d.add(300);
        d.add(1500);
        d.add(7000);
        bridge.syncNow();
        d.add(400);
        bridge.syncNow();
        assertEquals(4, kamonCounter(prefix + "_count"));
        assertEquals(300 + 1500 + 7000 + 400, kamonCounter(prefix + "_sum_us"));
        assertEquals(2, kamonCounter(prefix + "_bucket", "le", "1000"));
        assertEquals(3, kamonCounter(prefix + "_bucket", "le", "2000"));
        assertEquals(4, kamonCounter(prefix + "_bucket", "le", "+Inf"));
    }

    @Test
    void timerSyncsWithoutBeingAsked() throws InterruptedException {
        ProxyState s = new ProxyState();
        Metrics m = Metrics.initManual(s, "proxy_state", 0);
        String name = unique("proxy_state");
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
        try (KamonBridge bridge = KamonBridge.start(scheduler, Duration.ofMillis(20)).mirror(m, name)) {
            s.clientReqServed.inc(9);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (kamonCounter(name + "_CLIENT_REQ_SERVED") != 9 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(9, kamonCounter(name + "_CLIENT_REQ_SERVED"));
        } finally {
            scheduler.shutdownNow();
        }
    }

    @Test
    void rejectsNonPositivePeriod() {
        assertThrows(IllegalArgumentException.class, () -> KamonBridge.start(Duration.ZERO));
    }
}
