package io.troupe.proxy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP backend on 127.0.0.1 (JDK HttpServer): answers what it saw, so tests can check routing,
 * headers and streamed bodies. {@code /sleep?ms=N} waits before answering; {@code /big?n=N} sends N bytes.
 */
public final class TestBackend implements AutoCloseable {
    public final String name;
    private final HttpServer server;
    private final ExecutorService pool = Executors.newFixedThreadPool(8);
    public final AtomicInteger hits = new AtomicInteger();
    /** What {@code /health} answers (health-check tests flip it). */
    public volatile int healthStatus = 200;
    public final AtomicInteger healthHits = new AtomicInteger();

    public TestBackend(String name) throws IOException {
        this.name = name;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 128);
        server.createContext("/", this::handle);
        server.setExecutor(pool);
        server.start();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private void handle(HttpExchange ex) throws IOException {
        URI uri = ex.getRequestURI();
        if (uri.getPath().equals("/health")) {
            healthHits.incrementAndGet();
            ex.sendResponseHeaders(healthStatus, -1);
            ex.close();
            return;
        }
        hits.incrementAndGet();
        long n = 0;
        byte[] buf = new byte[65536];
        try (InputStream in = ex.getRequestBody()) {
            int r;
            while ((r = in.read(buf)) > 0) {
                n += r;
            }
        }
        String q = uri.getRawQuery() == null ? "" : uri.getRawQuery();
        if (uri.getPath().startsWith("/sleep")) {
            try {
                Thread.sleep(Long.parseLong(q.replace("ms=", "")));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (uri.getPath().startsWith("/big")) {
            long size = Long.parseLong(q.replace("n=", ""));
            ex.getResponseHeaders().set("Content-Type", "application/octet-stream");
            ex.sendResponseHeaders(200, 0);
            try (OutputStream out = ex.getResponseBody()) {
                byte[] chunk = new byte[65536];
                for (long sent = 0; sent < size; sent += chunk.length) {
                    out.write(chunk, 0, (int) Math.min(chunk.length, size - sent));
                }
            }
            return;
        }
        int status = uri.getPath().startsWith("/status/") ? Integer.parseInt(uri.getPath().substring(8)) : 200;
        String body = "backend=" + name + " method=" + ex.getRequestMethod() + " uri=" + uri
                + " bytes=" + n
                + " host=" + ex.getRequestHeaders().getFirst("Host")
                + " xff=" + ex.getRequestHeaders().getFirst("X-Forwarded-For")
                + " xreal=" + ex.getRequestHeaders().getFirst("X-Real-IP")
                + " secret=" + ex.getRequestHeaders().getFirst("X-Secret")
                + " keepalive=" + ex.getRequestHeaders().getFirst("Keep-Alive")
                + " added=" + ex.getRequestHeaders().getFirst("X-Added")
                + " connection=" + ex.getRequestHeaders().getFirst("Connection")
                + " xfproto=" + ex.getRequestHeaders().getFirst("X-Forwarded-Proto") + "\n";
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "text/plain");
        ex.getResponseHeaders().set("X-Backend", name);
        ex.sendResponseHeaders(status, ex.getRequestMethod().equals("HEAD") ? -1 : b.length);
        try (OutputStream out = ex.getResponseBody()) {
            if (!ex.getRequestMethod().equals("HEAD")) {
                out.write(b);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        pool.shutdownNow();
    }
}
