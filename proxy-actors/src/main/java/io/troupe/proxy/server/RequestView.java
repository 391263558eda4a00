package io.troupe.proxy.server;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.cookie.Cookie;
import io.netty.handler.codec.http.cookie.ServerCookieDecoder;
import io.netty.util.AsciiString;
import io.troupe.api.proxy.HeaderName;
import io.troupe.api.proxy.Request;
import io.troupe.api.proxy.Response;
import io.troupe.api.proxy.Session;
import io.troupe.proxy.forward.CheckedHeaderNames;
import io.troupe.proxy.route.RouteTables;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@link Request} over a Netty request head; header changes go straight to the head that is forwarded. */
public final class RequestView implements Request, RouteTables.HostTagged {
    private final Session session;
    private final HttpRequest head;
    private final boolean http2;
    private QueryStringDecoder query;
    /** queryParams() as handed out: read-only, decoded once per target. */
    private Map<String, List<String>> params;
    private String product;
    private String hostTag;
    private String cluster;
    private String backend;
    private Response response;
    private Map<String, List<String>> tags;
    private Map<String, Object> context;
    private InetSocketAddress clientAddress;
    private boolean clientAddressSet;
    private byte[] body;
    /** Changes made through the setters: routing again after FOUND_PRODUCT is needed only when it moved. */
    private int changes;

    public RequestView(Session session, HttpRequest head, boolean http2) {
        this.session = session;
        this.head = head;
        this.http2 = http2;
    }

    public HttpRequest head() { return head; }

    /** How many changes the setters made so far (target, headers, tags, context, client address, body). */
    public int changes() { return changes; }

    @Override public Session session() { return session; }
    @Override public String method() { return head.method().name(); }
    @Override public String uri() { return head.uri(); }

    private QueryStringDecoder query() {
        if (query == null) {
            query = new QueryStringDecoder(head.uri());
        }
        return query;
    }

    @Override
    public void setUri(String uri) {
        if (uri == null || uri.isEmpty()) {
            throw new IllegalArgumentException("request URI must not be empty");
        }
        for (int i = 0; i < uri.length(); i++) {
            char c = uri.charAt(i);
            if (c <= ' ' || c == 0x7f) {
                throw new IllegalArgumentException("request URI holds a space or control character at " + i + ": " + uri);
            }
        }
        head.setUri(uri);
        query = null;
        params = null;
        changes++;
    }

    @Override
    public void setPath(String path) {
        if (path == null || !path.startsWith("/")) {
            throw new IllegalArgumentException("path must start with '/': " + path);
        }
        String q = rawQuery();
        setUri(encodePath(path) + (q.isEmpty() ? "" : "?" + q));
    }

    @Override
    public void setRawQuery(String rawQuery) {
        String uri = head.uri();
        int qm = uri.indexOf('?');
        String rawPath = qm < 0 ? uri : uri.substring(0, qm);
        setUri(rawQuery == null || rawQuery.isEmpty() ? rawPath : rawPath + "?" + rawQuery);
    }

    /** Percent-encodes what may not stand in a path segment (as Go's URL.EscapedPath does for Path). */
    static String encodePath(String path) {
        StringBuilder sb = null;
        byte[] bytes = path.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < bytes.length; i++) {
            int b = bytes[i] & 0xff;
            boolean keep = b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
                    || "-._~!$&'()*+,;=:@/".indexOf(b) >= 0;
            if (keep && sb == null) {
                continue;
            }
            if (sb == null) {
                sb = new StringBuilder(bytes.length + 16);
                sb.append(new String(bytes, 0, i, StandardCharsets.US_ASCII));
            }
            if (keep) {
                sb.append((char) b);
            } else {
                sb.append('%').append(Character.toUpperCase(Character.forDigit(b >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(b & 15, 16)));
            }
        }
        return sb == null ? path : sb.toString();
    }

    @Override
    public InetSocketAddress clientAddress() {
        return clientAddressSet ? clientAddress : session.clientAddress();
    }

    @Override
    public void setClientAddress(InetSocketAddress address) {
        clientAddress = address;
        clientAddressSet = true;
        changes++;
    }

    @Override
    public byte[] body() {
        return body;
    }

    @Override
    public void setBody(byte[] body) {
        if (this.body == null) {
            throw new IllegalStateException("the request body was not buffered (no module called bufferRequestBody)");
        }
        if (body == null) {
            throw new IllegalArgumentException("body must not be null; use an empty array");
        }
        this.body = body;
        changes++;
    }

    /** Sets the body the proxy buffered, before the request filters run. */
    void bufferedBody(byte[] b) {
        this.body = b;
    }

    @Override
    public String path() {
        if (query == null) {
            String uri = head.uri();
            if (isPlainPath(uri)) {
                // what QueryStringDecoder would return, without making one: routing asks for the path on every request
                return uri;
            }
        }
        try {
            return query().path();
        } catch (IllegalArgumentException e) {
            // a malformed %-escape ("/a%zz"): the path as sent, not an exception in a module (found by fuzzing)
            return query().rawPath();
        }
    }

    /** An origin-form path with nothing to decode or cut off: no query, fragment or %-escape. */
    private static boolean isPlainPath(String uri) {
        if (uri.isEmpty() || uri.charAt(0) != '/') {
            return false;
        }
        for (int i = 1; i < uri.length(); i++) {
            char c = uri.charAt(i);
            if (c == '?' || c == '#' || c == '%') {
                return false;
            }
        }
        return true;
    }

