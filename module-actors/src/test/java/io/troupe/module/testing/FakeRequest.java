package io.troupe.module.testing;

import io.troupe.api.proxy.Request;
import io.troupe.api.proxy.Response;
import io.troupe.api.proxy.Session;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** A request for filter unit tests: method, URI, headers, product and a client address. */
public final class FakeRequest implements Request {
    private final String method;
    private final String uri;
    private final Map<String, List<String>> headers = new LinkedHashMap<>();
    private final Map<String, Object> context = new HashMap<>();
    private final Map<String, List<String>> tags = new HashMap<>();
    private String product;
    private final FakeSession session;

    public FakeRequest(String method, String uri, String product, String clientIp) {
        this.method = method;
        this.uri = uri;
        this.product = product;
        this.session = new FakeSession(new InetSocketAddress(clientIp, 40000));
    }

    public FakeRequest header(String name, String value) {
        addHeader(name, value);
        return this;
    }

    @Override public Session session() { return session; }
    @Override public String method() { return method; }
    @Override public String uri() { return uri; }

    @Override
    public String path() {
        int q = uri.indexOf('?');
        return URLDecoder.decode(q < 0 ? uri : uri.substring(0, q), StandardCharsets.UTF_8);
    }

    @Override
    public String rawQuery() {
        int q = uri.indexOf('?');
        return q < 0 ? "" : uri.substring(q + 1);
    }

    @Override
    public Map<String, List<String>> queryParams() {
        Map<String, List<String>> m = new LinkedHashMap<>();
        for (String kv : rawQuery().split("&")) {
            if (kv.isEmpty()) {
                continue;
            }
            int eq = kv.indexOf('=');
            String k = eq < 0 ? kv : kv.substring(0, eq);
            m.computeIfAbsent(k, x -> new ArrayList<>()).add(eq < 0 ? "" : kv.substring(eq + 1));
        }
        return m;
    }

    @Override public String host() { return header("Host") == null ? "" : header("Host"); }
    @Override public String protocol() { return "HTTP/1.1"; }

    @Override
    public String header(String name) {
        List<String> v = headers(name);
        return v.isEmpty() ? null : v.get(0);
    }

    @Override
    public List<String> headers(String name) {
        return headers.getOrDefault(name.toLowerCase(Locale.ROOT), List.of());
    }

    @Override public List<String> headerNames() { return new ArrayList<>(headers.keySet()); }

    @Override
    public String cookie(String name) {
        for (String c : headers("Cookie")) {
            for (String part : c.split(";")) {
                int eq = part.indexOf('=');
                if (eq > 0 && part.substring(0, eq).strip().equals(name)) {
                    return part.substring(eq + 1).strip();
                }
            }
        }
        return null;
    }

    @Override
    public void setHeader(String name, String value) {
        List<String> v = new ArrayList<>();
        v.add(value);
        headers.put(name.toLowerCase(Locale.ROOT), v);
    }

    @Override
    public void addHeader(String name, String value) {
        headers.computeIfAbsent(name.toLowerCase(Locale.ROOT), k -> new ArrayList<>()).add(value);
    }

    @Override public void removeHeader(String name) { headers.remove(name.toLowerCase(Locale.ROOT)); }
    @Override public String product() { return product; }
    @Override public String cluster() { return null; }
    @Override public String backend() { return null; }
    @Override public Response response() { return null; }
    @Override public Map<String, List<String>> tags() { return tags; }
    @Override public void addTag(String key, String value) { tags.computeIfAbsent(key, k -> new ArrayList<>()).add(value); }
    @Override public Object getContext(String key) { return context.get(key); }
    @Override public void setContext(String key, Object value) { context.put(key, value); }

    /** The connection of a {@link FakeRequest}. */
    public static final class FakeSession implements Session {
        private final InetSocketAddress client;
        private final Map<String, Object> context = new HashMap<>();

        public FakeSession(InetSocketAddress client) {
            this.client = client;
        }

        @Override public long id() { return 1; }
        @Override public InetSocketAddress clientAddress() { return client; }
        @Override public InetSocketAddress localAddress() { return new InetSocketAddress("127.0.0.1", 8080); }
        @Override public boolean isSecure() { return false; }
        @Override public String serverName() { return null; }
        @Override public String protocol() { return "http/1.1"; }
        @Override public long startTimeMillis() { return System.currentTimeMillis(); }
        @Override public Object getContext(String key) { return context.get(key); }
        @Override public void setContext(String key, Object value) { context.put(key, value); }
    }
}
