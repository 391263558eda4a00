package io.troupe.node.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.troupe.node.TestNodes;
import io.troupe.node.TroupeNode;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** After proxy traffic, /metrics holds the per-product request counter and latency histogram. */
class ProxyMetricsTest {
    @TempDir
    Path conf;

    @Test
    void proxyTrafficShowsAsPerProductRequestsAndLatencyHistogram() throws Exception {
        HttpServer backend = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        backend.createContext("/", exchange -> {
            byte[] body = "ok".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        backend.start();
        try (TestNodes nodes = new TestNodes()) {
            copyRepoConf();
            // the shipped example routes localhost (product "example") to 8181/8182: point both at this backend
            Path table = conf.resolve("cluster_conf/cluster_table.data");
            String port = String.valueOf(backend.getAddress().getPort());
            Files.writeString(table, Files.readString(table).replace("8181", port).replace("8182", port));
            TroupeNode node = nodes.start(Map.of("troupe.node.roles", List.of("proxy"), "troupe.proxy.bind", "127.0.0.1",
                    "troupe.proxy.http-port", 0, "troupe.proxy.https-port", -1), conf);
            int proxyPort = node.proxy().orElseThrow().httpPort();
            for (int i = 0; i < 5; i++) {
                HttpResponse<String> r = TestNodes.send(HttpRequest.newBuilder(
                        URI.create("http://localhost:" + proxyPort + "/m" + i)).timeout(Duration.ofSeconds(10)).build());
                assertEquals(200, r.statusCode(), r.body());
            }
            String metrics = TestNodes.awaitGet(node, "/metrics", Duration.ofSeconds(20),
                    r -> value(r.body(), "troupe_proxy_product_requests_total\\{product=\"example\"\\}") >= 5).body();
            assertTrue(value(metrics, "troupe_proxy_product_latency_seconds_count\\{product=\"example\"\\}") >= 5, metrics);
            assertTrue(value(metrics, "troupe_proxy_product_latency_seconds_bucket\\{product=\"example\",le=\"\\+Inf\"\\}")
                    >= 5, metrics);
        } finally {
            backend.stop(0);
        }
    }

    private static double value(String metrics, String series) {
        Matcher m = Pattern.compile("(?m)^" + series + " ([0-9.eE+-]+)$").matcher(metrics);
        return m.find() ? Double.parseDouble(m.group(1)) : -1;
    }

    private void copyRepoConf() throws Exception {
        try (Stream<Path> files = Files.walk(TestNodes.REPO_CONF)) {
            for (Path source : (Iterable<Path>) files::iterator) {
                Path target = conf.resolve(TestNodes.REPO_CONF.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target);
                }
            }
        }
    }
}
