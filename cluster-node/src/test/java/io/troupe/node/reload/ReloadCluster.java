package io.troupe.node.reload;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.troupe.node.TestNodes;
import io.troupe.node.TroupeNode;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Three proxy nodes in one JVM, joined on loopback, reading one shared conf directory whose routing sends
 * {@code localhost} to cluster_a (backend answering "A") or cluster_b (backend answering "B"), with mod_block
 * enabled and its product rules (product "example") closing one path.
 */
final class ReloadCluster implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Duration WAIT = Duration.ofSeconds(60);

    final Path conf;
    final TestNodes nodes = new TestNodes();
    final List<TroupeNode> members = new ArrayList<>();
    private final List<ServerSocket> backends = new ArrayList<>();
    private final ExecutorService backendThreads = Executors.newCachedThreadPool();
    private int routeVersion;
    private int blockVersion;

    ReloadCluster(Path conf, Duration reloadTimeout) throws IOException {
        this.conf = conf;
        int a = backend("A");
        int b = backend("B");
        writeConf(a, b);
        route("cluster_a");
        blockPath("/blocked-0");
        Map<String, Object> proxy = Map.of(
                // the topic learns of other nodes' subscribers through the receptionist's gossip (2 s by default)
                "pekko.cluster.typed.receptionist.distributed-data.gossip-interval", "200ms",
                "troupe.node.roles", List.of("proxy"),
                "troupe.proxy.bind", "127.0.0.1",
                "troupe.proxy.http-port", 0,
                "troupe.proxy.https-port", -1,
                "troupe.proxy.modules", List.of("mod_block"),
                "troupe.admin.reload-timeout", reloadTimeout.toMillis() + "ms");
        TroupeNode first = nodes.start(proxy, conf);
        members.add(first);
        for (int i = 0; i < 2; i++) {
            Map<String, Object> joining = new java.util.HashMap<>(proxy);
            joining.put("troupe.node.seeds", List.of(TestNodes.clusterHostPort(first)));
            members.add(nodes.start(joining, conf));
        }
        // on every node (any of them may broadcast): all three are Up, then all three topic subscriptions are known
        for (TroupeNode member : members) {
            TestNodes.awaitGet(member, "/cluster/members", WAIT, r -> r.body().split("\"Up\"", -1).length == 4);
        }
        for (TroupeNode member : members) {
            TestNodes.awaitGet(member, "/monitor/module_status", WAIT, r -> {
                JsonNode body = json(r);
                return body.get("nodes").size() == 3 && body.get("no_answer").isEmpty();
            });
        }
    }

    TroupeNode node(int number) {
        return members.get(number - 1);
    }

    static String name(TroupeNode node) {
        return TestNodes.clusterHostPort(node);
    }

    /** Writes route_rule.data sending every localhost request to {@code cluster}; returns its version. */
    String route(String cluster) throws IOException {
        String version = "r" + (++routeVersion);
        write("server_data_conf/route_rule.data", """
                {"Version": "%s",
                 "BasicRule": {"example": [{"Hostname": ["localhost"], "Path": ["*"], "ClusterName": "%s"}]}}
                """.formatted(version, cluster));
        return version;
    }

    /** Writes a route_rule.data that names a cluster no file defines (a reload must refuse it). */
    void invalidRoute() throws IOException {
        write("server_data_conf/route_rule.data", """
                {"Version": "bad%d",
                 "BasicRule": {"example": [{"Hostname": ["localhost"], "Path": ["*"], "ClusterName": "cluster_nowhere"}]}}
                """.formatted(++routeVersion));
    }

    /** Writes block_rules.data closing every localhost request for {@code path}; returns its version. */
    String blockPath(String path) throws IOException {
        String version = "b" + (++blockVersion);
        write("mod_block/block_rules.data", """
                {"Version": "%s", "Config": {"global": [], "example": [
                  {"Cond": "req_path_in(\\"%s\\", false)", "Name": "close-%s", "Action": {"Cmd": "CLOSE", "Params": []}}]}}
                """.formatted(version, path, version));
        return version;
    }

    /** Writes a block_rules.data mod_block must refuse: CLOSE takes no parameters. */
    void invalidBlockRules() throws IOException {
        write("mod_block/block_rules.data", """
                {"Version": "bad%d", "Config": {"example": [
                  {"Cond": "default_t()", "Name": "everything", "Action": {"Cmd": "CLOSE", "Params": ["now"]}}]}}
                """.formatted(++blockVersion));
    }

    /**
     * GET {@code path} through a node's proxy on a fresh connection: the status code, or -1 when the proxy
     * closed the connection without a response (mod_block's CLOSE).
     */
    static int rawGet(TroupeNode node, String path) {
        int port = node.proxy().orElseThrow().httpPort();
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            byte[] head = socket.getInputStream().readNBytes(12);
            if (head.length < 12) {
                return -1;
            }
            return Integer.parseInt(new String(head, 9, 3, StandardCharsets.US_ASCII));
        } catch (java.net.SocketException e) {
            return -1; // reset: closed without a response
        } catch (IOException e) {
            throw new UncheckedIOException("GET " + path + " through port " + port, e);
        }
    }

    /** GET through a node's proxy with Host localhost; returns the body ("A" or "B"). */
    static HttpResponse<String> viaProxy(TroupeNode node) {
        int port = node.proxy().orElseThrow().httpPort();
        return TestNodes.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/page"))
                .timeout(Duration.ofSeconds(10)).build());
    }

    static JsonNode json(HttpResponse<String> response) {
        assertEquals(200, response.statusCode(), response.body());
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void write(String relative, String text) throws IOException {
        // write then rename, so that a node reading concurrently never sees half a file
        Path target = conf.resolve(relative);
        Path temp = target.resolveSibling(target.getFileName() + ".tmp");
        Files.writeString(temp, text);
        Files.move(temp, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    private void writeConf(int portA, int portB) throws IOException {
        Files.createDirectories(conf.resolve("server_data_conf"));
        Files.createDirectories(conf.resolve("cluster_conf"));
        Files.createDirectories(conf.resolve("mod_block"));
        write("mod_block/mod_block.conf", """
                [Basic]
                ProductRulePath = mod_block/block_rules.data
                IPBlocklistPath = mod_block/ip_blocklist.data
                """);
        write("mod_block/ip_blocklist.data", "# nobody\n");
        write("server_data_conf/host_rule.data", """
                {"Version": "h1", "DefaultProduct": null,
                 "Hosts": {"exampleTag": ["localhost"]}, "HostTags": {"example": ["exampleTag"]}}
                """);
        write("server_data_conf/cluster_conf.data", """
                {"Version": "c1", "Config": {"cluster_a": {}, "cluster_b": {}}}
                """);
        write("cluster_conf/cluster_table.data", """
                {"Version": "t1", "Config": {
                  "cluster_a": {"sub": [{"Name": "a", "Addr": "127.0.0.1", "Port": %d, "Weight": 1}]},
                  "cluster_b": {"sub": [{"Name": "b", "Addr": "127.0.0.1", "Port": %d, "Weight": 1}]}}}
                """.formatted(portA, portB));
        write("cluster_conf/gslb.data", """
                {"Clusters": {"cluster_a": {"sub": 100}, "cluster_b": {"sub": 100}}, "Hostname": "", "Ts": "g1"}
                """);
    }

    /**
     * A keep-alive HTTP/1.1 backend answering every request with {@code answer}, head and body in one write
     * (the JDK's HttpServer writes them apart, and Nagle plus delayed ACKs then cost 40 ms a request).
     */
    private int backend(String answer) throws IOException {
        ServerSocket server = new ServerSocket(0, 64, InetAddress.getLoopbackAddress());
        byte[] response = ("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + answer.length()
                + "\r\n\r\n" + answer).getBytes(StandardCharsets.US_ASCII);
        backends.add(server);
        backendThreads.execute(() -> {
            while (!server.isClosed()) {
                try {
                    Socket connection = server.accept();
                    backendThreads.execute(() -> serve(connection, response));
                } catch (IOException e) {
                    return; // closed at the end of the test
                }
            }
        });
        return server.getLocalPort();
    }

    /** Answers each request head (requests here carry no body) until the client closes. */
    private static void serve(Socket connection, byte[] response) {
        try (connection) {
            connection.setTcpNoDelay(true);
            var in = new java.io.BufferedInputStream(connection.getInputStream());
            OutputStream out = connection.getOutputStream();
            int matched = 0;
            for (int b = in.read(); b >= 0; b = in.read()) {
                // count the bytes of "\r\n\r\n" seen in a row: the end of a request head
                matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (b == '\r' ? 1 : 0);
                if (matched == 4) {
                    out.write(response);
                    out.flush();
                    matched = 0;
                }
            }
        } catch (IOException e) {
            // the proxy closed or reset the connection: nothing to answer
        }
    }

    @Override
    public void close() throws Exception {
        try {
            nodes.close();
        } finally {
            for (ServerSocket backend : backends) {
                backend.close();
            }
            backendThreads.shutdownNow();
        }
    }
}
