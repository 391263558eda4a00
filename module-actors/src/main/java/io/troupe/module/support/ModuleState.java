package io.troupe.module.support;

import io.troupe.api.monitor.Counter;
import io.troupe.api.monitor.Metrics;
import io.troupe.api.proxy.WebHandlers;
import java.util.HashMap;
import java.util.Map;

/**
 * A built-in module's counters, by their UPPER_SNAKE names (BFE's module state), in one {@link Metrics}
 * group: {@code /monitor/<mod>}, {@code /monitor/<mod>.diff} and Kamon through {@link WebHandlers#registerMetrics}.
 */
public final class ModuleState {
    private final Metrics metrics;
    private final Map<String, Counter> counters = new HashMap<>();

    public ModuleState(String module, String... names) {
        metrics = Metrics.empty(module, 0);
        for (String n : names) {
            counters.put(n, metrics.counter(n));
        }
    }

    /** The counter of a declared name. */
    public Counter counter(String name) {
        Counter c = counters.get(name);
        if (c == null) {
            throw new IllegalArgumentException(metrics.prefix() + ": no counter " + name);
        }
        return c;
    }

    public void inc(String name) {
        counter(name).inc();
    }

    public void add(String name, long n) {
        counter(name).inc(n);
    }

    public long get(String name) {
        return counter(name).get();
    }

    public Metrics metrics() {
        return metrics;
    }

    /** Registers the monitor group under the module's name. */
    public void register(WebHandlers web) {
        web.registerMetrics(metrics.prefix(), metrics);
    }
}
