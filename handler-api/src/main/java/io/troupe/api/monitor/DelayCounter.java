package io.troupe.api.monitor;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * A latency histogram over fixed windows (BFE's {@code delay_counter.DelayRecent}, behind
 * {@code /monitor/proxy_delay}). Samples go into the current window; when the wall clock crosses a multiple of
 * the interval, the current window becomes the past window and a new one starts. BFE's proxy uses a 60 s
 * interval, 1 ms buckets and 10 buckets: {@code DelayCounter.create(60, 1, 10, "proxy_delay")}.
 *
 * <p>Adding a sample is lock-free (a few {@link LongAdder} adds); the window switch is one compare-and-set.
 * A sample racing with the switch may land in the window that just ended. The counter also keeps totals since
 * creation ({@link #totals()}) for exporters such as Kamon that want monotonic counts.
 */
public final class DelayCounter {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");
    /** What BFE prints for a window that has not happened yet (Go's zero time). */
    static final String ZERO_TIME = "0001-01-01 00:00:00";

    private final int intervalSeconds;
    private final int bucketSize;
    private final int bucketNum;
    private final String keyPrefix;
    private final Clock clock;
    private final AtomicReference<Window> current;
    private final Window total;
    private volatile Window past;
    private volatile String programName = "";

    private DelayCounter(int intervalSeconds, int bucketSize, int bucketNum, String keyPrefix, Clock clock) {
        if (intervalSeconds <= 0) {
            throw new IllegalArgumentException("DelayCounter: intervalSeconds must be > 0, got " + intervalSeconds);
        }
        if (bucketSize <= 0) {
            throw new IllegalArgumentException("DelayCounter: bucketSize (ms) must be > 0, got " + bucketSize);
        }
        if (bucketNum <= 0) {
            throw new IllegalArgumentException("DelayCounter: bucketNum must be > 0, got " + bucketNum);
        }
        this.intervalSeconds = intervalSeconds;
        this.bucketSize = bucketSize;
        this.bucketNum = bucketNum;
        this.keyPrefix = Objects.requireNonNull(keyPrefix, "keyPrefix");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.current = new AtomicReference<>(new Window(windowIndex(clock.millis())));
        this.total = new Window(-1);
    }

    /**
     * Creates a histogram on the system clock.
     *
     * @param intervalSeconds window length in seconds
     * @param bucketSize bucket width in milliseconds
     * @param bucketNum number of regular buckets (one overflow bucket is added)
     * @param keyPrefix key prefix for the outputs, such as {@code proxy_delay}
     * @throws IllegalArgumentException naming the parameter when a number is not positive
     */
    public static DelayCounter create(int intervalSeconds, int bucketSize, int bucketNum, String keyPrefix) {
        return new DelayCounter(intervalSeconds, bucketSize, bucketNum, keyPrefix, Clock.systemDefaultZone());
    }

    /** Like {@link #create(int, int, int, String)} with another clock (its zone formats the window times). */
    public static DelayCounter create(int intervalSeconds, int bucketSize, int bucketNum, String keyPrefix,
                                      Clock clock) {
        return new DelayCounter(intervalSeconds, bucketSize, bucketNum, keyPrefix, clock);
    }

    /** Sets the program name used by {@code format=kv_with_program_name} and {@code prometheus}. */
    public void setProgramName(String name) {
        programName = name == null ? "" : name;
    }

    /**
     * Adds one sample.
     *
     * @param micros the latency in microseconds; negative samples are ignored, as in BFE
     */
    public void add(long micros) {
        if (micros < 0) {
            return;
        }
        int slot = (int) Math.min(micros / (bucketSize * 1000L), bucketNum);
        currentWindow().add(micros, slot);
        total.add(micros, slot);
    }

    /** Adds one sample given as a {@link Duration}. */
    public void addDuration(Duration d) {
        add(d.toNanos() / 1000);
    }

    /** Adds one sample measured between two {@link System#nanoTime()} readings (BFE's {@code AddBySub}). */
    public void addBySub(long startNanos, long endNanos) {
        add((endNanos - startNanos) / 1000);
    }

    /** The current and last complete windows now. */
    public DelayOutput get() {
        Window cur = currentWindow();
        Window p = past;
        return new DelayOutput(intervalSeconds, keyPrefix, programName,
                time(cur.index), cur.summary(), p == null ? ZERO_TIME : time(p.index),
                p == null ? DelaySummary.empty(bucketSize, bucketNum) : p.summary());
    }

    /** Every sample since creation in one summary, for exporters that need monotonic counts. */
    public DelaySummary totals() {
        return total.summary();
    }

    /** Renders {@link #get()} in the format named by the {@code format} parameter (see {@link DelayOutput#format}). */
    public String format(Map<String, List<String>> params) {
        return get().format(params);
    }

    /** Window length in seconds. */
    public int intervalSeconds() {
        return intervalSeconds;
    }

    /** The key prefix. */
    public String keyPrefix() {
        return keyPrefix;
    }

    private Window currentWindow() {
        long index = windowIndex(clock.millis());
        Window w = current.get();
        while (index > w.index) { // only forward: a clock stepping back does not reopen an old window
            Window next = new Window(index);
            if (current.compareAndSet(w, next)) {
                past = w;
                return next;
            }
            w = current.get();
        }
        return w;
    }

    private long windowIndex(long millis) {
        return Math.floorDiv(Math.floorDiv(millis, 1000L), (long) intervalSeconds);
    }

    private String time(long index) {
        Instant start = Instant.ofEpochSecond(index * intervalSeconds);
        return LocalDateTime.ofInstant(start, clock.getZone()).format(TIME);
    }

    private final class Window {
        final long index;
        final LongAdder count = new LongAdder();
        final LongAdder sum = new LongAdder();
        final LongAdder[] buckets = new LongAdder[bucketNum + 1];

        Window(long index) {
            this.index = index;
            for (int i = 0; i < buckets.length; i++) {
                buckets[i] = new LongAdder();
            }
        }

        void add(long micros, int slot) {
            buckets[slot].increment();
            sum.add(micros);
            count.increment();
        }

        DelaySummary summary() {
            long[] c = new long[buckets.length];
            long n = 0;
            for (int i = 0; i < c.length; i++) {
                c[i] = buckets[i].sum();
                n += c[i];
            }
            // count from the buckets so Count always equals the sum of Counters under concurrent adds
            return new DelaySummary(bucketSize, bucketNum, n, sum.sum(), c);
        }
    }
}
