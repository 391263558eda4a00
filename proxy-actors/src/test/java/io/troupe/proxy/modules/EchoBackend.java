package io.troupe.proxy.modules;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A real backend on 127.0.0.1 that answers with what it received: the request line, each header as
 * {@code h:<lower-case name>=<values>} and the body, one per line, and sets {@code X-Backend-Header: yes}.
 */
public final class EchoBackend implements AutoCloseable {
    private final HttpServer server;
    private final ExecutorService pool = Executors.newFixedThreadPool(4);

    public EchoBackend() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        server.createContext("/", this::handle);
        server.setExecutor(pool);
        server.start();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private void handle(HttpExchange ex) throws IOException {
        byte[] body;
        try (InputStream in = ex.getRequestBody()) {
            body = in.readAllBytes();
        }
        StringBuilder sb = new StringBuilder();
        sb.append("line=").append(ex.getRequestMethod()).append(' ').append(ex.getRequestURI().toString()).append('\n');
        Map<String, List<String>> sorted = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        sorted.putAll(ex.getRequestHeaders());
        sorted.forEach((k, v) -> sb.append("h:").append(k.toLowerCase()).append('=').append(String.join(",", v)).append('\n'));
        sb.append("body=").append(new String(body, StandardCharsets.UTF_8)).append('\n');
        byte[] b = sb.toString().getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "text/plain");
        ex.getResponseHeaders().set("X-Backend-Header", "yes");
        ex.sendResponseHeaders(200, b.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(b);
        }
    }

    /** The value the backend reported for a header (lower-case name), or null. */
    public static String seen(String echo, String header) {
        String prefix = "h:" + header.toLowerCase() + "=";
        for (String line : echo.split("\n")) {
            if (line.startsWith(prefix)) {
                return line.substring(prefix.length());
            }
        }
        return null;
    }

    /** The request line the backend saw ({@code GET /a?b}). */
    public static String line(String echo) {
        return echo.lines().filter(l -> l.startsWith("line=")).findFirst().orElseThrow().substring(5);
    }

    /** The body the backend saw. */
    public static String body(String echo) {
        int i = echo.indexOf("body=");
        return echo.substring(i + 5, echo.length() - 1);
    }

    @Override
    public void close() {
        server.stop(0);
        pool.shutdownNow();
    }
}
