package io.troupe.module.block;

import io.troupe.api.proxy.Request;
import io.troupe.api.proxy.Response;
import io.troupe.api.proxy.Session;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** An in-memory request and session for module tests; setters return {@code this}. */
final class FakeRequest implements Request {

    /** The connection side. */
    static final class FakeSession implements Session {
        InetSocketAddress client = address("10.0.0.1", 40000);
        InetSocketAddress local = address("192.168.1.1", 8080);
        boolean secure;
        String serverName;
        String protocol = "http/1.1";
        boolean trusted;
        boolean clientAuth;
        String clientCa;
        private final Map<String, Object> context = new HashMap<>();

        @Override public long id() { return 1; }
        @Override public InetSocketAddress clientAddress() { return client; }
        @Override public InetSocketAddress localAddress() { return local; }
        @Override public boolean isSecure() { return secure; }
        @Override public String serverName() { return serverName; }
        @Override public String protocol() { return protocol; }
        @Override public long startTimeMillis() { return 0; }
        @Override public Object getContext(String key) { return context.get(key); }
        @Override public void setContext(String key, Object value) { context.put(key, value); }
        @Override public boolean trustedSource() { return trusted; }
        @Override public boolean tlsClientAuth() { return clientAuth; }
        @Override public String tlsClientCaName() { return clientCa; }
    }

    final FakeSession session = new FakeSession();
    private String method = "GET";
    private String uri = "/";
    private String path = "/";
    private String rawQuery = "";
    private String host = "example.org";
    private String protocol = "HTTP/1.1";
    private final List<String[]> headers = new ArrayList<>();
    private final Map<String, String> cookies = new LinkedHashMap<>();
    private final Map<String, List<String>> tags = new HashMap<>();
    private final Map<String, Object> context = new HashMap<>();
    private Response response;
    private String hostTag;
    private String product;

    FakeRequest product(String p) { product = p; return this; }

    static InetSocketAddress address(String ip, int port) {
        try {
            // literal addresses only: no DNS lookup happens
            return new InetSocketAddress(InetAddress.getByName(ip), port);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(ip, e);
        }
    }

    FakeRequest method(String m) { method = m; return this; }
    FakeRequest host(String h) { host = h; return this; }
    FakeRequest protocol(String p) { protocol = p; return this; }
    FakeRequest hostTag(String t) { hostTag = t; return this; }
    FakeRequest response(Response r) { response = r; return this; }
    FakeRequest tag(String key, String value) { tags.computeIfAbsent(key, k -> new ArrayList<>()).add(value); return this; }
    FakeRequest context(String key, Object value) { context.put(key, value); return this; }
    FakeRequest cookie(String name, String value) { cookies.put(name, value); return this; }
    FakeRequest header(String name, String value) { headers.add(new String[] {name, value}); return this; }
    FakeRequest client(String ip) { session.client = address(ip, 40000); return this; }
    FakeRequest local(String ip, int port) { session.local = address(ip, port); return this; }
    FakeRequest secure(String sni, String alpn) { session.secure = true; session.serverName = sni; session.protocol = alpn; return this; }

    /** Sets the request target; the path is percent-decoded, the query kept raw. */
    FakeRequest uri(String target) {
        uri = target;
        int q = target.indexOf('?');
        path = URLDecoder.decode((q < 0 ? target : target.substring(0, q)).replace("+", "%2B"), StandardCharsets.UTF_8);
        rawQuery = q < 0 ? "" : target.substring(q + 1);
        return this;
    }

    @Override public Session session() { return session; }
    @Override public String method() { return method; }
    @Override public String uri() { return uri; }
    @Override public String path() { return path; }
    @Override public String rawQuery() { return rawQuery; }
    @Override public String host() { return host; }
    @Override public String protocol() { return protocol; }
    @Override public String hostTag() { return hostTag; }

    @Override
    public Map<String, List<String>> queryParams() {
        Map<String, List<String>> params = new LinkedHashMap<>();
        if (rawQuery.isEmpty()) {
            return params;
        }
        for (String pair : rawQuery.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            params.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
        }
        return params;
    }

    @Override
    public String header(String name) {
        List<String> v = headers(name);
        return v.isEmpty() ? null : v.get(0);
    }

    @Override
    public List<String> headers(String name) {
        List<String> out = new ArrayList<>();
        for (String[] h : headers) {
            if (h[0].toLowerCase(Locale.ROOT).equals(name.toLowerCase(Locale.ROOT))) {
                out.add(h[1]);
            }
        }
        return out;
    }

    @Override
    public List<String> headerNames() {
        List<String> out = new ArrayList<>();
        headers.forEach(h -> out.add(h[0]));
        return out;
    }

    @Override public String cookie(String name) { return cookies.get(name); }
    @Override public void setHeader(String name, String value) { removeHeader(name); header(name, value); }
    @Override public void addHeader(String name, String value) { header(name, value); }
    @Override public void removeHeader(String name) { headers.removeIf(h -> h[0].equalsIgnoreCase(name)); }
    @Override public String product() { return product; }
    @Override public String cluster() { return null; }
    @Override public String backend() { return null; }
    @Override public Response response() { return response; }
    @Override public Map<String, List<String>> tags() { return tags; }
    @Override public void addTag(String key, String value) { tag(key, value); }
    @Override public Object getContext(String key) { return context.get(key); }
    @Override public void setContext(String key, Object value) { context.put(key, value); }
}
