package io.troupe.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.proxy.forward.ClusterPolicy;
import io.troupe.proxy.monitor.ProxyStats.Key;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Forwarding through real sockets to real backends: headers, retries, errors, limits, pipelining. */
class ForwardingTest {
    private TestBackend a;
    private TestBackend b;
    private TestRouter router;
    private TestProxy proxy;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeEach
    void setUp() throws Exception {
        a = new TestBackend("a");
        b = new TestBackend("b");
        router = new TestRouter()
                .cluster("one.test", ClusterPolicy.DEFAULT, a.port())
                .cluster("two.test", ClusterPolicy.DEFAULT, a.port(), b.port())
                .cluster("slow.test", new ClusterPolicy(1000, 300, 2, 2, ClusterPolicy.RETRY_CONNECT), a.port());
        proxy = new TestProxy(router, "limits { header-read-timeout = 600ms, max-uri-bytes = 1024, max-header-bytes = 4096 }");
    }

    @AfterEach
    void tearDown() throws Exception {
        // every request a test made has ended, whichever way: none is left counted as in flight
        long deadline = System.currentTimeMillis() + 3000;
        while (proxy.stats.get(Key.CLIENT_REQ_ACTIVE) != 0 && System.currentTimeMillis() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(0, proxy.stats.get(Key.CLIENT_REQ_ACTIVE), "requests still counted active");
        proxy.close();
        a.close();
        b.close();
    }

    private HttpResponse<String> get(String host, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.port() + path))
                .header("Host", host).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void forwardsWithForwardedForAndWithoutHopByHopHeaders() throws Exception {
        try (RawHttp c = new RawHttp(proxy.port())) {
            c.send("GET /x?q=1 HTTP/1.1\r\nHost: one.test\r\nConnection: keep-alive, X-Secret\r\nX-Secret: s\r\n"
                    + "Keep-Alive: timeout=5\r\nX-Forwarded-For: 10.1.1.1\r\n\r\n");
            RawHttp.Resp r = c.read();
            assertEquals(200, r.status());
            assertTrue(r.body().contains("backend=a method=GET uri=/x?q=1"), r.body());
            assertTrue(r.body().contains("xff=10.1.1.1, 127.0.0.1"), r.body());
            assertTrue(r.body().contains("xreal=127.0.0.1"), r.body());
            assertTrue(r.body().contains("secret=null"), r.body());
            assertTrue(r.body().contains("keepalive=null"), r.body());
            assertTrue(r.body().contains("host=one.test"), r.body());
            assertEquals("a", r.header("X-Backend"));
        }
    }

