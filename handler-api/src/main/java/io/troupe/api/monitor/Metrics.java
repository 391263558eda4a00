package io.troupe.api.monitor;

import io.troupe.api.proxy.WebHandlers;
import java.lang.reflect.Field;
import java.lang.reflect.InaccessibleObjectException;
import java.lang.reflect.Modifier;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * A monitor group: the counters, gauges and states of one state object under one prefix (BFE's
 * {@code metrics.Metrics}). A module declares a state class whose fields are {@link Counter}, {@link Gauge} or
 * {@link State} (like BFE's {@code ModuleBlockState}) and calls {@link #init(Object, String, int)} once; the
 * fields are found by reflection at that moment only, and {@code null} fields are filled with new instances.
 * Field names become upper-snake names: {@code connTotal} and {@code ConnTotal} both become {@code CONN_TOTAL}.
 *
 * <pre>{@code
 * final class BlockState {
 *     Counter connTotal;   // CONN_TOTAL
 *     Counter connRefuse;  // CONN_REFUSE
 *     Gauge ruleCount;     // RULE_COUNT
 * }
 * BlockState state = new BlockState();
 * Metrics metrics = Metrics.init(state, "mod_block", 0);    // 0: BFE's default diff interval, 20 s
 * state.connTotal.inc(1);                                    // hot path: no lock
 * metrics.registerMonitors(web, "mod_block");                // /monitor/mod_block and /monitor/mod_block.diff
 * }</pre>
 *
 * <p>{@link #getDiff()} returns the counter changes over the last complete diff window: like BFE, a timer
 * snapshots all counters at every multiple of the interval (aligned to the wall clock) and keeps the previous
 * snapshot. The timer runs on one shared daemon thread for the whole JVM; {@link #close()} stops this group's
 * timer. {@link #initManual} creates a group without a timer whose owner calls {@link #rotateDiff()} itself.
 */
public final class Metrics implements AutoCloseable {

    /** BFE's default diff interval in seconds, used when {@code diffIntervalSeconds <= 0}. */
    public static final int DEFAULT_INTERVAL_SECONDS = 20;

    private static final Pattern UPPER_SNAKE = Pattern.compile("[A-Z0-9_]+");

    private final String prefix;
    private final int intervalSeconds;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();
    private final Map<String, Gauge> gauges = new ConcurrentHashMap<>();
    private final Map<String, State> states = new ConcurrentHashMap<>();

    // written only by rotateDiff (synchronized); read lock-free
    private volatile MetricsData last;
    private volatile MetricsData diff;
    private volatile ScheduledFuture<?> rotation;

    private Metrics(String prefix, int diffIntervalSeconds) {
        this.prefix = Objects.requireNonNull(prefix, "prefix");
        this.intervalSeconds = diffIntervalSeconds <= 0 ? DEFAULT_INTERVAL_SECONDS : diffIntervalSeconds;
    }

    /**
     * Discovers the metric fields of {@code state}, zeroes the diff and starts the diff timer.
     *
     * @param state the state object; every non-static field must be a {@link Counter}, {@link Gauge} or
     *              {@link State} (fields of superclasses count too)
     * @param prefix the group's prefix, such as {@code proxy_state} or {@code mod_block}
     * @param diffIntervalSeconds the diff window; {@code <= 0} means {@value #DEFAULT_INTERVAL_SECONDS}
     * @return the group
     * @throws IllegalArgumentException naming the class and field when a field has another type, two fields
     *         give the same name, or a field cannot be set
     */
    public static Metrics init(Object state, String prefix, int diffIntervalSeconds) {
        Metrics m = initManual(state, prefix, diffIntervalSeconds);
        m.startTimer();
        return m;
    }

    /**
     * Like {@link #init(Object, String, int)} but without the timer: the diff changes only when the owner calls
     * {@link #rotateDiff()} (an actor with its own timer, or a test).
     */
    public static Metrics initManual(Object state, String prefix, int diffIntervalSeconds) {
        Objects.requireNonNull(state, "state");
        Metrics m = new Metrics(prefix, diffIntervalSeconds);
        m.discover(state);
        m.last = m.getAll();
        m.diff = m.last.diff(m.last);
        return m;
    }

    /** A group with no declared fields whose metrics are created by name (BFE's {@code NewEmptyMetrics}). */
    public static Metrics empty(String prefix, int diffIntervalSeconds) {
        return init(new Object(), prefix, diffIntervalSeconds);
    }

    /**
     * The counter of that name, created on first use (BFE's {@code m.Counter(name)}). A camel-case name is
     * converted like a field name; a name already in upper-snake case ({@code ERR_BK_CONNECT}) is kept.
     */
    public Counter counter(String name) {
        return counters.computeIfAbsent(metricName(name), k -> new Counter());
    }

    /** The gauge of that name, created on first use; names as in {@link #counter(String)}. */
    public Gauge gauge(String name) {
        return gauges.computeIfAbsent(metricName(name), k -> new Gauge());
    }

    /** The state of that name, created on first use; names as in {@link #counter(String)}. */
    public State state(String name) {
        return states.computeIfAbsent(metricName(name), k -> new State());
    }

    /** Absolute values of every counter, gauge and state now (kind {@value MetricsData#KIND_TOTAL}). */
    public MetricsData getAll() {
        Map<String, Long> c = new HashMap<>();
        counters.forEach((k, v) -> c.put(k, v.get()));
        Map<String, Long> g = new HashMap<>();
        gauges.forEach((k, v) -> g.put(k, v.get()));
        Map<String, String> s = new HashMap<>();
        states.forEach((k, v) -> s.put(k, v.get()));
        return new MetricsData(prefix, MetricsData.KIND_TOTAL, g, c, s);
    }

    /**
     * Counter changes over the last complete diff window (prefix {@code <prefix>_diff}, kind
     * {@value MetricsData#KIND_DELTA}); all zero until the first window ends.
     */
    public MetricsData getDiff() {
        return diff;
    }

    /** Ends the current diff window now: the diff becomes the change since the previous rotation. */
    public synchronized void rotateDiff() {
        MetricsData current = getAll();
        MetricsData d = current.diff(last);
        last = current;
        diff = d;
    }

    /**
     * Registers {@code /monitor/<name>} ({@link #getAll()}) and {@code /monitor/<name>.diff} ({@link #getDiff()}),
     * the two handlers of BFE's {@code monitorHandlers()}.
     */
    public void registerMonitors(WebHandlers web, String name) {
        web.registerMonitor(name, params -> getAll().format(params));
        web.registerMonitor(name + ".diff", params -> getDiff().format(params));
    }

    /** The group's prefix. */
    public String prefix() {
        return prefix;
    }

    /** The diff window in seconds. */
    public int intervalSeconds() {
        return intervalSeconds;
    }

    /** Stops the diff timer; the metrics stay readable. */
    @Override
    public void close() {
        ScheduledFuture<?> r = rotation;
        if (r != null) {
            r.cancel(false);
        }
    }

    private void startTimer() {
        long periodMs = intervalSeconds * 1000L;
        long now = System.currentTimeMillis();
        long firstDelay = periodMs - now % periodMs; // align windows to wall-clock multiples, as BFE does
        rotation = Timer.EXECUTOR.scheduleAtFixedRate(this::rotateDiff, firstDelay, periodMs, TimeUnit.MILLISECONDS);
    }

    private String metricName(String name) {
        Objects.requireNonNull(name, "name");
        if (name.isEmpty()) {
            throw new IllegalArgumentException("metric name of group " + prefix + " must not be empty");
        }
        return UPPER_SNAKE.matcher(name).matches() ? name : MonitorText.upperSnake(name);
    }

    private void discover(Object state) {
        Map<String, String> fieldOfName = new HashMap<>();
        for (Class<?> c = state.getClass(); c != null && c != Object.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (Modifier.isStatic(f.getModifiers()) || f.isSynthetic()) {
                    continue;
                }
                String where = c.getName() + "." + f.getName();
                Class<?> type = f.getType();
                if (type != Counter.class && type != Gauge.class && type != State.class) {
                    throw new IllegalArgumentException("monitor state " + where + ": field type "
                            + type.getSimpleName() + " is not Counter, Gauge or State");
                }
                String name = MonitorText.upperSnake(f.getName());
                String other = fieldOfName.putIfAbsent(name, where);
                if (other != null) {
                    throw new IllegalArgumentException("monitor state " + where + ": name " + name
                            + " is already used by " + other);
                }
                Object metric = readOrCreate(state, f, where);
                if (metric instanceof Counter counter) {
                    counters.put(name, counter);
                } else if (metric instanceof Gauge gauge) {
                    gauges.put(name, gauge);
                } else {
                    states.put(name, (State) metric);
                }
            }
        }
    }

    private static Object readOrCreate(Object state, Field f, String where) {
        try {
            f.setAccessible(true);
            Object value = f.get(state);
            if (value == null) {
                Class<?> type = f.getType();
                value = type == Counter.class ? new Counter() : type == Gauge.class ? new Gauge() : new State();
                f.set(state, value);
            }
            return value;
        } catch (IllegalAccessException | InaccessibleObjectException | SecurityException e) {
            throw new IllegalArgumentException("monitor state " + where + ": cannot set the field ("
                    + e.getMessage() + "); initialise it in the declaration or open the package", e);
        }
    }

    /** One daemon thread for the diff windows of every group in the JVM. */
    private static final class Timer {
        static final ScheduledThreadPoolExecutor EXECUTOR = create();

        private static ScheduledThreadPoolExecutor create() {
            ScheduledThreadPoolExecutor e = new ScheduledThreadPoolExecutor(1, r -> {
                Thread t = new Thread(r, "troupe-monitor-diff");
                t.setDaemon(true);
                return t;
            });
            e.setRemoveOnCancelPolicy(true);
            return e;
        }
    }
}
