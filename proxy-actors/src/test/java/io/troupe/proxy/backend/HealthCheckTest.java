package io.troupe.proxy.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import com.typesafe.config.ConfigFactory;
import io.troupe.proxy.route.Backend;
import io.troupe.proxy.route.ClusterSpec;
import io.troupe.proxy.route.RouteHolder;
import io.troupe.proxy.route.RouteTables;
import io.troupe.proxy.route.TestConf;
import io.troupe.proxy.route.TestRequest;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HealthCheckTest {
    static ActorTestKit testKit;

    @TempDir
    Path dir;

    private final List<HttpServer> servers = new CopyOnWriteArrayList<>();
    private final List<ActorRef<HealthCheckManager.Command>> managers = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() {
        testKit = ActorTestKit.create(ConfigFactory.parseString("pekko.actor.serialize-messages = on")
                .withFallback(ConfigFactory.load()));
    }

    @AfterAll
    static void stop() {
        testKit.shutdownTestKit();
    }

    @AfterEach
    void stopServers() {
        managers.forEach(m -> testKit.stop(m));
        servers.forEach(s -> s.stop(0));
    }

    /** A backend whose /health answers with {@code status}; records the Host header of each probe. */
    private HttpServer backend(AtomicInteger status, List<String> hosts) throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/health", ex -> {
            hosts.add(ex.getRequestHeaders().getFirst("Host"));
            ex.sendResponseHeaders(status.get(), -1);
            ex.close();
        });
        server.start();
        servers.add(server);
        return server;
    }

    private RouteTables tables(String checkConf, int portA, int portB) throws Exception {
        TestConf conf = new TestConf();
        conf.hostRule = "{\"Version\": \"h\", \"Hosts\": {\"t\": [\"x.org\"]}, \"HostTags\": {\"p\": [\"t\"]}}";
        conf.routeRule = "{\"Version\": \"r\", \"BasicRule\": {\"p\": [{\"Path\": [\"*\"], \"ClusterName\": \"c\"}]}}";
        conf.clusterConf = "{\"Version\": \"c\", \"Config\": {\"c\": {\"CheckConf\": " + checkConf + "}}}";
        conf.clusterTable = "{\"Version\": \"t\", \"Config\": {\"c\": {\"s\": ["
                + "{\"Name\": \"a\", \"Addr\": \"127.0.0.1\", \"Port\": " + portA + ", \"Weight\": 1},"
                + "{\"Name\": \"b\", \"Addr\": \"127.0.0.1\", \"Port\": " + portB + ", \"Weight\": 1}]}}}";
        conf.gslb = "{\"Clusters\": {\"c\": {\"s\": 1}}, \"Hostname\": \"\", \"Ts\": \"0\"}";
        return RouteTables.load(conf.write(dir));
    }

    private static void eventually(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + 15_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not reached within 15 s: " + what);
            }
            Thread.sleep(20);
        }
    }

    private static Backend named(ClusterSpec c, String name) {
        return c.backends().stream().filter(b -> b.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void passiveFailuresTakeABackendOutAndActiveChecksBringItBack() throws Exception {
        AtomicInteger statusA = new AtomicInteger(503);
        List<String> probesA = new CopyOnWriteArrayList<>();
        HttpServer a = backend(statusA, probesA);
        HttpServer b = backend(new AtomicInteger(200), new CopyOnWriteArrayList<>());
        RouteTables t = tables("{\"Uri\": \"/health\", \"Host\": \"check.x.org\", \"StatusCode\": 200, \"FailNum\": 2,"
                + " \"SuccNum\": 2, \"CheckInterval\": 50, \"CheckTimeout\": 2000}",
                a.getAddress().getPort(), b.getAddress().getPort());
        BackendHealth health = new BackendHealth(new RouteHolder(t));
        managers.add(testKit.spawn(HealthCheckManager.create(health, new RouteHolder(t))));
        ClusterSpec c = t.cluster("c");
        Backend backendA = named(c, "a");

        Thread.sleep(200);
        assertEquals(List.of(), probesA, "BFE mode: no probes while the backend is up");
        assertFalse(health.reportFailure(backendA));
        assertTrue(health.reportFailure(backendA));
        assertFalse(health.isAvailable(backendA));
        for (int i = 0; i < 10; i++) {
            assertEquals("b", c.pick(TestRequest.get("x.org", "/"), health, Set.of()).name());
        }
        eventually("three failed probes of a", () -> probesA.size() >= 3);
        assertFalse(health.isAvailable(backendA), "503 does not match StatusCode 200");
        assertEquals("check.x.org", probesA.get(0));

        statusA.set(200);
        eventually("a back in", () -> health.isAvailable(backendA));
        int probesWhenBack = probesA.size();
        Thread.sleep(300);
        assertEquals(probesWhenBack, probesA.size(), "probing stops once the backend is back");
        assertTrue(c.backends().stream().allMatch(health::isAvailable));
    }

    @Test
    void alwaysCheckTakesFailingBackendsOutAndBringsThemBack() throws Exception {
        AtomicInteger statusA = new AtomicInteger(200);
        List<String> probesA = new CopyOnWriteArrayList<>();
        HttpServer a = backend(statusA, probesA);
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        RouteTables t = tables("{\"Uri\": \"/health\", \"StatusCode\": 0, \"StatusCodeRange\": \"2xx\", \"FailNum\": 2,"
                + " \"SuccNum\": 1, \"CheckInterval\": 50, \"CheckTimeout\": 1000, \"AlwaysCheck\": true}",
                a.getAddress().getPort(), closedPort);
        BackendHealth health = new BackendHealth(new RouteHolder(t));
        managers.add(testKit.spawn(HealthCheckManager.create(health, new RouteHolder(t))));
        ClusterSpec c = t.cluster("c");
        Backend backendA = named(c, "a");
        Backend refused = named(c, "b");

        eventually("refused backend b marked down", () -> !health.isAvailable(refused));
        eventually("a probed while up", () -> probesA.size() >= 3);
        assertTrue(health.isAvailable(backendA));
        assertEquals("127.0.0.1:" + a.getAddress().getPort(), probesA.get(0), "Host defaults to the backend address");

        statusA.set(500);
        eventually("a marked down by failing checks", () -> !health.isAvailable(backendA));
        assertEquals("NO_BACKEND", String.valueOf(c.pickDetailed(TestRequest.get("x.org", "/"), health, Set.of(), 0)
                .errorKind()));
        statusA.set(204);
        eventually("a back in", () -> health.isAvailable(backendA));
        assertFalse(health.isAvailable(refused));
    }
}
