package io.troupe.api.monitor;

import java.util.concurrent.atomic.LongAdder;

/**
 * A monotonically increasing count (BFE's {@code metrics.Counter}). Backed by a {@link LongAdder}, so
 * {@link #inc(long)} from many threads on a hot path does not contend.
 */
public final class Counter {

    private final LongAdder value = new LongAdder();

    /** Creates a counter at zero. Fields of a state class may be left {@code null}; {@link Metrics#init} fills them. */
    public Counter() {
    }

    /**
     * Adds {@code delta} to the counter.
     *
     * @param delta how much to add, never negative (counters only go up; use a {@link Gauge} for values that fall)
     * @throws IllegalArgumentException if {@code delta} is negative
     */
    public void inc(long delta) {
        if (delta < 0) {
            throw new IllegalArgumentException("Counter.inc: delta must not be negative, got " + delta);
        }
        value.add(delta);
    }

    /** Adds one. */
    public void inc() {
        value.increment();
    }

    /** The current total. Concurrent increments may or may not be included. */
    public long get() {
        return value.sum();
    }

    @Override
    public String toString() {
        return Long.toString(get());
    }
}
