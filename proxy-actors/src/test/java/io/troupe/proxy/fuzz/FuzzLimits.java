package io.troupe.proxy.fuzz;

import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/** Bounds shared by the fuzz tests (tag "fuzz"): one input must finish within {@link #PER_INPUT}. */
public final class FuzzLimits {
    /** Far above any real input's time, far below a hang; a slower input is a finding. */
    public static final Duration PER_INPUT = Duration.ofSeconds(5);
    /** The first inputs of a JVM also load and instrument the classes under test: not timed. */
    private static final int WARM_UP = 100;
    private static final AtomicInteger INPUTS = new AtomicInteger();

    private FuzzLimits() {}

    /** Fails when the input that started at {@code startNanos} ({@link System#nanoTime}) took too long. */
    public static void checkTime(long startNanos, Object input) {
        long took = System.nanoTime() - startNanos;
        if (INPUTS.incrementAndGet() > WARM_UP && took > PER_INPUT.toNanos()) {
            fail("one input took " + took / 1_000_000 + " ms (limit " + PER_INPUT.toMillis() + " ms): " + input);
        }
    }
}
