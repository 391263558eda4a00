package io.troupe.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.troupe.module.web.WebHandlerRegistry;
import io.troupe.proxy.route.TestConf;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.apache.pekko.actor.ActorNotFound;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A start that fails after the actors were spawned (port taken) leaves nothing running behind. */
class ProxyRuntimeStartFailureTest {
    @TempDir
    Path conf;
    private ActorTestKit kit;
    private ProxyRuntime proxy;
    private TestBackend backend;

    @AfterEach
    void tearDown() throws Exception {
        if (proxy != null) {
            proxy.stop();
        }
        if (kit != null) {
            kit.shutdownTestKit();
        }
        if (backend != null) {
            backend.close();
        }
    }

    @Test
    void aListenerThatCannotBindStopsEverythingAndALaterStartWorks() throws Exception {
        backend = new TestBackend("only");
        TestConf c = new TestConf();
        c.hostRule = """
                {"Version": "h", "DefaultProduct": "p", "Hosts": {"t": ["x.test"]}, "HostTags": {"p": ["t"]}}
                """;
        c.routeRule = """
                {"Version": "r", "BasicRule": {"p": [{"Path": ["*"], "ClusterName": "c"}]}}
                """;
        // always-on checks every 50 ms: a health checker left running would keep probing
        c.clusterConf = """
                {"Version": "c", "Config": {"c": {"CheckConf": {"Uri": "/health", "FailNum": 1, "SuccNum": 1,
                  "CheckInterval": 50, "CheckTimeout": 1000, "AlwaysCheck": true}}}}
                """;
        c.clusterTable = """
                {"Version": "t", "Config": {"c": {"s": [{"Name": "a", "Addr": "127.0.0.1", "Port": %d, "Weight": 1}]}}}
                """.formatted(backend.port());
        c.gslb = """
                {"Clusters": {"c": {"s": 100}}, "Hostname": "", "Ts": "g"}
                """;
        c.write(conf);
        ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        int port = taken.getLocalPort();
        kit = ActorTestKit.create(ConfigFactory.parseString("""
                pekko.actor.serialize-messages = on
                troupe.proxy { bind = 127.0.0.1, http-port = %d, https-port = -1, event-loops = 1 }
                """.formatted(port)).withFallback(ConfigFactory.load()));
        long loopsBefore = eventLoopThreads();
        WebHandlerRegistry web = new WebHandlerRegistry();

        Exception e;
        try {
            e = assertThrows(Exception.class, () -> ProxyRuntime.start(kit.system(), conf, web));
        } finally {
            taken.close();
        }
        assertTrue(e.getMessage().contains("127.0.0.1:" + port) && e.getMessage().contains("troupe.proxy.http-port"),
                e.getMessage());
        assertEquals(loopsBefore, eventLoopThreads(), "event-loop threads left after the failed start");
        assertGone("/system/proxy-route-tables");
        assertGone("/system/proxy-chain-registry");
        int probes = backend.healthHits.get();
        Thread.sleep(300);
        // a probe already on the wire when the checker stopped may still land (probes are async); a checker
        // left running would add about six in 300 ms
        assertTrue(backend.healthHits.get() - probes <= 1,
                "health checks still probing after the failed start: " + (backend.healthHits.get() - probes));

        // the port is free now: the same system starts the proxy under the same actor names
        proxy = ProxyRuntime.start(kit.system(), conf, web);
        assertEquals(port, proxy.httpPort());
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/")).header("Host", "x.test").build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("only", r.headers().firstValue("X-Backend").orElseThrow());

        proxy.stop();
        proxy = null;
        assertGone("/system/proxy-route-tables");
        assertEquals(loopsBefore, eventLoopThreads(), "event-loop threads left after stop");
    }

    @Test
    void aModuleBfeConfNamesThatDoesNotExistFailsTheStartNamingBfeConf() throws Exception {
        new TestConf().write(conf);
        // BFE's shipped bfe.conf enables mod_logid, which Troupe does not have
        java.nio.file.Files.writeString(conf.resolve("bfe.conf"), "[Server]\nModules = mod_block\nModules = mod_logid\n");
        kit = ActorTestKit.create(ConfigFactory.parseString("""
                pekko.actor.serialize-messages = on
                troupe.proxy { bind = 127.0.0.1, http-port = 0, https-port = -1, event-loops = 1 }
                """).withFallback(ConfigFactory.load()));
        Exception e = assertThrows(IllegalArgumentException.class,
                () -> ProxyRuntime.start(kit.system(), conf, new WebHandlerRegistry()));
        assertTrue(e.getMessage().contains("no module for mod_logid")
                && e.getMessage().contains("set in " + conf.resolve("bfe.conf")), e.getMessage());
        assertGone("/system/proxy-route-tables");
    }

    @Test
    void anEmptyNameConfInBfeConfLeavesNameConfDataUnread() throws Exception {
        new TestConf().write(conf);
        // a name_conf.data that would stop the start (a name with no instance)
        java.nio.file.Files.writeString(conf.resolve("server_data_conf/name_conf.data"),
                "{\"Version\": \"n1\", \"Config\": {\"svc\": []}}");
        java.nio.file.Files.writeString(conf.resolve("bfe.conf"), "[Server]\nMaxCpus = 1\nNameConf =\n");
        kit = ActorTestKit.create(ConfigFactory.parseString("""
                pekko.actor.serialize-messages = on
                troupe.proxy { bind = 127.0.0.1, http-port = 0, https-port = -1, event-loops = 1 }
                """).withFallback(ConfigFactory.load()));
        proxy = ProxyRuntime.start(kit.system(), conf, new WebHandlerRegistry());
        assertEquals("", proxy.names().get().version());
        proxy.stop();
        proxy = null;
        assertGone("/system/proxy-route-tables");

        // without the line, BFE's default names the file: it is read (and here refused)
        java.nio.file.Files.writeString(conf.resolve("bfe.conf"), "[Server]\nMaxCpus = 1\n");
        Exception e = assertThrows(IllegalArgumentException.class,
                () -> ProxyRuntime.start(kit.system(), conf, new WebHandlerRegistry()));
        assertTrue(e.getMessage().contains("name_conf.data"), e.getMessage());
    }

    private static long eventLoopThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().contains("EventLoopGroup-")).count();
    }

    private void assertGone(String path) throws Exception {
        try {
            Adapter.toClassic(kit.system()).actorSelection(path).resolveOne(Duration.ofSeconds(1))
                    .toCompletableFuture().get();
        } catch (ExecutionException | CompletionException ex) {
            assertTrue(ex.getCause() instanceof ActorNotFound, ex.toString());
            return;
        }
        throw new AssertionError(path + " is still running");
    }
}
