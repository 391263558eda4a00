package io.troupe.api.monitor;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * An immutable snapshot of a {@link Metrics} group (BFE's {@code metrics.MetricsData}): counters, gauges and
 * states by upper-snake name, plus the group's prefix and kind ({@value #KIND_TOTAL} for {@link Metrics#getAll},
 * {@value #KIND_DELTA} for {@link Metrics#getDiff}). Names are kept sorted so every rendering is stable.
 *
 * <p>{@link #format(Map)} renders it as BFE's monitor port does:
 * <ul>
 *   <li>{@code json} (default): {@code {"Prefix":"proxy_state","Kind":"total","GaugeData":{..},"CounterData":{..},"StateData":{..}}}</li>
 *   <li>{@code kv} (alias {@code noah}): one {@code <prefix>_<NAME>: <value>} line per counter, then gauges,
 *       then states</li>
 *   <li>{@code prometheus}: {@code # TYPE <prefix>_<NAME> counter|gauge} and {@code <prefix>_<NAME> <value>}
 *       per counter and gauge; states are left out</li>
 * </ul>
 */
public final class MetricsData {

    /** Kind of a snapshot of absolute values. */
    public static final String KIND_TOTAL = "total";
    /** Kind of a snapshot of changes over one diff window. */
    public static final String KIND_DELTA = "delta";

    private final String prefix;
    private final String kind;
    private final Map<String, Long> gaugeData;
    private final Map<String, Long> counterData;
    private final Map<String, String> stateData;

    /**
     * Creates a snapshot; the maps are copied.
     *
     * @param prefix the group's name prefix, such as {@code proxy_state}
     * @param kind {@link #KIND_TOTAL} or {@link #KIND_DELTA}
     * @param gaugeData gauge values by name
     * @param counterData counter values by name
     * @param stateData state values by name
     */
    public MetricsData(String prefix, String kind, Map<String, Long> gaugeData, Map<String, Long> counterData,
                       Map<String, String> stateData) {
        this.prefix = Objects.requireNonNull(prefix, "prefix");
        this.kind = Objects.requireNonNull(kind, "kind");
        this.gaugeData = Collections.unmodifiableMap(new TreeMap<>(gaugeData));
        this.counterData = Collections.unmodifiableMap(new TreeMap<>(counterData));
        this.stateData = Collections.unmodifiableMap(new TreeMap<>(stateData));
    }

    /** The name prefix ({@code <group>} for totals, {@code <group>_diff} for deltas). */
    public String prefix() {
        return prefix;
    }

    /** {@link #KIND_TOTAL} or {@link #KIND_DELTA}. */
    public String kind() {
        return kind;
    }

    /** Gauge values by name, sorted; empty in a diff (gauges have no diff, as in BFE). */
    public Map<String, Long> gaugeData() {
        return gaugeData;
    }

    /** Counter values by name, sorted. */
    public Map<String, Long> counterData() {
        return counterData;
    }

    /** State values by name, sorted; empty in a diff. */
    public Map<String, String> stateData() {
        return stateData;
    }

    /** A counter's value, 0 when the name is unknown. */
    public long counter(String name) {
        return counterData.getOrDefault(name, 0L);
    }

    /** A gauge's value, 0 when the name is unknown. */
    public long gauge(String name) {
        return gaugeData.getOrDefault(name, 0L);
    }

    /**
     * The change from {@code last} to this snapshot (BFE's {@code Diff}): prefix {@code <prefix>_diff}, kind
     * {@value #KIND_DELTA}, counters only; a counter absent from {@code last} counts from zero.
     */
    public MetricsData diff(MetricsData last) {
        Map<String, Long> counters = new TreeMap<>();
        for (Map.Entry<String, Long> e : counterData.entrySet()) {
            Long before = last.counterData.get(e.getKey());
            counters.put(e.getKey(), before == null ? e.getValue() : e.getValue() - before);
        }
        return new MetricsData(prefix + "_diff", KIND_DELTA, Map.of(), counters, Map.of());
    }

    /**
     * Counters of this snapshot plus those of {@code other} (BFE's {@code Sum}), such as one group summed over
     * the nodes of a cluster. Gauges add up too; states keep this snapshot's values and fill in others.
     */
    public MetricsData sum(MetricsData other) {
        Map<String, Long> counters = new TreeMap<>(counterData);
        other.counterData.forEach((k, v) -> counters.merge(k, v, Long::sum));
        Map<String, Long> gauges = new TreeMap<>(gaugeData);
        other.gaugeData.forEach((k, v) -> gauges.merge(k, v, Long::sum));
        Map<String, String> states = new TreeMap<>(other.stateData);
        states.putAll(stateData);
        return new MetricsData(prefix, kind, gauges, counters, states);
    }

    /**
     * Renders the snapshot in the format named by the {@code format} query parameter (first value; {@code json}
     * when absent).
     *
     * @param params query parameters as the admin API passes them
     * @return the body to serve
     * @throws IllegalArgumentException naming the format when it is not {@code json}, {@code kv}, {@code noah}
     *         or {@code prometheus}
     */
    public String format(Map<String, List<String>> params) {
        String format = MonitorText.format(params);
        return switch (format) {
            case "json" -> toJson();
            case "kv", "noah" -> toKeyValue();
            case "prometheus" -> toPrometheus();
            default -> throw new IllegalArgumentException("invalid format: " + format
                    + " (expected json, kv or prometheus)");
        };
    }

    /** BFE's JSON shape: {@code Prefix}, {@code Kind}, {@code GaugeData}, {@code CounterData}, {@code StateData}. */
    public String toJson() {
        StringBuilder b = new StringBuilder(64 + 40 * (counterData.size() + gaugeData.size()));
        b.append("{\"Prefix\":");
        MonitorText.jsonString(b, prefix);
        b.append(",\"Kind\":");
        MonitorText.jsonString(b, kind);
        b.append(",\"GaugeData\":");
        jsonLongs(b, gaugeData);
        b.append(",\"CounterData\":");
        jsonLongs(b, counterData);
        b.append(",\"StateData\":{");
        boolean first = true;
        for (Map.Entry<String, String> e : stateData.entrySet()) {
            if (!first) {
                b.append(',');
            }
            first = false;
            MonitorText.jsonString(b, e.getKey());
            b.append(':');
            MonitorText.jsonString(b, e.getValue());
        }
        return b.append("}}").toString();
    }

    /** BFE's key-value shape: {@code <prefix>_<NAME>: <value>} per line, counters, gauges, then states. */
    public String toKeyValue() {
        StringBuilder b = new StringBuilder();
        counterData.forEach((k, v) -> b.append(prefix).append('_').append(k).append(": ").append(v).append('\n'));
        gaugeData.forEach((k, v) -> b.append(prefix).append('_').append(k).append(": ").append(v).append('\n'));
        stateData.forEach((k, v) -> b.append(prefix).append('_').append(k).append(": ").append(v).append('\n'));
        return b.toString();
    }

    /** BFE's Prometheus shape: a {@code # TYPE} line and a sample per counter and gauge. */
    public String toPrometheus() {
        StringBuilder b = new StringBuilder();
        counterData.forEach((k, v) -> prometheusSample(b, k, "counter", v));
        gaugeData.forEach((k, v) -> prometheusSample(b, k, "gauge", v));
        return b.toString();
    }

    private void prometheusSample(StringBuilder b, String name, String type, long value) {
        String key = MonitorText.prometheusName(prefix + "_" + name);
        b.append("# TYPE ").append(key).append(' ').append(type).append('\n');
        b.append(key).append(' ').append(value).append('\n');
    }

    private static void jsonLongs(StringBuilder b, Map<String, Long> values) {
        b.append('{');
        boolean first = true;
        for (Map.Entry<String, Long> e : values.entrySet()) {
            if (!first) {
                b.append(',');
            }
            first = false;
            MonitorText.jsonString(b, e.getKey());
            b.append(':').append(e.getValue());
        }
        b.append('}');
    }

    @Override
    public String toString() {
        return toJson();
    }
}
