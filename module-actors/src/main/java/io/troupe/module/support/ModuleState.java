package io.troupe.module.support;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * A module's counters (BFE's metrics state) with UPPER_SNAKE names, rendered for {@code /monitor/<mod>} and
 * {@code /monitor/<mod>.diff} in {@code format=json|kv|prometheus}. The diff is taken against the values at
 * the previous diff call.
 */
public final class ModuleState {
    private final String module;
    private final Map<String, LongAdder> counters = new LinkedHashMap<>();
    private final Map<String, java.util.function.LongSupplier> gauges = new LinkedHashMap<>();
    private Map<String, Long> lastDiff = Map.of();

    public ModuleState(String module, String... names) {
        this.module = module;
        for (String n : names) {
            counters.put(n, new LongAdder());
        }
    }

    /** A value read from elsewhere (such as a writer thread's count) each time the state is rendered. */
    public void gauge(String name, java.util.function.LongSupplier value) {
        gauges.put(name, value);
    }

    public void inc(String name) {
        add(name, 1);
    }

    public void add(String name, long n) {
        LongAdder a = counters.get(name);
        if (a == null) {
            throw new IllegalArgumentException(module + ": no counter " + name);
        }
        a.add(n);
    }

    public long get(String name) {
        return counters.get(name).sum();
    }

    public Map<String, Long> snapshot() {
        Map<String, Long> m = new LinkedHashMap<>();
        counters.forEach((k, v) -> m.put(k, v.sum()));
        gauges.forEach((k, v) -> m.put(k, v.getAsLong()));
        return m;
    }

    public String render(Map<String, List<String>> params) {
        return format(snapshot(), params);
    }

    public synchronized String renderDiff(Map<String, List<String>> params) {
        Map<String, Long> now = snapshot();
        Map<String, Long> diff = new LinkedHashMap<>();
        now.forEach((k, v) -> diff.put(k, v - lastDiff.getOrDefault(k, 0L)));
        lastDiff = now;
        return format(diff, params);
    }

    private String format(Map<String, Long> values, Map<String, List<String>> params) {
        List<String> f = params == null ? null : params.get("format");
        String format = f == null || f.isEmpty() ? "json" : f.get(0);
        StringBuilder sb = new StringBuilder();
        switch (format) {
            case "kv" -> values.forEach((k, v) -> sb.append(k).append(':').append(v).append('\n'));
            case "prometheus" -> values.forEach((k, v) -> sb.append(module).append('_')
                    .append(k.toLowerCase(Locale.ROOT)).append(' ').append(v).append('\n'));
            case "json" -> {
                sb.append('{');
                values.forEach((k, v) -> sb.append(sb.length() > 1 ? "," : "").append('"').append(k).append("\":").append(v));
                sb.append('}');
            }
            default -> throw new IllegalArgumentException("format must be json, kv or prometheus, not " + format);
        }
        return sb.toString();
    }
}
