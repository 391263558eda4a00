package io.troupe.proxy.monitor;

import io.troupe.api.proxy.WebHandlers;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Registers the proxy's monitor groups with the node's admin API: {@code proxy_state},
 * {@code proxy_state_diff} and {@code proxy_delay}, each in {@code format=json|kv|prometheus}
 * (json when absent). An unknown format is an error naming the parameter.
 */
public final class ProxyMonitors {
    private ProxyMonitors() {}

    public static void register(WebHandlers web, ProxyStats stats) {
        web.registerMonitor("proxy_state", p -> renderCounters("proxy_state", stats.snapshot(), format(p)));
        web.registerMonitor("proxy_state_diff", p -> renderCounters("proxy_state_diff", stats.diff(), format(p)));
        web.registerMonitor("proxy_delay", p -> renderDelay(stats.delayHistogram(), format(p)));
    }

    static String format(Map<String, List<String>> params) {
        List<String> f = params == null ? null : params.get("format");
        String v = f == null || f.isEmpty() ? "json" : f.get(0).toLowerCase(Locale.ROOT);
        if (!v.equals("json") && !v.equals("kv") && !v.equals("prometheus")) {
            throw new IllegalArgumentException("format=" + v + " is not one of json, kv, prometheus");
        }
        return v;
    }

    static String renderCounters(String group, Map<String, Long> values, String format) {
        StringBuilder sb = new StringBuilder();
        switch (format) {
            case "kv" -> values.forEach((k, v) -> sb.append(group).append('.').append(k).append(':').append(v).append('\n'));
            case "prometheus" -> values.forEach((k, v) -> sb.append(group).append('_').append(k.toLowerCase(Locale.ROOT))
                    .append(' ').append(v).append('\n'));
            default -> {
                sb.append('{');
                boolean first = true;
                for (Map.Entry<String, Long> e : values.entrySet()) {
                    sb.append(first ? "" : ",").append('"').append(e.getKey()).append("\":").append(e.getValue());
                    first = false;
                }
                sb.append('}');
            }
        }
        return sb.toString();
    }

    static String renderDelay(ProxyStats.DelayHistogram h, String format) {
        Map<String, Long> buckets = h.buckets();
        StringBuilder sb = new StringBuilder();
        switch (format) {
            case "kv" -> {
                buckets.forEach((le, n) -> sb.append("proxy_delay.le_").append(le).append("ms:").append(n).append('\n'));
                sb.append("proxy_delay.count:").append(h.count()).append('\n');
                sb.append("proxy_delay.sum_us:").append(h.sumMicros()).append('\n');
            }
            case "prometheus" -> {
                sb.append("# TYPE proxy_delay_ms histogram\n");
                long cumulative = 0;
                for (Map.Entry<String, Long> e : buckets.entrySet()) {
                    cumulative += e.getValue();
                    sb.append("proxy_delay_ms_bucket{le=\"").append(e.getKey()).append("\"} ").append(cumulative).append('\n');
                }
                sb.append("proxy_delay_ms_count ").append(h.count()).append('\n');
                sb.append("proxy_delay_ms_sum ").append(h.sumMicros() / 1000.0).append('\n');
            }
            default -> {
                sb.append("{\"Unit\":\"ms\",\"Count\":").append(h.count()).append(",\"SumUs\":").append(h.sumMicros())
                        .append(",\"Buckets\":{");
                boolean first = true;
                for (Map.Entry<String, Long> e : buckets.entrySet()) {
                    sb.append(first ? "" : ",").append('"').append(e.getKey()).append("\":").append(e.getValue());
                    first = false;
                }
                sb.append("}}");
            }
        }
        return sb.toString();
    }
}
