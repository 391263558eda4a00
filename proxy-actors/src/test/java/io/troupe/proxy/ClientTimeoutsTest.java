package io.troupe.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.proxy.forward.ClusterPolicy;
import io.troupe.proxy.monitor.ProxyStats.Key;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * ClusterBasic client timeouts, applied per cluster once the request's cluster is known (as BFE):
 * TimeoutReadClient (request body), TimeoutWriteClient (response) and TimeoutReadClientAgain (keep-alive).
 * Clusters "short.test" use 300 ms for each; "one.test" keeps BFE's defaults (30 s, 60 s, 60 s).
 */
class ClientTimeoutsTest {
    private TestBackend backend;
    private TestRouter router;
    private TestProxy proxy;

    @BeforeEach
    void setUp() throws Exception {
        backend = new TestBackend("a");
        router = new TestRouter()
                .cluster("one.test", ClusterPolicy.DEFAULT, backend.port())
                .cluster("short.test", new ClusterPolicy(1000, 60_000, 2, 2, ClusterPolicy.RETRY_CONNECT,
                        300, 300, 300), backend.port());
        // listener-wide limits stay long: only the cluster's values can explain a close within a second
        proxy = new TestProxy(router, "limits { header-read-timeout = 30s, keepalive-timeout = 60s }");
    }

    @AfterEach
    void tearDown() throws Exception {
        long deadline = System.currentTimeMillis() + 3000;
        while (proxy.stats.get(Key.CLIENT_REQ_ACTIVE) != 0 && System.currentTimeMillis() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(0, proxy.stats.get(Key.CLIENT_REQ_ACTIVE), "requests still counted active");
        proxy.close();
        backend.close();
    }

    private static String post(String host) {
        return "POST /up HTTP/1.1\r\nHost: " + host + "\r\nContent-Length: 20\r\n\r\n0123456789";
    }

    @Test
    void aBodyNotSentWithinTheClustersTimeoutReadClientClosesTheConnection() throws Exception {
        try (RawHttp slow = new RawHttp(proxy.port()); RawHttp normal = new RawHttp(proxy.port())) {
            slow.socket.setSoTimeout(3000);
            normal.socket.setSoTimeout(1000);
            slow.send(post("short.test"));
            normal.send(post("one.test"));
            assertTrue(slow.closedByPeer(), "half a body to short.test: not closed after 300 ms");
            assertFalse(normal.closedByPeer(), "half a body to one.test (30 s): closed too early");
            normal.send("abcdefghij");
            normal.socket.setSoTimeout(10_000);
            RawHttp.Resp r = normal.read();
            assertEquals(200, r.status());
            assertTrue(r.body().contains("bytes=20"), r.body());
        }
        assertEquals(1, proxy.stats.get(Key.ERR_CLIENT_TIMEOUT));
    }

    @Test
    void anIdleKeepAliveConnectionIsClosedAfterTheClustersTimeoutReadClientAgain() throws Exception {
        try (RawHttp shortIdle = new RawHttp(proxy.port()); RawHttp longIdle = new RawHttp(proxy.port())) {
            shortIdle.send("GET /1 HTTP/1.1\r\nHost: short.test\r\n\r\n");
            longIdle.send("GET /1 HTTP/1.1\r\nHost: one.test\r\n\r\n");
            assertEquals(200, shortIdle.read().status());
            assertEquals(200, longIdle.read().status());
            shortIdle.socket.setSoTimeout(3000);
            longIdle.socket.setSoTimeout(1000);
            assertTrue(shortIdle.closedByPeer(), "idle after a short.test request: not closed after 300 ms");
            assertFalse(longIdle.closedByPeer(), "idle after a one.test request (60 s): closed too early");
            longIdle.socket.setSoTimeout(10_000);
            longIdle.send("GET /2 HTTP/1.1\r\nHost: one.test\r\n\r\n");
            assertEquals(200, longIdle.read().status());
        }
        // an idle keep-alive close is not an error
        assertEquals(0, proxy.stats.get(Key.ERR_CLIENT_TIMEOUT));
    }

    @Test
    void aBackendThatStallsMidBodyIsCutAtTheClustersTimeoutWriteClient() throws Exception {
        // the head and half the body, then nothing: BFE cancels the request at TimeoutWriteClient
        try (java.net.ServerSocket stalling = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            Thread t = new Thread(() -> {
                try (java.net.Socket s = stalling.accept()) {
                    s.getInputStream().read(new byte[4096]);
                    s.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n01234"
                            .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
                    s.getInputStream().read(new byte[4096]); // until the proxy closes it
                } catch (java.io.IOException e) {
                    // closed by the test
                }
            });
            t.setDaemon(true);
            t.start();
            router.cluster("stall.test", new ClusterPolicy(1000, 60_000, 2, 2, ClusterPolicy.RETRY_CONNECT,
                    30_000, 300, 60_000), stalling.getLocalPort());
            try (RawHttp c = new RawHttp(proxy.port())) {
                c.socket.setSoTimeout(5000);
                long start = System.nanoTime();
                c.send("GET /stall HTTP/1.1\r\nHost: stall.test\r\n\r\n");
                try { // the head and the half body come, then the close
                    c.socket.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
                } catch (java.net.SocketTimeoutException e) {
                    throw new AssertionError("a stalled backend held the client past TimeoutWriteClient", e);
                }
                assertTrue(System.nanoTime() - start < 4_000_000_000L, "closed, but not near the 300 ms deadline");
            }
        }
        assertEquals(1, proxy.stats.get(Key.ERR_CLIENT_TIMEOUT));
    }

    @Test
    void aResponseNotTakenWithinTheClustersTimeoutWriteClientClosesTheConnection() throws Exception {
        try (RawHttp stalled = new RawHttp(proxy.port())) {
            // 64 MiB that the client never reads: the proxy cannot finish writing within 300 ms
            stalled.send("GET /big?n=67108864 HTTP/1.1\r\nHost: short.test\r\n\r\n");
            long deadline = System.currentTimeMillis() + 5000;
            while (proxy.stats.get(Key.ERR_CLIENT_TIMEOUT) == 0 && System.currentTimeMillis() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(1, proxy.stats.get(Key.ERR_CLIENT_TIMEOUT), "stalled reader not cut after 300 ms");
        }
        // the node keeps serving
        try (RawHttp next = new RawHttp(proxy.port())) {
            next.send("GET /after HTTP/1.1\r\nHost: short.test\r\n\r\n");
            assertEquals(200, next.read().status());
        }
    }
}
