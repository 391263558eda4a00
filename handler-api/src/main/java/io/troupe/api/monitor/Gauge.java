package io.troupe.api.monitor;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A value that goes up and down, such as active connections (BFE's {@code metrics.Gauge}). Lock-free: every
 * operation is one atomic instruction on an {@link AtomicLong}.
 */
public final class Gauge {

    private final AtomicLong value = new AtomicLong();

    /** Creates a gauge at zero. Fields of a state class may be left {@code null}; {@link Metrics#init} fills them. */
    public Gauge() {
    }

    /** Sets the gauge to {@code v}. */
    public void set(long v) {
        value.set(v);
    }

    /** Adds {@code delta} (BFE's {@code Inc}). */
    public void inc(long delta) {
        value.addAndGet(delta);
    }

    /** Adds one. */
    public void inc() {
        value.incrementAndGet();
    }

    /** Subtracts {@code delta} (BFE's {@code Dec}). */
    public void dec(long delta) {
        value.addAndGet(-delta);
    }

    /** Subtracts one. */
    public void dec() {
        value.decrementAndGet();
    }

    /** The current value. */
    public long get() {
        return value.get();
    }

    @Override
    public String toString() {
        return Long.toString(get());
    }
}
