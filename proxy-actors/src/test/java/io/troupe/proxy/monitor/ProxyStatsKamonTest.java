package io.troupe.proxy.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.troupe.proxy.monitor.ProxyStats.Key;
import kamon.Kamon;
import org.junit.jupiter.api.Test;

class ProxyStatsKamonTest {

    private static long kamonCounter(String name) {
        return ((kamon.metric.Counter.LongAdder) Kamon.counter("troupe.proxy.state").withTag("name", name))
                .snapshot(false);
    }

    @Test
    void kamonGetsTheCountersAsTheyStandWhenMirrored() {
        ProxyStats stats = new ProxyStats();
        long before = kamonCounter("backend_retry");
        stats.inc(Key.BACKEND_RETRY);
        stats.add(Key.BACKEND_RETRY, 2);
        stats.inc(Key.CLIENT_REQ_ACTIVE);
        stats.inc(Key.CLIENT_REQ_ACTIVE);
        stats.dec(Key.CLIENT_REQ_ACTIVE);
        // the request path touched only the lock-free counters; closing mirrors what is left, as the timer does
        stats.close();
        assertEquals(3, stats.get(Key.BACKEND_RETRY));
        assertEquals(before + 3, kamonCounter("backend_retry"));
        assertEquals(1, stats.get(Key.CLIENT_REQ_ACTIVE));
    }
}
