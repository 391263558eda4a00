package io.troupe.api.monitor;

import java.util.List;
import java.util.Map;

/** Rendering helpers shared by {@link MetricsData} and {@link DelayOutput}: query parameters, JSON strings, names. */
final class MonitorText {

    private MonitorText() {
    }

    /** BFE's {@code web_params.ParamsValueGet}: the first value of {@code format}, or {@code json} when absent. */
    static String format(Map<String, List<String>> params) {
        if (params == null) {
            return "json";
        }
        List<String> values = params.get("format");
        if (values == null || values.isEmpty()) {
            return "json";
        }
        return values.get(0);
    }

    /**
     * BFE's field-name conversion ({@code metrics.convert}): an underscore before every upper-case letter except
     * the first character, then everything upper-cased. {@code connTotal} and {@code ConnTotal} both give
     * {@code CONN_TOTAL}; {@code TLSHandshake} gives {@code T_L_S_HANDSHAKE}, as in BFE.
     */
    static String upperSnake(String name) {
        StringBuilder b = new StringBuilder(name.length() + 8);
        for (int i = 0; i < name.length(); ) {
            int c = name.codePointAt(i);
            if (Character.isUpperCase(c)) {
                if (i > 0) {
                    b.append('_');
                }
                b.appendCodePoint(c);
            } else {
                b.appendCodePoint(Character.toUpperCase(c));
            }
            i += Character.charCount(c);
        }
        return b.toString();
    }

    /** Appends {@code s} as a JSON string the way Go's {@code encoding/json} writes it (HTML characters escaped). */
    static void jsonString(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                case '<', '>', '&', '\u2028', '\u2029' -> b.append(String.format("\\u%04x", (int) c));
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }

    /**
     * A Prometheus metric name: characters outside {@code [a-zA-Z0-9_:]} become {@code _} and a leading digit
     * gets a {@code _} in front. BFE writes names unchanged; names made of letters, digits and {@code _} (every
     * BFE and Troupe name) come out the same.
     */
    static String prometheusName(String name) {
        StringBuilder b = new StringBuilder(name.length() + 1);
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':'
                    || (c >= '0' && c <= '9');
            if (i == 0 && c >= '0' && c <= '9') {
                b.append('_');
            }
            b.append(ok ? c : '_');
        }
        return b.toString();
    }
}
