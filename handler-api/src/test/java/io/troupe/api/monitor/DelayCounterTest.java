package io.troupe.api.monitor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class DelayCounterTest {

    /** A clock the test moves by hand. */
    static final class ManualClock extends Clock {
        volatile long millis;

        ManualClock(long millis) {
            this.millis = millis;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis);
        }

        @Override
        public long millis() {
            return millis;
        }
    }

    // 2024-01-02 03:04:00 UTC, a multiple of 60 s
    private static final long T0 = Instant.parse("2024-01-02T03:04:00Z").toEpochMilli();

    private static Map<String, List<String>> fmt(String f) {
        return Map.of("format", List.of(f));
    }

    @Test
    void bucketsByMillisecondWithOverflowBucket() {
        ManualClock clock = new ManualClock(T0 + 5_000);
        DelayCounter d = DelayCounter.create(60, 1, 3, "proxy_delay", clock);
        d.add(0);        // bucket 0
        d.add(999);      // bucket 0
        d.add(1000);     // bucket 1: [1 ms, 2 ms)
        d.add(2500);     // bucket 2
        d.add(3000);     // overflow: >= 3 ms
        d.add(90_000);   // overflow
        d.add(-5);       // ignored, as in BFE
        d.addDuration(Duration.ofMillis(2));      // bucket 2
        d.addBySub(1_000_000L, 1_500_000L);        // 500 µs -> bucket 0
        DelaySummary cur = d.get().current();
        assertEquals(8, cur.count());
        assertArrayEquals(new long[] {3, 1, 2, 2}, cur.counters());
        assertEquals(0 + 999 + 1000 + 2500 + 3000 + 90_000 + 2000 + 500, cur.sum());
        assertEquals(cur.sum() / 8, cur.ave());
    }

    @Test
    void windowsSwitchOnIntervalBoundaries() {
        ManualClock clock = new ManualClock(T0 + 1_000);
        DelayCounter d = DelayCounter.create(60, 1, 10, "proxy_delay", clock);
        d.add(1500);
        DelayOutput before = d.get();
        assertEquals("2024-01-02 03:04:00", before.currTime());
        assertEquals(DelayCounter.ZERO_TIME, before.pastTime());
        assertEquals(0, before.past().count());

        clock.millis = T0 + 59_999;
        d.add(1500);
        assertEquals(2, d.get().current().count());

        clock.millis = T0 + 60_000;
        d.add(200);
        DelayOutput after = d.get();
        assertEquals("2024-01-02 03:05:00", after.currTime());
        assertEquals("2024-01-02 03:04:00", after.pastTime());
        assertEquals(2, after.past().count());
        assertEquals(2, after.past().counter(1));
        assertEquals(1, after.current().count());
        assertEquals(3, d.totals().count(), "totals keep every sample");

        // reading alone also switches, as BFE's get() does
        clock.millis = T0 + 125_000;
        DelayOutput idle = d.get();
        assertEquals("2024-01-02 03:06:00", idle.currTime());
        assertEquals(0, idle.current().count());
        assertEquals(1, idle.past().count());
    }

    @Test
    void rendersBfeJsonAndKv() {
        ManualClock clock = new ManualClock(T0);
        DelayCounter d = DelayCounter.create(60, 1, 2, "proxy_delay", clock);
        d.add(500);
        d.add(1500);
        d.add(2500);
        String json = "{\"Interval\":60,\"KeyPrefix\":\"proxy_delay\",\"ProgramName\":\"\","
                + "\"CurrTime\":\"2024-01-02 03:04:00\","
                + "\"Current\":{\"BucketSize\":1,\"BucketNum\":2,\"Count\":3,\"Sum\":4500,\"Ave\":1500,\"Counters\":[1,1,1]},"
                + "\"PastTime\":\"0001-01-01 00:00:00\","
                + "\"Past\":{\"BucketSize\":1,\"BucketNum\":2,\"Count\":0,\"Sum\":0,\"Ave\":0,\"Counters\":[0,0,0]}}";
        assertEquals(json, d.format(Map.of()));
        assertEquals(json, d.format(fmt("hier_json")));
        String kv = d.format(fmt("kv"));
        assertTrue(kv.startsWith("proxy_delay_Current_BucketSize:1\nproxy_delay_Current_BucketNum:2\n"
                + "proxy_delay_Current_Count:3\nproxy_delay_Current_Sum:4500\nproxy_delay_Current_Ave:1500\n"
                + "proxy_delay_Current_Counters_0:1\nproxy_delay_Current_Counters_1:1\n"
                + "proxy_delay_Current_Counters_2:1\nproxy_delay_Past_BucketSize:1\n"), kv);
        assertEquals(kv, d.format(fmt("noah")));
        d.setProgramName("troupe");
        assertTrue(d.format(fmt("kv_with_program_name")).startsWith("troupe.proxy_delay_Current_BucketSize:1\n"));
        assertTrue(d.format(fmt("kv")).startsWith("proxy_delay_Current_BucketSize:1\n"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> d.format(fmt("yaml")));
        assertTrue(e.getMessage().contains("yaml"));
    }

    @Test
    void prometheusRendersThePastWindowAsACumulativeHistogram() {
        ManualClock clock = new ManualClock(T0);
        DelayCounter d = DelayCounter.create(60, 1, 3, "proxy_delay", clock);
        d.add(100);
        d.add(1100);
        d.add(1200);
        d.add(9000);
        clock.millis = T0 + 60_000;
        assertEquals("# TYPE proxy_delay_Past histogram\n"
                + "proxy_delay_Past_bucket{le=\"1000\"} 1\n"
                + "proxy_delay_Past_bucket{le=\"2000\"} 3\n"
                + "proxy_delay_Past_bucket{le=\"3000\"} 3\n"
                + "proxy_delay_Past_bucket{le=\"+Inf\"} 4\n"
                + "proxy_delay_Past_sum 11400\n"
                + "proxy_delay_Past_count 4\n", d.format(fmt("prometheus")));
        d.setProgramName("bfe");
        assertTrue(d.format(fmt("prometheus")).startsWith("# TYPE bfe_proxy_delay_Past histogram\n"));
    }

    @Test
    void rejectsNonPositiveSettingsNamingThem() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> DelayCounter.create(0, 1, 10, "p"))
                .getMessage().contains("intervalSeconds"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> DelayCounter.create(60, 0, 10, "p"))
                .getMessage().contains("bucketSize"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> DelayCounter.create(60, 1, -1, "p"))
                .getMessage().contains("bucketNum"));
    }

    @Test
    void summariesAddUpAcrossNodes() {
        DelaySummary a = new DelaySummary(1, 2, 2, 300, new long[] {2, 0, 0});
        DelaySummary b = new DelaySummary(1, 2, 1, 5000, new long[] {0, 0, 1});
        DelaySummary s = a.plus(b);
        assertEquals(3, s.count());
        assertEquals(5300, s.sum());
        assertArrayEquals(new long[] {2, 0, 1}, s.counters());
        assertThrows(IllegalArgumentException.class, () -> a.plus(DelaySummary.empty(2, 2)));
    }

    @Test
    void concurrentAddsAreAllCountedWithoutLocks() throws Exception {
        ManualClock clock = new ManualClock(T0);
        DelayCounter d = DelayCounter.create(60, 1, 10, "proxy_delay", clock);
        int threads = 4;
        int perThread = 20_000;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        try {
            for (int t = 0; t < threads; t++) {
                int offset = t;
                pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < perThread; i++) {
                        d.add((i % 12) * 1000L + offset);
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
        DelaySummary cur = d.get().current();
        assertEquals((long) threads * perThread, cur.count());
        long bucketTotal = 0;
        for (long c : cur.counters()) {
            bucketTotal += c;
        }
        assertEquals(cur.count(), bucketTotal);
        assertEquals(d.totals(), cur);
    }
}