    @Test
    void postBodyIsStreamedAndStatusKept() throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.port() + "/status/201"))
                .header("Host", "one.test").POST(HttpRequest.BodyPublishers.ofString("x".repeat(100_000))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(201, r.statusCode());
        assertTrue(r.body().contains("method=POST") && r.body().contains("bytes=100000"), r.body());
        HttpResponse<byte[]> big = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.port() + "/big?n=5000000"))
                .header("Host", "one.test").build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(5_000_000, big.body().length);
    }

    @Test
    void chunkedUploadIsForwardedChunked() throws Exception {
        try (RawHttp c = new RawHttp(proxy.port())) {
            c.send("POST /chunked HTTP/1.1\r\nHost: one.test\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "5\r\nhello\r\n");
            Thread.sleep(100);
            c.send("6\r\n world\r\n0\r\n\r\n");
            RawHttp.Resp r = c.read();
            assertEquals(200, r.status());
            assertTrue(r.body().contains("method=POST") && r.body().contains("bytes=11"), r.body());
            c.send("GET /after HTTP/1.1\r\nHost: one.test\r\n\r\n");
            assertTrue(c.read().body().contains("uri=/after"));
        }
    }

    @Test
    void unknownHostAndNoRouteAnswer500CountedByKind() throws Exception {
        assertEquals(500, get("nowhere.test", "/").statusCode());
        assertEquals(500, get("noroute.test", "/").statusCode());
        assertEquals(1, proxy.stats.get(Key.ERR_BK_FIND_PRODUCT));
        assertEquals(1, proxy.stats.get(Key.ERR_BK_FIND_LOCATION));
        assertEquals(200, get("one.test", "/").statusCode());
    }

    @Test
    void retriesOnAnotherInstanceWhenTheFirstRefusesConnections() throws Exception {
        int dead;
        try (ServerSocket s = new ServerSocket(0)) {
            dead = s.getLocalPort();
        }
        router.cluster("retry.test", ClusterPolicy.DEFAULT, dead, b.port());
        for (int i = 0; i < 20; i++) {
            HttpResponse<String> r = get("retry.test", "/r" + i);
            assertEquals(200, r.statusCode(), r.body());
            assertTrue(r.body().contains("backend=b"));
        }
        assertTrue(proxy.stats.get(Key.ERR_BK_CONNECT_BACKEND) >= 1);
        assertTrue(proxy.stats.get(Key.BACKEND_RETRY) >= 1);
        assertTrue(router.failures.stream().allMatch(u -> u.port() == dead) && !router.failures.isEmpty());
    }

    @Test
    void allInstancesDownAnswers502AndSlowBackendAnswers504() throws Exception {
        int dead;
        try (ServerSocket s = new ServerSocket(0)) {
            dead = s.getLocalPort();
        }
        router.cluster("down.test", ClusterPolicy.DEFAULT, dead);
        assertEquals(502, get("down.test", "/").statusCode());
        assertEquals(504, get("slow.test", "/sleep?ms=2000").statusCode());
        assertEquals(1, proxy.stats.get(Key.ERR_BK_RESP_HEADER_TIMEOUT));
        assertEquals(200, get("slow.test", "/sleep?ms=10").statusCode());
    }

    @Test
    void retryLevelOneRetriesAGetWhoseResponseHeadTimedOut() throws Exception {
        try (ServerSocket silent = silentBackend()) {
            router.cluster("hdr-retry.test", new ClusterPolicy(1000, 300, 2, 2, ClusterPolicy.RETRY_GET),
                    silent.getLocalPort(), b.port());
            router.cluster("hdr-no-retry.test", new ClusterPolicy(1000, 300, 2, 2, ClusterPolicy.RETRY_CONNECT),
                    silent.getLocalPort());
            for (int i = 0; i < 4; i++) {
                HttpResponse<String> r = get("hdr-retry.test", "/h" + i);
                assertEquals(200, r.statusCode(), r.body());
            }
            assertTrue(proxy.stats.get(Key.ERR_BK_RESP_HEADER_TIMEOUT) >= 1);
            assertTrue(proxy.stats.get(Key.BACKEND_RETRY) >= 1);
            assertEquals(504, get("hdr-no-retry.test", "/n").statusCode());
        }
    }

    @Test
    void aGetWhoseAnswerCouldNotBeParsedIsNotSentAgainOnAFreshConnection() throws Exception {
        java.util.concurrent.atomic.AtomicInteger requests = new java.util.concurrent.atomic.AtomicInteger();
        try (ServerSocket ss = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            Thread t = new Thread(() -> {
                while (!ss.isClosed()) {
                    try (java.net.Socket s = ss.accept()) {
                        java.io.InputStream in = s.getInputStream();
                        byte[] buf = new byte[4096];
                        while (in.read(buf) > 0) { // one request per read: the proxy sends a GET head in one write
                            // the first answer keeps the connection pooled, every later one has two lengths
                            String answer = requests.incrementAndGet() == 1
                                    ? "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
                                    : "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok";
                            s.getOutputStream().write(answer.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
                        }
                    } catch (Exception e) {
                        // closed by the proxy or the test
                    }
                }
            });
            t.setDaemon(true);
            t.start();
            router.cluster("bad-answer.test", new ClusterPolicy(1000, 2000, 2, 2, ClusterPolicy.RETRY_CONNECT),
                    ss.getLocalPort());
            assertEquals(200, get("bad-answer.test", "/first").statusCode());
            assertEquals(502, get("bad-answer.test", "/second").statusCode());
            assertEquals(2, requests.get(), "the backend answered the second GET: it must not get it again");
        }
    }

    /** A backend that accepts and reads but never answers. */
    private static ServerSocket silentBackend() throws Exception {
        ServerSocket ss = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        Thread t = new Thread(() -> {
            while (!ss.isClosed()) {
                try (java.net.Socket s = ss.accept()) {
                    while (s.getInputStream().read(new byte[4096]) > 0) {
                        // never answers
                    }
                } catch (Exception e) {
                    // closed by the proxy or the test
                }
            }
        });
        t.setDaemon(true);
        t.start();
        return ss;
    }

    /** A backend that accepts, reads the request head and closes without answering. */
    private static ServerSocket hangUpBackend() throws Exception {
        ServerSocket ss = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        Thread t = new Thread(() -> {
            while (!ss.isClosed()) {
                try (java.net.Socket s = ss.accept()) {
                    s.getInputStream().read(new byte[4096]);
                } catch (Exception e) {
                    // closed by the test
                }
            }
        });
        t.setDaemon(true);
        t.start();
        return ss;
    }

    @Test
    void retryLevelDecidesWhetherAGetIsRetriedAfterTheBackendHungUp() throws Exception {
        try (ServerSocket hangUp = hangUpBackend()) {
            router.cluster("get-retry.test", new ClusterPolicy(1000, 2000, 2, 2, ClusterPolicy.RETRY_GET),
                    hangUp.getLocalPort(), b.port());
            router.cluster("no-retry.test", new ClusterPolicy(1000, 2000, 2, 2, ClusterPolicy.RETRY_CONNECT),
                    hangUp.getLocalPort());
            for (int i = 0; i < 4; i++) {
                HttpResponse<String> r = get("get-retry.test", "/g" + i);
                assertEquals(200, r.statusCode(), r.body());
                assertTrue(r.body().contains("backend=b"));
            }
            assertEquals(502, get("no-retry.test", "/n").statusCode());
            // a POST is never retried after it was sent
            HttpResponse<String> post = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.port() + "/p"))
                    .header("Host", "no-retry.test").POST(HttpRequest.BodyPublishers.ofString("x")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(502, post.statusCode());
        }
        assertTrue(proxy.stats.get(Key.ERR_BK_READ_RESP_HEADER) >= 2);
    }

    @Test
    void spreadsAcrossInstances() throws Exception {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 6; i++) {
            seen.add(get("two.test", "/").headers().firstValue("X-Backend").orElseThrow());
        }
        assertEquals(Set.of("a", "b"), seen);
    }

    @Test
    void badRequestLineGets400() throws Exception {
        try (RawHttp c = new RawHttp(proxy.port())) {
            c.send("THIS IS NOT HTTP\r\n\r\n");
            RawHttp.Resp r = c.read();
            assertEquals(400, r.status());
            assertTrue(c.closedByPeer());
        }
        assertEquals(1, proxy.stats.get(Key.ERR_CLIENT_BAD_REQUEST));
    }

    @Test
    void oversizedHeadersGet431AndOversizedUriGets414() throws Exception {
        try (RawHttp c = new RawHttp(proxy.port())) {
            c.send("GET / HTTP/1.1\r\nHost: one.test\r\nX-Big: " + "h".repeat(8000) + "\r\n\r\n");
            assertEquals(431, c.read().status());
        }
        try (RawHttp c = new RawHttp(proxy.port())) {
            c.send("GET /" + "u".repeat(1100) + " HTTP/1.1\r\nHost: one.test\r\n\r\n");
            assertEquals(414, c.read().status());
        }
        try (RawHttp c = new RawHttp(proxy.port())) {
            c.send("GET /" + "u".repeat(5000) + " HTTP/1.1\r\nHost: one.test\r\n\r\n");
            assertEquals(414, c.read().status());
        }
        assertEquals(1, proxy.stats.get(Key.ERR_CLIENT_LONG_HEADER));
        assertEquals(2, proxy.stats.get(Key.ERR_CLIENT_LONG_URL));
        assertEquals(200, get("one.test", "/").statusCode());
    }

    @Test
    void slowHeaderClientIsClosedAndTheProxyKeepsServing() throws Exception {
        try (RawHttp slow = new RawHttp(proxy.port())) {
            slow.send("GET / HTTP/1.1\r\nHost: one");
            long t0 = System.nanoTime();
            boolean closed = false;
            for (int i = 0; i < 30 && !closed; i++) {
                try {
                    slow.send("e");
                } catch (java.io.IOException e) {
                    closed = true;
                    break;
                }
                Thread.sleep(100);
            }
            if (!closed) {
                closed = slow.closedByPeer();
            }
            assertTrue(closed, "slow client still connected");
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms >= 500, "closed after " + ms + " ms, before the 600 ms timeout");
        }
        assertEquals(1, proxy.stats.get(Key.ERR_HEADER_TIMEOUT));
        assertEquals(200, get("one.test", "/").statusCode());
    }

    @Test
    void keepAliveAndPipelinedResponsesComeBackInOrder() throws Exception {
        try (RawHttp c = new RawHttp(proxy.port())) {
            StringBuilder reqs = new StringBuilder();
            for (int i = 0; i < 5; i++) {
                reqs.append("GET /p").append(i).append(" HTTP/1.1\r\nHost: two.test\r\n\r\n");
            }
            reqs.append("POST /p5 HTTP/1.1\r\nHost: one.test\r\nContent-Length: 3\r\n\r\nabc");
            reqs.append("HEAD /p6 HTTP/1.1\r\nHost: one.test\r\n\r\n");
            c.send(reqs.toString());
            for (int i = 0; i < 6; i++) {
                RawHttp.Resp r = c.read();
                assertEquals(200, r.status());
                assertTrue(r.body().contains("uri=/p" + i + " "), "response " + i + ": " + r.body());
            }
            RawHttp.Resp head = c.read(true);
            assertEquals(200, head.status());
            assertEquals("", head.body());
            // the same connection serves a later request too
            c.send("GET /later HTTP/1.1\r\nHost: one.test\r\n\r\n");
            assertTrue(c.read().body().contains("uri=/later"));
        }
        assertEquals(1, proxy.stats.get(Key.CLIENT_CONN_SERVED));
        assertTrue(proxy.stats.get(Key.BACKEND_CONN_REUSED) >= 1);
    }

    @Test
    void maxIdleConnsPerHostZeroOpensAConnectionPerRequestAndSaysClose() throws Exception {
        router.cluster("noidle.test", new ClusterPolicy(1000, 2000, 0, 2, ClusterPolicy.RETRY_CONNECT), a.port());
        try (RawHttp c = new RawHttp(proxy.port())) {
            for (int i = 0; i < 3; i++) {
                c.send("GET /n" + i + " HTTP/1.1\r\nHost: noidle.test\r\n\r\n");
                RawHttp.Resp r = c.read();
                assertEquals(200, r.status());
                assertTrue(r.body().contains("connection=close"), r.body());
            }
            // the client's own connection stays open: only the backend leg is not kept
            c.send("GET /again HTTP/1.1\r\nHost: one.test\r\n\r\n");
            RawHttp.Resp r = c.read();
            assertTrue(r.body().contains("connection=null"), r.body());
        }
        assertEquals(4, proxy.stats.get(Key.BACKEND_CONN_NEW));
        assertEquals(0, proxy.stats.get(Key.BACKEND_CONN_REUSED));
    }

    @Test
    void http10ClientWithoutKeepAliveIsClosedAfterTheResponse() throws Exception {
        try (RawHttp c = new RawHttp(proxy.port())) {
            c.send("GET /old HTTP/1.0\r\nHost: one.test\r\n\r\n");
            RawHttp.Resp r = c.read();
            assertEquals(200, r.status());
            assertNotNull(r.header("content-length"));
            assertTrue(c.closedByPeer());
        }
    }

    @Test
    void stopLetsTheRequestInFlightFinishAndClosesIdleConnections() throws Exception {
        try (RawHttp idle = new RawHttp(proxy.port()); RawHttp busy = new RawHttp(proxy.port())) {
            idle.send("GET /i HTTP/1.1\r\nHost: one.test\r\n\r\n");
            assertEquals(200, idle.read().status());
            busy.send("GET /sleep?ms=800 HTTP/1.1\r\nHost: one.test\r\n\r\n");
            Thread.sleep(200);
            Thread stopper = new Thread(() -> proxy.server.stop(5000));
            stopper.start();
            RawHttp.Resp r = busy.read();
            assertEquals(200, r.status());
            assertEquals("close", r.header("Connection"));
            assertTrue(idle.closedByPeer());
            stopper.join(10_000);
        }
        assertTrue(proxy.server.openConnections() == 0);
    }

    @Test
    void connectionLimitRefusesExtraConnections() throws Exception {
        proxy.close();
        proxy = new TestProxy(router, "limits.max-connections = 1");
        try (RawHttp first = new RawHttp(proxy.port())) {
            first.send("GET / HTTP/1.1\r\nHost: one.test\r\n\r\n");
            assertEquals(200, first.read().status());
            try (RawHttp second = new RawHttp(proxy.port())) {
                assertTrue(second.closedByPeer());
            }
            first.send("GET / HTTP/1.1\r\nHost: one.test\r\n\r\n");
            assertEquals(200, first.read().status());
        }
        assertEquals(1, proxy.stats.get(Key.CONN_REFUSED_LIMIT));
        assertNull(null);
        assertFalse(proxy.stats.get(Key.CLIENT_CONN_SERVED) > 2);
    }
}
