package io.troupe.module.monitor;

import io.troupe.api.monitor.DelayCounter;
import io.troupe.api.monitor.DelaySummary;
import io.troupe.api.monitor.Metrics;
import io.troupe.api.monitor.MetricsData;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import kamon.Kamon;

/**
 * Mirrors BFE-style monitor groups into Kamon, so {@code /metrics} (kamon-prometheus) shows the same numbers as
 * {@code /monitor/<name>}. Each counter {@code KEY} of a {@link Metrics} group becomes a Kamon counter
 * {@code <name>_KEY} advanced by its change since the last sync; each gauge becomes a Kamon gauge
 * {@code <name>_KEY} set to its value. A {@link DelayCounter} becomes Kamon counters {@code <prefix>_count},
 * {@code <prefix>_sum_us} and cumulative {@code <prefix>_bucket} tagged {@code le} (upper bound in
 * microseconds, or {@code +Inf}), fed from its totals since creation.
 *
 * <p>Usage: {@code KamonBridge.start(Duration.ofSeconds(1)).mirror(metrics, "proxy_state").mirror(delay)};
 * {@link #close()} stops the timer after a last sync.
 */
public final class KamonBridge implements AutoCloseable {

    private final List<MetricsMirror> groups = new ArrayList<>();
    private final List<DelayMirror> delays = new ArrayList<>();
    private final ScheduledFuture<?> timer;

    private KamonBridge(ScheduledExecutorService scheduler, Duration period) {
        if (scheduler == null) {
            timer = null;
        } else {
            if (period.isZero() || period.isNegative()) {
                throw new IllegalArgumentException("KamonBridge: period must be positive, got " + period);
            }
            // sync on a timer, not per update: the request hot path pays only a LongAdder add, never a Kamon lookup
            long ms = period.toMillis();
            timer = scheduler.scheduleAtFixedRate(this::syncQuietly, ms, ms, TimeUnit.MILLISECONDS);
        }
    }

    /** A bridge that syncs every {@code period} on a shared daemon thread. */
    public static KamonBridge start(Duration period) {
        return new KamonBridge(SharedTimer.EXECUTOR, period);
    }

    /** A bridge that syncs every {@code period} on {@code scheduler}. */
    public static KamonBridge start(ScheduledExecutorService scheduler, Duration period) {
        return new KamonBridge(Objects.requireNonNull(scheduler, "scheduler"), period);
    }

    /** A bridge without a timer: values reach Kamon only when {@link #syncNow()} is called. */
    public static KamonBridge manual() {
        return new KamonBridge(null, Duration.ZERO);
    }

    /** Mirrors the counters and gauges of {@code metrics} under Kamon names {@code <name>_<KEY>}. */
    public synchronized KamonBridge mirror(Metrics metrics, String name) {
        groups.add(new MetricsMirror(Objects.requireNonNull(metrics, "metrics"), Objects.requireNonNull(name, "name")));
        return this;
    }

    /** Mirrors {@code delay} under Kamon names starting with its key prefix. */
    public synchronized KamonBridge mirror(DelayCounter delay) {
        delays.add(new DelayMirror(Objects.requireNonNull(delay, "delay")));
        return this;
    }

    /** Pushes every change since the last sync to Kamon now. */
    public synchronized void syncNow() {
        for (MetricsMirror g : groups) {
            g.sync();
        }
        for (DelayMirror d : delays) {
            d.sync();
        }
    }

    /** Stops the timer after one last sync. */
    @Override
    public void close() {
        if (timer != null) {
            timer.cancel(false);
        }
        syncNow();
    }

    private void syncQuietly() {
        try {
            syncNow();
        } catch (RuntimeException e) {
            // an exception would cancel the fixed-rate task for good; keep syncing and say why once per tick
            System.getLogger(KamonBridge.class.getName()).log(System.Logger.Level.WARNING, "Kamon sync failed", e);
        }
    }

    private static final class MetricsMirror {
        private final Metrics metrics;
        private final String name;
        private final Map<String, Long> synced = new HashMap<>();

        MetricsMirror(Metrics metrics, String name) {
            this.metrics = metrics;
            this.name = name;
        }

        void sync() {
            MetricsData all = metrics.getAll();
            all.counterData().forEach((key, value) -> {
                long before = synced.getOrDefault(key, 0L);
                if (value > before) {
                    Kamon.counter(name + "_" + key).withoutTags().increment(value - before);
                    synced.put(key, value);
                } else if (!synced.containsKey(key)) {
                    Kamon.counter(name + "_" + key).withoutTags(); // show the counter at zero from the start
                    synced.put(key, value);
                }
            });
            all.gaugeData().forEach((key, value) -> Kamon.gauge(name + "_" + key).withoutTags().update(value));
        }
    }

    private static final class DelayMirror {
        private final DelayCounter delay;
        private long count;
        private long sum;
        private long[] cumulative;

        DelayMirror(DelayCounter delay) {
            this.delay = delay;
        }

        void sync() {
            DelaySummary t = delay.totals();
            String prefix = delay.keyPrefix();
            if (cumulative == null) {
                cumulative = new long[t.bucketNum() + 1];
            }
            Kamon.counter(prefix + "_count").withoutTags().increment(t.count() - count);
            Kamon.counter(prefix + "_sum_us").withoutTags().increment(t.sum() - sum);
            count = t.count();
            sum = t.sum();
            long running = 0;
            for (int i = 0; i <= t.bucketNum(); i++) {
                running += t.counter(i);
                String le = i < t.bucketNum() ? Long.toString((i + 1L) * t.bucketSize() * 1000L) : "+Inf";
                Kamon.counter(prefix + "_bucket").withTag("le", le).increment(running - cumulative[i]);
                cumulative[i] = running;
            }
        }
    }

    /** One daemon thread shared by every bridge started without a scheduler. */
    private static final class SharedTimer {
        static final ScheduledThreadPoolExecutor EXECUTOR = create();

        private static ScheduledThreadPoolExecutor create() {
            ScheduledThreadPoolExecutor e = new ScheduledThreadPoolExecutor(1, r -> {
                Thread t = new Thread(r, "troupe-kamon-bridge");
                t.setDaemon(true);
                return t;
            });
            e.setRemoveOnCancelPolicy(true);
            return e;
        }
    }
}
