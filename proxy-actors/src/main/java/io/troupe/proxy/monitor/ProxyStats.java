package io.troupe.proxy.monitor;

import io.troupe.api.monitor.Counter;
import io.troupe.api.monitor.DelayCounter;
import io.troupe.api.monitor.Gauge;
import io.troupe.api.monitor.Metrics;
import io.troupe.api.monitor.MetricsData;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import kamon.Kamon;
import kamon.metric.Histogram;
import kamon.metric.MeasurementUnit;

/**
 * The proxy's counters, shared by every event loop: lock-free on the hot path, read by the monitor groups
 * ({@code proxy_state}, {@code proxy_state_diff}, {@code proxy_delay}) and mirrored into Kamon
 * ({@code troupe.proxy.state{name=...}}, {@code troupe.proxy.active{name=...}} once a second, off the request path;
 * {@code troupe.proxy.delay} and the per-product instruments as each request ends).
 */
public final class ProxyStats implements AutoCloseable {

    /**
     * Every counter of {@code proxy_state}, in display order: BFE's name (its ProxyState) where BFE counts the same
     * thing, a BFE-style upper-case name where it has none (docs/proxy-dataplane.md lists them).
     */
    public enum Key {
        CLIENT_CONN_SERVED, CLIENT_CONN_ACTIVE, CONN_REFUSED_LIMIT, CONN_CLOSED_BY_FILTER, CONN_TLS_HANDSHAKE_FAIL,
        CLIENT_REQ_SERVED, CLIENT_REQ_ACTIVE, HTTP2_CLIENT_REQ_SERVED, REQ_WEBSOCKET,
        STATUS_1XX, STATUS_2XX, STATUS_3XX, STATUS_4XX, STATUS_5XX,
        ERR_BK_FIND_PRODUCT, ERR_BK_FIND_LOCATION, ERR_BK_NO_CLUSTER, ERR_BK_NO_BALANCE,
        ERR_CLIENT_BAD_REQUEST, ERR_CLIENT_LONG_URL, ERR_CLIENT_LONG_HEADER, ERR_HEADER_TIMEOUT, ERR_CLIENT_CLOSE,
        ERR_CLIENT_TIMEOUT,
        ERR_BK_CONNECT_BACKEND, ERR_BK_RESP_HEADER_TIMEOUT, ERR_BK_READ_RESP_HEADER, ERR_BK_TRANSPORT_BROKEN, BACKEND_RETRY, BACKEND_CONN_NEW,
        BACKEND_CONN_REUSED, ERR_BACKEND_UNREACHABLE, ERR_FILTER_CLOSE, ERR_FILTER_FINISH
    }

    /** Gauges go up and down; the diff shows their current value. */
    private static boolean isGauge(Key k) {
        return k == Key.CLIENT_CONN_ACTIVE || k == Key.CLIENT_REQ_ACTIVE;
    }

    private final Metrics metrics;
    private final Counter[] counters = new Counter[Key.values().length];
    private final Gauge[] gauges = new Gauge[Key.values().length];
    private final kamon.metric.Counter[] kamon = new kamon.metric.Counter[Key.values().length];
    private final kamon.metric.Gauge[] kamonGauges = new kamon.metric.Gauge[Key.values().length];
    private final DelayCounter delay;
    private final Histogram kamonDelay;
    /** per product: one lookup per request, instruments made on a product's first request */
    private final java.util.concurrent.ConcurrentHashMap<String, ProductInstruments> products =
            new java.util.concurrent.ConcurrentHashMap<>();

    private record ProductInstruments(kamon.metric.Counter requests, Histogram latency) {}

