package io.troupe.proxy.route;

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

/** A request as the data plane would present it, built in tests. */
public final class TestRequest implements Request, RouteTables.HostTagged {
    private final String method;
    private final String uri;
    private final Map<String, List<String>> headers = new LinkedHashMap<>();
    private final TestSession session;
    private final Map<String, Object> context = new HashMap<>();
    private final Map<String, List<String>> tags = new HashMap<>();
    private String hostTag;

    public TestRequest(String method, String host, String uri, String clientIp) {
        this.method = method;
        this.uri = uri;
        if (host != null) {
            headers.put("host", new ArrayList<>(List.of(host)));
        }
        this.session = new TestSession(new InetSocketAddress(clientIp, 40000), new InetSocketAddress("127.0.0.1", 8080));
    }

    public static TestRequest get(String host, String uri) {
        return new TestRequest("GET", host, uri, "10.0.0.1");
    }

    public TestRequest header(String name, String value) {
        headers.computeIfAbsent(name.toLowerCase(Locale.ROOT), k -> new ArrayList<>()).add(value);
        return this;
    }

    @Override
    public Session session() {
        return session;
    }

    @Override
    public String method() {
        return method;
    }

    @Override
    public String uri() {
        return uri;
    }

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
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (String part : rawQuery().split("&")) {
            if (part.isEmpty()) {
                continue;
            }
            int eq = part.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? part : part.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(part.substring(eq + 1), StandardCharsets.UTF_8);
            out.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
        }
        return out;
    }

    @Override
    public String host() {
        String h = header("host");
        return h == null ? "" : h;
    }

    @Override
    public String protocol() {
        return "HTTP/1.1";
    }

    @Override
    public String header(String name) {
        List<String> v = headers.get(name.toLowerCase(Locale.ROOT));
        return v == null || v.isEmpty() ? null : v.get(0);
    }

    @Override
    public List<String> headers(String name) {
        return headers.getOrDefault(name.toLowerCase(Locale.ROOT), List.of());
    }

    @Override
    public List<String> headerNames() {
        return new ArrayList<>(headers.keySet());
    }

    @Override
    public String cookie(String name) {
        for (String line : headers("cookie")) {
            for (String part : line.split(";")) {
                String p = part.trim();
                int eq = p.indexOf('=');
                if (eq > 0 && p.substring(0, eq).equals(name)) {
                    return p.substring(eq + 1);
                }
            }
        }
        return null;
    }

    @Override
    public void setHeader(String name, String value) {
        headers.put(name.toLowerCase(Locale.ROOT), new ArrayList<>(List.of(value)));
    }

    @Override
    public void addHeader(String name, String value) {
        header(name, value);
    }

    @Override
    public void removeHeader(String name) {
        headers.remove(name.toLowerCase(Locale.ROOT));
    }

    @Override
    public String product() {
        return null;
    }

    @Override
    public String hostTag() {
        return hostTag;
    }

    @Override
    public void hostTag(String tag) {
        hostTag = tag;
    }

    @Override
    public String cluster() {
        return null;
    }

    @Override
    public String backend() {
        return null;
    }

    @Override
    public Response response() {
        return null;
    }

    @Override
    public Map<String, List<String>> tags() {
        return tags;
    }

    @Override
    public void addTag(String key, String value) {
        tags.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
    }

    @Override
    public Object getContext(String key) {
        return context.get(key);
    }

    @Override
    public void setContext(String key, Object value) {
        context.put(key, value);
    }

    static final class TestSession implements Session {
        private final InetSocketAddress client;
        private final InetSocketAddress local;
        private final Map<String, Object> context = new HashMap<>();

        TestSession(InetSocketAddress client, InetSocketAddress local) {
            this.client = client;
            this.local = local;
        }

        @Override
        public long id() {
            return 1;
        }

        @Override
        public InetSocketAddress clientAddress() {
            return client;
        }

        @Override
        public InetSocketAddress localAddress() {
            return local;
        }

        @Override
        public boolean isSecure() {
            return false;
        }

        @Override
        public String serverName() {
            return null;
        }

        @Override
        public String protocol() {
            return "http/1.1";
        }

        @Override
        public long startTimeMillis() {
            return 0;
        }

        @Override
        public Object getContext(String key) {
            return context.get(key);
        }

        @Override
        public void setContext(String key, Object value) {
            context.put(key, value);
        }
    }
}
