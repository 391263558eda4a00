package io.troupe.api.proxy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A response head (and, for responses a filter creates, a small body). Header names are case-insensitive.
 * Backend responses stream their bodies; only the head is visible here.
 */
public interface Response {

    /** The status code. */
    int status();

    /** Changes the status code. */
    void setStatus(int status);

    /** The first value of a header, or {@code null}. */
    String header(String name);

    /**
     * The first value of a header, or {@code null}; {@code name} may be a {@link HeaderName}, made once, which
     * the proxy looks up without hashing the name again. Default: {@link #header(String)} of its text.
     */
    default String header(CharSequence name) {
        return header(name.toString());
    }

    /** All values of a header, in order; empty when absent. */
    List<String> headers(String name);

    /**
     * All values of a header, in order; empty when absent; {@code name} may be a {@link HeaderName}. Default:
     * {@link #headers(String)} of its text.
     */
    default List<String> headers(CharSequence name) {
        return headers(name.toString());
    }

    /** The names of all headers. */
    List<String> headerNames();

    /** Replaces a header's values with one value. */
    void setHeader(String name, String value);

    /**
     * Replaces a header's values with one value; {@code name} may be a {@link HeaderName}. Default:
     * {@link #setHeader(String, String)} with its text.
     */
    default void setHeader(CharSequence name, String value) {
        setHeader(name.toString(), value);
    }

    /** Adds a value to a header. */
    void addHeader(String name, String value);

    /**
     * Adds a value to a header; {@code name} may be a {@link HeaderName}. Default:
     * {@link #addHeader(String, String)} with its text.
     */
    default void addHeader(CharSequence name, String value) {
        addHeader(name.toString(), value);
    }

    /** Removes a header. */
    void removeHeader(String name);

    /** Removes a header; {@code name} may be a {@link HeaderName}. Default: {@link #removeHeader(String)} of its text. */
    default void removeHeader(CharSequence name) {
        removeHeader(name.toString());
    }

    /** The body of a filter-made response; empty for backend responses, whose bodies stream. */
    byte[] body();

    /** A response made by a filter, with a {@code text/plain} body. */
    static Response of(int status, String body) {
        Simple r = new Simple(status, body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8));
        r.setHeader("Content-Type", "text/plain; charset=utf-8");
        return r;
    }

    /** A redirect to {@code location}. */
    static Response redirect(int status, String location) {
        Simple r = new Simple(status, new byte[0]);
        r.setHeader("Location", location);
        return r;
    }

    /** A plain in-memory response, for filters. */
    final class Simple implements Response {
        private int status;
        private final byte[] body;
        // lower-cased name -> (name as given, values)
        private final Map<String, Map.Entry<String, List<String>>> headers = new LinkedHashMap<>();

        public Simple(int status, byte[] body) {
            this.status = status;
            this.body = body;
        }

        @Override public int status() { return status; }
        @Override public void setStatus(int status) { this.status = status; }
        @Override public byte[] body() { return body; }

        @Override
        public String header(String name) {
            List<String> v = headers(name);
            return v.isEmpty() ? null : v.get(0);
        }

        @Override
        public List<String> headers(String name) {
            Map.Entry<String, List<String>> e = headers.get(name.toLowerCase(Locale.ROOT));
            return e == null ? List.of() : List.copyOf(e.getValue());
        }

        @Override
        public List<String> headerNames() {
            List<String> names = new ArrayList<>();
            headers.values().forEach(e -> names.add(e.getKey()));
            return names;
        }

        @Override
        public void setHeader(String name, String value) {
            List<String> values = new ArrayList<>();
            values.add(value);
            headers.put(name.toLowerCase(Locale.ROOT), Map.entry(name, values));
        }

        @Override
        public void addHeader(String name, String value) {
            headers.computeIfAbsent(name.toLowerCase(Locale.ROOT), k -> Map.entry(name, new ArrayList<>()))
                    .getValue().add(value);
        }

        @Override
        public void removeHeader(String name) {
            headers.remove(name.toLowerCase(Locale.ROOT));
        }
    }
}
