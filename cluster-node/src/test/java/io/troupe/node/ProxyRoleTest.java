package io.troupe.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
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
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A node with role proxy: the proxy runtime starts from the node's conf/ and registers with the admin API. */
class ProxyRoleTest {
    private static final Map<String, Object> PROXY_ON_LOOPBACK = Map.of(
            "troupe.node.roles", List.of("proxy"),
            "troupe.proxy.bind", "127.0.0.1",
            "troupe.proxy.http-port", 0,
            "troupe.proxy.https-port", -1);

    @TempDir
    Path conf;

    @Test
    void proxyServesTheShippedExampleRoutesAndItsMonitorsAndReloads() throws Exception {
        HttpServer backend = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        backend.createContext("/", exchange -> {
            byte[] body = ("backend saw " + exchange.getRequestURI().getPath()).getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        backend.start();
        try (TestNodes nodes = new TestNodes()) {
            copyRepoConf();
            // the shipped example routes localhost to two instances on 8181/8182: point both at this backend
            Path table = conf.resolve("cluster_conf/cluster_table.data");
            String port = String.valueOf(backend.getAddress().getPort());
            Files.writeString(table, Files.readString(table).replace("8181", port).replace("8182", port));

            TroupeNode node = nodes.start(PROXY_ON_LOOPBACK, conf);
            int proxyPort = node.proxy().orElseThrow().httpPort();

            HttpResponse<String> proxied = TestNodes.send(HttpRequest.newBuilder(
                    // Host: localhost:<port>; routing strips the port, as BFE does
                    URI.create("http://localhost:" + proxyPort + "/hello"))
                    .timeout(Duration.ofSeconds(10)).build());
            assertEquals(200, proxied.statusCode(), proxied.body());
            assertEquals("backend saw /hello", proxied.body());

            String index = TestNodes.get(node, "/monitor").body();
            assertTrue(index.contains("\"proxy_state\"") && index.contains("\"server_data_conf\""), index);
            HttpResponse<String> state = TestNodes.get(node, "/monitor/proxy_state");
            assertEquals(200, state.statusCode(), state.body());

            HttpResponse<String> reload = TestNodes.get(node, "/reload/server_data_conf");
            assertEquals(200, reload.statusCode(), reload.body());
            assertTrue(reload.body().startsWith("{\"error\":null,\"version\":\"host_rule=example-1"), reload.body());
            assertTrue(reload.body().contains("\"node\":\"" + TestNodes.clusterHostPort(node) + "\",\"ok\":true"), reload.body());
        } finally {
            backend.stop(0);
        }
    }

    @Test
    void anInvalidRoutingFileStopsTheNodeNamingTheFile() throws Exception {
        copyRepoConf();
        Files.writeString(conf.resolve("server_data_conf/host_rule.data"), "{ not json");
        try (TestNodes nodes = new TestNodes()) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> nodes.start(PROXY_ON_LOOPBACK, conf));
            assertTrue(e.getMessage().startsWith("role proxy could not start"), e.getMessage());
            assertTrue(e.getMessage().contains("host_rule.data"), e.getMessage());
        }
    }

    private void copyRepoConf() throws IOException {
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
