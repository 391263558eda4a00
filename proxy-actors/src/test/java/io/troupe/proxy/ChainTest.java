package io.troupe.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.troupe.api.proxy.CallbackPoint;
import io.troupe.api.proxy.FilterResult;
import io.troupe.api.proxy.ForwardFilter;
import io.troupe.api.proxy.RequestFilter;
import io.troupe.api.proxy.SessionFilter;
import io.troupe.api.proxy.Response;
import io.troupe.api.proxy.ReturnCode;
import io.troupe.proxy.chain.ChainRegistry;
import io.troupe.proxy.chain.ChainsHolder;
import io.troupe.proxy.chain.ModuleFilters;
import io.troupe.proxy.forward.ClusterPolicy;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Callback chains built by the ChainRegistry actor and run by the data plane: every point and every code. */
class ChainTest {
    private ActorTestKit kit;
    private TestBackend backend;
    private TestBackend otherBackend;
    private TestRouter router;
    private TestProxy proxy;
    private final ChainsHolder chains = new ChainsHolder();
    private ActorRef<ChainRegistry.Command> registry;
    private volatile boolean refuseConnections;
    private final AtomicInteger finishedSessions = new AtomicInteger();
    private final AtomicInteger finishedRequests = new AtomicInteger();
    private final List<Integer> finishedStatuses = new CopyOnWriteArrayList<>();
    private final List<String> products = new CopyOnWriteArrayList<>();
    private final List<String> clusters = new CopyOnWriteArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        kit = ActorTestKit.create(ConfigFactory.parseString("pekko.actor.serialize-messages = on"));
        backend = new TestBackend("b");
        otherBackend = new TestBackend("d");
        registry = kit.spawn(ChainRegistry.create(List.of("mod_first", "mod_codes"), chains));
        // registered in the opposite order of the configured one, on purpose
        register(codesModule());
        register(firstModule());
        router = new TestRouter().cluster("c.test", ClusterPolicy.DEFAULT, backend.port())
                .cluster("d.test", ClusterPolicy.DEFAULT, otherBackend.port());
        proxy = new TestProxy(router, "", chains, null);
    }

    @AfterEach
    void tearDown() {
        proxy.close();
        backend.close();
        otherBackend.close();
        kit.shutdownTestKit();
    }

    private ChainRegistry.Reply register(ModuleFilters f) {
        TestProbe<ChainRegistry.Reply> probe = kit.createTestProbe();
        registry.tell(new ChainRegistry.Register(f, probe.getRef()));
        return probe.receiveMessage();
    }

    private ModuleFilters firstModule() {
        ModuleFilters f = new ModuleFilters("mod_first");
        f.addFilter(CallbackPoint.BEFORE_LOCATION, (RequestFilter) r -> {
            r.setHeader("X-Added", "first");
            return FilterResult.GO_ON;
        });
        return f;
    }

    private ModuleFilters codesModule() {
        ModuleFilters f = new ModuleFilters("mod_codes");
        f.addFilter(CallbackPoint.ACCEPT, (SessionFilter) s -> refuseConnections ? ReturnCode.CLOSE : ReturnCode.GO_ON);
        f.addFilter(CallbackPoint.FINISH, (SessionFilter) s -> {
            finishedSessions.incrementAndGet();
            return ReturnCode.GO_ON;
        });
        f.addFilter(CallbackPoint.BEFORE_LOCATION, (RequestFilter) r -> {
            r.setHeader("X-Added", r.header("X-Added") + ",codes");
            String code = r.header("X-Code");
            if (code == null) {
                return FilterResult.GO_ON;
            }
            return switch (code) {
                case "close" -> FilterResult.CLOSE;
                case "finish" -> FilterResult.finish(Response.of(403, "finished by filter"));
                case "redirect" -> FilterResult.redirect(302, "/moved");
                case "respond" -> FilterResult.respond(Response.of(200, "answered by filter"));
                default -> FilterResult.GO_ON;
            };
        });
        f.addFilter(CallbackPoint.FOUND_PRODUCT, (RequestFilter) r -> {
            products.add(r.product());
            String moveTo = r.header("X-Move-To");
            if (moveTo != null) {
                r.setHeader("Host", moveTo);
            }
            String context = r.header("X-Set-Context");
            if (context != null) {
                // req_context_value_in may route by a string; other values it never matches
                r.setContext("seen", context.equals("string") ? "yes" : Boolean.TRUE);
            }
            return FilterResult.GO_ON;
        });
        f.addFilter(CallbackPoint.AFTER_LOCATION, (RequestFilter) r -> {
            clusters.add(r.cluster());
            return FilterResult.GO_ON;
        });
        f.addFilter(CallbackPoint.FORWARD, (ForwardFilter) r -> "close".equals(r.header("X-Forward")) ? ReturnCode.CLOSE : ReturnCode.GO_ON);
        f.addFilter(CallbackPoint.READ_RESPONSE, (r, resp) -> {
            resp.setHeader("X-Seen-Backend", r.backend());
            return "finish".equals(r.header("X-Read")) ? ReturnCode.FINISH : ReturnCode.GO_ON;
        });
        f.addFilter(CallbackPoint.REQUEST_FINISH, (r, resp) -> {
            finishedStatuses.add(resp.status());
            finishedRequests.incrementAndGet();
            return ReturnCode.GO_ON;
        });
        return f;
    }

    private static String get(String extra) {
        return "GET /x HTTP/1.1\r\nHost: c.test\r\n" + extra + "\r\n";
    }

    @Test
    void goOnRunsEveryPointInModuleOrderAndForwards() throws Exception {
        try (RawHttp c = new RawHttp(proxy.port())) {
            RawHttp.Resp r = c.send(get("")).read();
            assertEquals(200, r.status());
            assertTrue(r.body().contains("added=first,codes"), "module order, not registration order: " + r.body());
            assertEquals("127.0.0.1:" + backend.port(), r.header("X-Seen-Backend"));
        }
        assertEquals(List.of("product-c.test"), products);
        assertEquals(List.of("c.test"), clusters);
        long deadline = System.currentTimeMillis() + 2000;
        while ((finishedSessions.get() == 0 || finishedRequests.get() == 0) && System.currentTimeMillis() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(1, finishedSessions.get());
        assertEquals(1, finishedRequests.get());
    }

    @Test
    void aRequestFoundProductLeftAsItWasIsRoutedOnce() throws Exception {
        try (RawHttp c = new RawHttp(proxy.port())) {
            assertEquals("b", c.send(get("")).read().header("X-Backend"));
        }
        assertEquals(List.of("product-c.test"), products, "FOUND_PRODUCT ran");
        assertEquals(1, router.routes.get(), "FOUND_PRODUCT changed nothing: no second route");
    }

    @Test
    void aRequestFoundProductRewroteIsRoutedAgainAsItNowStands() throws Exception {
        try (RawHttp c = new RawHttp(proxy.port())) {
            RawHttp.Resp r = c.send(get("X-Move-To: d.test\r\n")).read();
            assertEquals(200, r.status());
            assertEquals("d", r.header("X-Backend"), "routed by the Host the filter set");
        }
        assertEquals(List.of("product-c.test"), products);
        assertEquals(List.of("d.test"), clusters, "AFTER_LOCATION sees the cluster of the new route");
        assertEquals(2, router.routes.get());
    }

    @Test
    void aRequestFoundProductGaveAStringContextValueIsRoutedAgain() throws Exception {
        try (RawHttp c = new RawHttp(proxy.port())) {
            assertEquals(200, c.send(get("X-Set-Context: object\r\n")).read().status());
        }
        assertEquals(1, router.routes.get(), "no condition reads a context value that is not a string");
        try (RawHttp c = new RawHttp(proxy.port())) {
            assertEquals(200, c.send(get("X-Set-Context: string\r\n")).read().status());
        }
        assertEquals(3, router.routes.get(), "a route condition may read a string context value");
    }

    @Test
    void closeDropsTheConnectionSendingNothing() throws Exception {
        try (RawHttp c = new RawHttp(proxy.port())) {
            assertNull(c.send(get("X-Code: close\r\n")).read());
        }
        try (RawHttp c = new RawHttp(proxy.port())) {
            assertNull(c.send(get("X-Forward: close\r\n")).read());
        }
        assertEquals(0, backend.hits.get());
        // requests ended by CLOSE are not left counted as in flight (stop() waits for that count)
        assertEquals(0, proxy.stats.get(io.troupe.proxy.monitor.ProxyStats.Key.CLIENT_REQ_ACTIVE));
        assertEquals(2, proxy.stats.get(io.troupe.proxy.monitor.ProxyStats.Key.ERR_FILTER_CLOSE));
    }

    @Test
    void finishSendsTheFilterResponseThenCloses() throws Exception {
        try (RawHttp c = new RawHttp(proxy.port())) {
            RawHttp.Resp r = c.send(get("X-Code: finish\r\n")).read();
            assertEquals(403, r.status());
            assertEquals("finished by filter", r.body());
            assertTrue(c.closedByPeer());
        }
        assertEquals(0, backend.hits.get());
    }

    @Test
    void redirectAndResponseAnswerAndKeepTheConnection() throws Exception {
        try (RawHttp c = new RawHttp(proxy.port())) {
            RawHttp.Resp r = c.send(get("X-Code: redirect\r\n")).read();
            assertEquals(302, r.status());
            assertEquals("/moved", r.header("Location"));
            r = c.send(get("X-Code: respond\r\n")).read();
            assertEquals(200, r.status());
            assertEquals("answered by filter", r.body());
            r = c.send(get("")).read();
            assertEquals(200, r.status());
            assertTrue(r.body().contains("backend=b"));
        }
        assertEquals(1, backend.hits.get());
        // REQUEST_FINISH runs right after the last byte is handed to the socket, maybe after the client read it
        long deadline = System.currentTimeMillis() + 2000;
        while (finishedRequests.get() < 3 && System.currentTimeMillis() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(3, finishedRequests.get());
    }

    @Test
    void aRequestItsClientAbandonsStillEndsForTheModules() throws Exception {
        // gone before the response head: nginx's 499, as its access log says
        try (RawHttp c = new RawHttp(proxy.port())) {
            c.send("GET /sleep?ms=3000 HTTP/1.1\r\nHost: c.test\r\n\r\n");
            long deadline = System.currentTimeMillis() + 5000;
            while (backend.hits.get() == 0 && System.currentTimeMillis() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(1, backend.hits.get(), "the backend got the request");
        }
        // gone mid-body: the backend's status
        try (RawHttp c = new RawHttp(proxy.port())) {
            c.send("GET /big?n=200000000 HTTP/1.1\r\nHost: c.test\r\n\r\n");
            byte[] start = c.socket.getInputStream().readNBytes(12);
            assertEquals("HTTP/1.1 200", new String(start, java.nio.charset.StandardCharsets.ISO_8859_1));
        }
        long deadline = System.currentTimeMillis() + 5000;
        while (finishedStatuses.size() < 2 && System.currentTimeMillis() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(List.of(499, 200), finishedStatuses);
        assertEquals(2, proxy.stats.get(io.troupe.proxy.monitor.ProxyStats.Key.ERR_CLIENT_CLOSE));
        assertEquals(0, proxy.stats.get(io.troupe.proxy.monitor.ProxyStats.Key.CLIENT_REQ_ACTIVE));
    }

    @Test
    void readResponseFinishClosesAfterTheBackendResponse() throws Exception {
        try (RawHttp c = new RawHttp(proxy.port())) {
            RawHttp.Resp r = c.send(get("X-Read: finish\r\n")).read();
            assertEquals(200, r.status());
            assertEquals("close", r.header("Connection"));
            assertTrue(c.closedByPeer());
        }
    }

    @Test
    void acceptCloseRefusesConnections() throws Exception {
        refuseConnections = true;
        try (RawHttp c = new RawHttp(proxy.port())) {
            assertTrue(c.closedByPeer());
        }
        refuseConnections = false;
        try (RawHttp c = new RawHttp(proxy.port())) {
            assertEquals(200, c.send(get("")).read().status());
        }
    }

    @Test
    void registryRejectsModulesOutsideTheConfiguredOrderAndFilterTypesAtWrongPoints() {
        ChainRegistry.Reply reply = register(new ModuleFilters("mod_unknown"));
        assertInstanceOf(ChainRegistry.Rejected.class, reply);
        assertTrue(((ChainRegistry.Rejected) reply).reason().contains("troupe.proxy.modules"));
        ModuleFilters f = new ModuleFilters("mod_first");
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> f.addFilter(CallbackPoint.ACCEPT, (RequestFilter) r -> FilterResult.GO_ON));
        assertTrue(e.getMessage().contains("ACCEPT"), e.getMessage());
        assertEquals(List.of("mod_first", "mod_codes"), chains.current().handlersByPoint().get("BEFORE_LOCATION"));
    }
}
