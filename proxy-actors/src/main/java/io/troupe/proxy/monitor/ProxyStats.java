package io.troupe.proxy.monitor;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import kamon.Kamon;
import kamon.metric.Counter;
import kamon.metric.Histogram;
import kamon.metric.MeasurementUnit;

/**
 * The proxy's counters, shared by every event loop: lock-free adders on the hot path, read by the monitor
 * groups ({@code proxy_state}, {@code proxy_state_diff}, {@code proxy_delay}) and mirrored into Kamon.
 */
public final class ProxyStats {

    /** Every counter of {@code proxy_state}, in display order (BFE-style upper-case names). */
    public enum Key {
        CONN_ACCEPT, CONN_ACTIVE, CONN_REFUSED_LIMIT, CONN_CLOSED_BY_FILTER, CONN_TLS_HANDSHAKE_FAIL,
        REQ_TOTAL, REQ_ACTIVE, REQ_HTTP2, REQ_WEBSOCKET,
        STATUS_1XX, STATUS_2XX, STATUS_3XX, STATUS_4XX, STATUS_5XX,
        ERR_NO_PRODUCT, ERR_NO_ROUTE, ERR_NO_CLUSTER, ERR_NO_BACKEND,
        ERR_BAD_REQUEST, ERR_URI_TOO_LONG, ERR_HEADER_TOO_LARGE, ERR_HEADER_TIMEOUT, ERR_CLIENT_CLOSED,
        BACKEND_CONNECT_FAIL, BACKEND_TIMEOUT, BACKEND_ERROR, BACKEND_RETRY, BACKEND_CONN_NEW,
        BACKEND_CONN_REUSED, ERR_BACKEND_UNREACHABLE, ERR_FILTER_CLOSE, ERR_FILTER_FINISH
    }

    /** Gauges go up and down; {@code proxy_state_diff} reports their current value, not a difference. */
    private static boolean isGauge(Key k) {
        return k == Key.CONN_ACTIVE || k == Key.REQ_ACTIVE;
    }

    private final LongAdder[] values = new LongAdder[Key.values().length];
    private final Counter[] kamon = new Counter[Key.values().length];
    private final kamon.metric.Gauge[] kamonGauges = new kamon.metric.Gauge[Key.values().length];
    private final DelayHistogram delay = new DelayHistogram();
    private final Histogram kamonDelay;
    private Map<String, Long> lastForDiff = Map.of();
    private Map<String, Long> lastDiff = Map.of();
    private long lastDiffAt;

    public ProxyStats() {
        for (Key k : Key.values()) {
            values[k.ordinal()] = new LongAdder();
            if (isGauge(k)) {
                kamonGauges[k.ordinal()] = Kamon.gauge("troupe.proxy.active").withTag("name", k.name().toLowerCase());
            } else {
                kamon[k.ordinal()] = Kamon.counter("troupe.proxy.state").withTag("name", k.name().toLowerCase());
            }
        }
        kamonDelay = Kamon.histogram("troupe.proxy.delay", MeasurementUnit.time().microseconds()).withoutTags();
    }

    public void inc(Key k) {
        add(k, 1);
    }

    public void dec(Key k) {
        add(k, -1);
    }

    public void add(Key k, long n) {
        LongAdder a = values[k.ordinal()];
        a.add(n);
        if (kamon[k.ordinal()] != null) {
            kamon[k.ordinal()].increment(n);
        } else {
            kamonGauges[k.ordinal()].update(a.sum());
        }
    }

    public long get(Key k) {
        return values[k.ordinal()].sum();
    }

    /** Counts a response status by class. */
    public void status(int status) {
        int cls = status / 100;
        switch (cls) {
            case 1 -> inc(Key.STATUS_1XX);
            case 2 -> inc(Key.STATUS_2XX);
            case 3 -> inc(Key.STATUS_3XX);
            case 4 -> inc(Key.STATUS_4XX);
            default -> inc(Key.STATUS_5XX);
        }
    }

    /** Records one request's latency, accept of the head to the last response byte written. */
    public void delay(long micros) {
        delay.record(micros);
        kamonDelay.record(micros);
    }

    public DelayHistogram delayHistogram() {
        return delay;
    }

    /** All counters now. */
    public Map<String, Long> snapshot() {
        Map<String, Long> m = new LinkedHashMap<>();
        for (Key k : Key.values()) {
            m.put(k.name(), values[k.ordinal()].sum());
        }
        return m;
    }

    /**
     * Counter changes since the previous diff call (BFE's GetDiff); gauges show their current value. Calls
     * within one second answer the same diff so several scrapers do not steal each other's intervals.
     */
    public synchronized Map<String, Long> diff() {
        long now = System.currentTimeMillis();
        if (now - lastDiffAt < 1000 && !lastDiff.isEmpty()) {
            return lastDiff;
        }
        Map<String, Long> cur = snapshot();
        Map<String, Long> d = new LinkedHashMap<>();
        for (Key k : Key.values()) {
            long v = cur.get(k.name());
            d.put(k.name(), isGauge(k) ? v : v - lastForDiff.getOrDefault(k.name(), 0L));
        }
        lastForDiff = cur;
        lastDiff = d;
        lastDiffAt = now;
        return d;
    }

    /** A latency histogram with fixed millisecond buckets (BFE's delay counter style). */
    public static final class DelayHistogram {
        /** Upper bounds in microseconds; the last bucket is open-ended. */
        static final long[] BOUNDS_US = {500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000,
                200_000, 500_000, 1_000_000, 2_000_000, 5_000_000};
        private final AtomicLongArray buckets = new AtomicLongArray(BOUNDS_US.length + 1);
        private final LongAdder count = new LongAdder();
        private final LongAdder sumUs = new LongAdder();

        void record(long micros) {
            int i = 0;
            while (i < BOUNDS_US.length && micros > BOUNDS_US[i]) {
                i++;
            }
            buckets.incrementAndGet(i);
            count.increment();
            sumUs.add(micros);
        }

        public long count() {
            return count.sum();
        }

        public long sumMicros() {
            return sumUs.sum();
        }

        /** Bucket label ("le" upper bound in ms, or "+Inf") → count in that bucket. */
        public Map<String, Long> buckets() {
            Map<String, Long> m = new LinkedHashMap<>();
            for (int i = 0; i < BOUNDS_US.length; i++) {
                m.put(formatMs(BOUNDS_US[i]), buckets.get(i));
            }
            m.put("+Inf", buckets.get(BOUNDS_US.length));
            return m;
        }

        private static String formatMs(long us) {
            return us % 1000 == 0 ? Long.toString(us / 1000) : Double.toString(us / 1000.0);
        }
    }
}