    @Override public String rawQuery() { return query().rawQuery(); }

    @Override
    public Map<String, List<String>> queryParams() {
        if (params == null) {
            Map<String, List<String>> decoded;
            try {
                decoded = query().parameters();
            } catch (IllegalArgumentException e) {
                // "?a=%1": as Go's URL.Query(), pairs that do not decode are dropped, the rest kept (found by fuzzing)
                decoded = lenientParams(rawQuery());
            }
            params = readOnly(decoded);
        }
        return params;
    }

    /** A module reads parameters and tags; it changes the request only through the setters, which count. */
    private static Map<String, List<String>> readOnly(Map<String, List<String>> values) {
        if (values.isEmpty()) {
            return Map.of();
        }
        Map<String, List<String>> copy = new LinkedHashMap<>(values.size() * 2);
        values.forEach((k, v) -> copy.put(k, Collections.unmodifiableList(v)));
        return Collections.unmodifiableMap(copy);
    }

    /** Query parameters with every pair whose name or value does not percent-decode left out. */
    static Map<String, List<String>> lenientParams(String rawQuery) {
        Map<String, List<String>> params = new LinkedHashMap<>();
        for (String pair : rawQuery.split("[&;]")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            try {
                String name = QueryStringDecoder.decodeComponent(eq < 0 ? pair : pair.substring(0, eq));
                String value = eq < 0 ? "" : QueryStringDecoder.decodeComponent(pair.substring(eq + 1));
                params.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
            } catch (IllegalArgumentException e) {
                // this pair only
            }
        }
        return params;
    }

    @Override
    public String host() {
        String h = head.headers().get(HttpHeaderNames.HOST);
        return h == null ? "" : h;
    }

    @Override public String protocol() { return http2 ? "HTTP/2.0" : head.protocolVersion().text(); }
    @Override public String header(String name) { return head.headers().get(name); }
    @Override public String header(CharSequence name) { return head.headers().get(nettyName(name)); }
    @Override public List<String> headers(String name) { return head.headers().getAll(name); }
    @Override public List<String> headers(CharSequence name) { return head.headers().getAll(nettyName(name)); }

    @Override
    public List<String> headerNames() {
        return new ArrayList<>(head.headers().names());
    }

    @Override
    public String cookie(String name) {
        for (String h : head.headers().getAll(HttpHeaderNames.COOKIE)) {
            for (Cookie c : ServerCookieDecoder.LAX.decodeAll(h)) {
                if (c.name().equals(name)) {
                    return c.value();
                }
            }
        }
        return null;
    }

    @Override public void setHeader(String name, String value) { head.headers().set(name, value); changes++; }
    @Override public void addHeader(String name, String value) { head.headers().add(name, value); changes++; }
    @Override public void removeHeader(String name) { head.headers().remove(name); changes++; }
    @Override public void setHeader(CharSequence name, String value) { head.headers().set(nettyName(name), value); changes++; }
    @Override public void addHeader(CharSequence name, String value) { head.headers().add(nettyName(name), value); changes++; }
    @Override public void removeHeader(CharSequence name) { head.headers().remove(nettyName(name)); changes++; }

    /**
     * A {@link HeaderName} as the {@link AsciiString} Netty's header maps hash once and keep, its characters
     * checked once ({@link CheckedHeaderNames}; made on its first use, then held by the name); any other name as
     * it is. Only all-ASCII names: Netty compares a {@code String} name's other characters exactly, an
     * {@code AsciiString} would have lost them.
     */
    static CharSequence nettyName(CharSequence name) {
        if (name instanceof HeaderName h && h.isAscii()) {
            return h.as(AsciiString.class, CheckedHeaderNames::of);
        }
        return name;
    }
    @Override public String product() { return product; }
    @Override public String hostTag() { return hostTag; }
    @Override public void hostTag(String tag) { this.hostTag = tag; }
    @Override public String cluster() { return cluster; }
    @Override public String backend() { return backend; }
    @Override public Response response() { return response; }

    public void product(String p) { this.product = p; }
    public void cluster(String c) { this.cluster = c; }
    public void backend(String b) { this.backend = b; }
    public void response(Response r) { this.response = r; }

    @Override
    public Map<String, List<String>> tags() {
        return tags == null ? Map.of() : Collections.unmodifiableMap(tags);
    }

    @Override
    public void addTag(String key, String value) {
        if (tags == null) {
            tags = new LinkedHashMap<>();
        }
        List<String> values = tags.get(key);
        List<String> more = new ArrayList<>(values == null ? 1 : values.size() + 1);
        if (values != null) {
            more.addAll(values);
        }
        more.add(value);
        tags.put(key, Collections.unmodifiableList(more)); // copied: a list handed out before stays as it was
        changes++;
    }

    @Override
    public Object getContext(String key) {
        return context == null ? null : context.get(key);
    }

    @Override
    public void setContext(String key, Object value) {
        if (context == null) {
            context = new LinkedHashMap<>();
        }
        Object before = context.put(key, value);
        if (before instanceof String || value instanceof String) {
            changes++; // req_context_value_in routes by string values only
        }
    }
}