    /** One daemon thread for every ProxyStats of the JVM: copies the counters into Kamon once a second. */
    private static final ScheduledExecutorService MIRROR = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "troupe-proxy-stats-kamon");
        t.setDaemon(true);
        return t;
    });
    /** What each Kamon counter has been given so far; touched only by the mirror task (and close). */
    private final long[] mirrored = new long[Key.values().length];
    private final ScheduledFuture<?> mirrorTask;

    public ProxyStats() {
        this(Metrics.DEFAULT_INTERVAL_SECONDS);
    }

    /** @param diffIntervalSeconds the window of {@code proxy_state_diff} (BFE: 20 s) */
    public ProxyStats(int diffIntervalSeconds) {
        metrics = Metrics.empty("proxy_state", diffIntervalSeconds);
        for (Key k : Key.values()) {
            String tag = k.name().toLowerCase();
            if (isGauge(k)) {
                gauges[k.ordinal()] = metrics.gauge(k.name());
                kamonGauges[k.ordinal()] = Kamon.gauge("troupe.proxy.active").withTag("name", tag);
            } else {
                counters[k.ordinal()] = metrics.counter(k.name());
                kamon[k.ordinal()] = Kamon.counter("troupe.proxy.state").withTag("name", tag);
            }
        }
        // BFE's proxy_delay: 60 s windows of 1 ms buckets, 10 buckets plus overflow
        delay = DelayCounter.create(60, 1, 10, "proxy_delay");
        kamonDelay = Kamon.histogram("troupe.proxy.delay", MeasurementUnit.time().microseconds()).withoutTags();
        mirrorTask = MIRROR.scheduleAtFixedRate(this::mirrorToKamon, 1, 1, TimeUnit.SECONDS);
    }

    /** Brings the Kamon counters and gauges up to the counters' values (Kamon reports them every tick anyway). */
    private synchronized void mirrorToKamon() {
        for (int i = 0; i < counters.length; i++) {
            if (counters[i] != null) {
                long v = counters[i].get();
                if (v != mirrored[i]) {
                    kamon[i].increment(v - mirrored[i]);
                    mirrored[i] = v;
                }
            } else {
                kamonGauges[i].update(gauges[i].get());
            }
        }
    }

    public void inc(Key k) {
        add(k, 1);
    }

    public void dec(Key k) {
        add(k, -1);
    }

    public void add(Key k, long n) {
        int i = k.ordinal();
        Counter c = counters[i];
        // only the lock-free counters here; Kamon gets them from mirrorToKamon
        if (c != null) {
            c.inc(n);
        } else {
            gauges[i].inc(n);
        }
    }

    public long get(Key k) {
        int i = k.ordinal();
        return counters[i] != null ? counters[i].get() : gauges[i].get();
    }

    /** Counts a response status by class. */
    public void status(int status) {
        switch (status / 100) {
            case 1 -> inc(Key.STATUS_1XX);
            case 2 -> inc(Key.STATUS_2XX);
            case 3 -> inc(Key.STATUS_3XX);
            case 4 -> inc(Key.STATUS_4XX);
            default -> inc(Key.STATUS_5XX);
        }
    }

    /** Records one request's latency: request head decoded to last response byte handed to the socket. */
    public void delay(long micros) {
        delay.add(micros);
        kamonDelay.record(Math.max(micros, 0));
    }

    /**
     * Counts one finished request of {@code product} and its latency into {@code troupe.proxy.product.requests}
     * and {@code troupe.proxy.product.latency} (tag {@code product}); requests no product matched are not counted.
     */
    public void product(String product, long micros) {
        if (product == null) {
            return;
        }
        ProductInstruments p = products.get(product);
        if (p == null) {
            p = products.computeIfAbsent(product, ProxyStats::instruments);
        }
        p.requests().increment();
        p.latency().record(Math.max(micros, 0));
    }

    private static ProductInstruments instruments(String product) {
        return new ProductInstruments(
                Kamon.counter("troupe.proxy.product.requests", "requests finished, per product").withTag("product", product),
                Kamon.histogram("troupe.proxy.product.latency", "request head to last response byte, per product",
                        MeasurementUnit.time().microseconds()).withTag("product", product));
    }

    /** The {@code proxy_state} group. */
    public Metrics metrics() {
        return metrics;
    }

    /** All counters now. */
    public MetricsData snapshot() {
        return metrics.getAll();
    }

    /** The {@code proxy_delay} histogram. */
    public DelayCounter delayCounter() {
        return delay;
    }

    @Override
    public void close() {
        mirrorTask.cancel(false);
        mirrorToKamon();
        metrics.close();
    }
}
