package io.troupe.api.monitor;

import java.util.List;
import java.util.Map;

/**
 * What a {@link DelayCounter} shows (BFE's {@code delay_counter.DelayOutput}): the current window, the last
 * complete window, their start times ({@code yyyy-MM-dd HH:mm:ss}, local time) and the key prefix.
 *
 * @param interval window length in seconds
 * @param keyPrefix key prefix, such as {@code proxy_delay}
 * @param programName program name used by {@code format=kv_with_program_name} and {@code prometheus}; may be empty
 * @param currTime start of the current window
 * @param current the current (still changing) window
 * @param pastTime start of the last complete window, {@code 0001-01-01 00:00:00} before the first one ends
 * @param past the last complete window
 */
public record DelayOutput(int interval, String keyPrefix, String programName, String currTime,
                          DelaySummary current, String pastTime, DelaySummary past) {

    /**
     * Renders in the format named by the {@code format} query parameter, as BFE does:
     * {@code json} (default, alias {@code hier_json}), {@code kv} (alias {@code noah}): lines
     * {@code <keyPrefix>_Current_Count:<n>}, {@code kv_with_program_name}: the same keys prefixed
     * {@code <programName>.}, and {@code prometheus}: the last complete window as a Prometheus histogram.
     *
     * @throws IllegalArgumentException naming the format when it is not one of those
     */
    public String format(Map<String, List<String>> params) {
        String format = MonitorText.format(params);
        return switch (format) {
            case "json", "hier_json" -> toJson();
            case "kv", "noah" -> toKeyValue(false);
            case "kv_with_program_name" -> toKeyValue(true);
            case "prometheus" -> toPrometheus();
            default -> throw new IllegalArgumentException("format not support: " + format
                    + " (expected json, kv, kv_with_program_name or prometheus)");
        };
    }

    /** BFE's JSON shape: {@code Interval, KeyPrefix, ProgramName, CurrTime, Current, PastTime, Past}. */
    public String toJson() {
        StringBuilder b = new StringBuilder(256);
        b.append("{\"Interval\":").append(interval).append(",\"KeyPrefix\":");
        MonitorText.jsonString(b, keyPrefix);
        b.append(",\"ProgramName\":");
        MonitorText.jsonString(b, programName);
        b.append(",\"CurrTime\":");
        MonitorText.jsonString(b, currTime);
        b.append(",\"Current\":");
        current.appendJson(b);
        b.append(",\"PastTime\":");
        MonitorText.jsonString(b, pastTime);
        b.append(",\"Past\":");
        past.appendJson(b);
        return b.append('}').toString();
    }

    /** BFE's key-value shape; with {@code withProgramName} keys start with {@code <programName>.}. */
    public String toKeyValue(boolean withProgramName) {
        StringBuilder b = new StringBuilder(512);
        current.appendKeyValue(b, key("Current", withProgramName));
        past.appendKeyValue(b, key("Past", withProgramName));
        return b.toString();
    }

    /**
     * The last complete window as a Prometheus histogram named {@code <keyPrefix>_Past} (with the program name in
     * front when set): cumulative {@code _bucket{le="<µs>"}} lines with bucket upper bounds in microseconds, the
     * {@code +Inf} bucket, {@code _sum} in microseconds and {@code _count}.
     */
    public String toPrometheus() {
        StringBuilder b = new StringBuilder(512);
        past.appendPrometheus(b, MonitorText.prometheusName(key("Past", true)));
        return b.toString();
    }

    // BFE's module_state2.KeyGen: program name and prefix joined, then characters other than letters,
    // digits, '-', '_' and '.' replaced by '_'
    private String key(String key, boolean withProgramName) {
        String k;
        if (!programName.isEmpty() && withProgramName) {
            k = keyPrefix.isEmpty() ? programName + "." + key : programName + "." + keyPrefix + "_" + key;
        } else {
            k = keyPrefix.isEmpty() ? key : keyPrefix + "_" + key;
        }
        StringBuilder b = new StringBuilder(k.length());
        for (int i = 0; i < k.length(); i++) {
            char c = k.charAt(i);
            b.append(Character.isLetterOrDigit(c) || c == '-' || c == '_' || c == '.' ? c : '_');
        }
        return b.toString();
    }
}
