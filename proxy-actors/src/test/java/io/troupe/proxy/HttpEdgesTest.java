package io.troupe.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.proxy.forward.ClusterPolicy;
import io.troupe.proxy.monitor.ProxyStats.Key;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** HTTP at the edges, each case through a raw socket to a real backend (RFC 9112, Go's net/http, BFE). */
class HttpEdgesTest {
    private TestBackend a;
    private TestRouter router;
    private TestProxy proxy;
    private int deadPort;

    @BeforeEach
    void setUp() throws Exception {
        a = new TestBackend("a");
        try (ServerSocket s = new ServerSocket(0)) {
            deadPort = s.getLocalPort(); // nothing listens there once closed
        }
        router = new TestRouter()
                .cluster("one.test", ClusterPolicy.DEFAULT, a.port())
                .cluster("dead.test", ClusterPolicy.DEFAULT, deadPort);
        proxy = new TestProxy(router, "limits { header-read-timeout = 5s, max-header-bytes = 4096 }");
    }

    @AfterEach
    void tearDown() {
        proxy.close();
        a.close();
    }

    /** Sends {@code raw} on a new connection and returns everything the server sends until it closes. */
    private String sendAndReadToClose(String raw) throws IOException {
        try (Socket s = new Socket("127.0.0.1", proxy.port())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(raw.getBytes(StandardCharsets.ISO_8859_1));
            return readToClose(s);
        }
    }

    /** Everything the server sends until it closes, as text. */
    private static String readToClose(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        in.transferTo(out);
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    @Test
    void http10ClientGetsACloseDelimitedBodyInsteadOfChunks() throws Exception {
        try (Socket s = new Socket("127.0.0.1", proxy.port())) {
            s.setSoTimeout(10_000);
            // the backend answers /big chunked; a 1.0 client must get the bytes and the end of the connection
            s.getOutputStream().write("GET /big?n=100000 HTTP/1.0\r\nHost: one.test\r\nConnection: keep-alive\r\n\r\n"
                    .getBytes(StandardCharsets.ISO_8859_1));
            String all = readToClose(s);
            int end = all.indexOf("\r\n\r\n");
            String head = all.substring(0, end).toLowerCase();
            assertTrue(head.startsWith("http/1.0 200"), head);
            assertFalse(head.contains("transfer-encoding"), head);
            assertTrue(head.contains("connection: close"), head);
            assertEquals(100_000, all.length() - end - 4, "body bytes");
        }
    }

    @Test
    void http10KeepAliveIsHonouredWhenTheLengthIsKnown() throws Exception {
        try (RawHttp c = new RawHttp(proxy.port())) {
            c.send("GET /one HTTP/1.0\r\nHost: one.test\r\nConnection: keep-alive\r\n\r\n");
            RawHttp.Resp r = c.read();
            assertEquals(200, r.status());
            assertEquals("keep-alive", r.header("Connection"));
            assertNotNull(r.header("Content-Length"));
            assertTrue(r.body().contains("uri=/one"), r.body());
            c.send("GET /two HTTP/1.0\r\nHost: one.test\r\n\r\n");
            r = c.read();
            assertEquals(200, r.status());
            assertTrue(r.body().contains("uri=/two"), r.body());
            // without keep-alive a 1.0 request is the connection's last
            assertEquals("close", r.header("Connection"));
            assertTrue(c.closedByPeer());
        }
    }

    @Test
    void missingOrRepeatedHostIsA400AndCloses() throws Exception {
        for (String req : new String[] {"GET / HTTP/1.1\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: one.test\r\nHost: other.test\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: one test\r\n\r\n"}) {
            try (RawHttp c = new RawHttp(proxy.port())) {
                c.send(req);
                RawHttp.Resp r = c.read();
                assertEquals(400, r.status(), req);
                assertEquals("close", r.header("Connection"));
                assertTrue(c.closedByPeer(), req);
            }
        }
        assertEquals(0, a.hits.get(), "nothing reached the backend");
    }

    @Test
    void absoluteFormRoutesByItsOwnHostAndTheBackendGetsOriginForm() throws Exception {
        try (RawHttp c = new RawHttp(proxy.port())) {
            c.send("GET http://one.test/abs?q=1 HTTP/1.1\r\nHost: elsewhere.test\r\n\r\n");
            RawHttp.Resp r = c.read();
            assertEquals(200, r.status());
            assertTrue(r.body().contains("uri=/abs?q=1 "), r.body());
            assertTrue(r.body().contains("host=one.test "), r.body());
            c.send("GET HTTP://one.test HTTP/1.1\r\nHost: one.test\r\n\r\n");
            r = c.read();
            assertEquals(200, r.status());
            assertTrue(r.body().contains("uri=/ "), r.body());
        }
    }

    @Test
    void aTransferCodingThatDoesNotEndInChunkedIs400AndItsBodyIsNeverReadAsARequest() throws Exception {
        // RFC 9112 §6.3: the body length cannot be known; read by another rule it smuggles the next request in
        for (String te : new String[] {"xchunked", "\"chunked\"", "", "chunked, gzip"}) {
            String all = sendAndReadToClose("POST /a HTTP/1.1\r\nHost: one.test\r\nTransfer-Encoding: " + te + "\r\n\r\n"
                    + "GET /SMUGGLED HTTP/1.1\r\nHost: one.test\r\n\r\n");
            assertTrue(all.startsWith("HTTP/1.1 400 "), te + ": " + all);
            assertFalse(all.contains("SMUGGLED"), te + ": " + all);
        }
        // chunked after a coding the proxy cannot undo: 501, as Go's server and nginx answer
        assertTrue(sendAndReadToClose("POST /a HTTP/1.1\r\nHost: one.test\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
                + "5\r\nhello\r\n0\r\n\r\n").startsWith("HTTP/1.1 501 "));
        assertEquals(0, a.hits.get(), "nothing reached the backend");
    }

    @Test
    void aMalformedChunkIs400AndClosesInsteadOfEndingTheBodyThere() throws Exception {
        for (String size : new String[] {"zz", "-5", "1ffffffffffffffff"}) {
            String all = sendAndReadToClose("POST /a HTTP/1.1\r\nHost: one.test\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + size + "\r\nhello\r\n0\r\n\r\nGET /next HTTP/1.1\r\nHost: one.test\r\n\r\n");
            // the backend never sees a complete request (its connection closes mid-body), the client a 400
            assertTrue(all.startsWith("HTTP/1.1 400 "), size + ": " + all);
            assertFalse(all.contains("uri=/"), size + ": " + all);
        }
    }

    @Test
    void aTargetNotInOriginFormOrWithAControlCharacterIs400() throws Exception {
        for (String target : new String[] {"a", "ftp://one.test/a", "/a\u007fb", "/a\u0001b", "http://one.test/a\u0001b"}) {
            assertTrue(sendAndReadToClose("GET " + target + " HTTP/1.1\r\nHost: one.test\r\n\r\n")
                    .startsWith("HTTP/1.1 400 "), target);
        }
        assertEquals(0, a.hits.get(), "nothing reached the backend");
    }

    @Test
    void aSwitchTheClientDidNotAskForIsA502AtOnce() throws Exception {
        // a backend that answers every request 101 and then keeps the connection: the proxy used to wait for a
        // final response until TimeoutResponseHeader
        try (ServerSocket backend = new ServerSocket(0, 50, java.net.InetAddress.getByName("127.0.0.1"))) {
            Thread t = new Thread(() -> {
                try (Socket c = backend.accept()) {
                    c.getInputStream().read(new byte[4096]);
                    c.getOutputStream().write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: Upgrade\r\n\r\n"
                            .getBytes(StandardCharsets.ISO_8859_1));
                    c.getInputStream().read(new byte[4096]); // until the proxy closes it
                } catch (IOException e) {
                    // the test's end closes the socket
                }
            });
            t.setDaemon(true);
            t.start();
            TestRouter r = new TestRouter().cluster("switch.test", ClusterPolicy.DEFAULT, backend.getLocalPort());
            try (TestProxy p = new TestProxy(r, "")) {
                try (RawHttp c = new RawHttp(p.port())) {
                    c.send("GET /s101 HTTP/1.1\r\nHost: switch.test\r\n\r\n");
                    assertEquals(502, c.read().status());
                }
            }
        }
    }

    @Test
    void connectionCannotNameHostAwayFromTheBackend() throws Exception {
        try (RawHttp c = new RawHttp(proxy.port())) {
            c.send("GET /a HTTP/1.1\r\nHost: one.test\r\nConnection: Host, X-Secret\r\nX-Secret: s\r\n\r\n");
            RawHttp.Resp r = c.read();
            assertEquals(200, r.status());
            assertTrue(r.body().contains("host=one.test ") && r.body().contains("secret=null "), r.body());
        }
    }

    @Test
    void unsupportedVersionIsA505() throws Exception {
        for (String v : new String[] {"HTTP/9.9", "HTTP/2.0", "HTTP/0.9"}) {
            try (RawHttp c = new RawHttp(proxy.port())) {
                c.send("GET / " + v + "\r\nHost: one.test\r\n\r\n");
                RawHttp.Resp r = c.read();
                assertEquals(505, r.status(), v);
                assertTrue(c.closedByPeer(), v);
            }
        }
        assertEquals(0, a.hits.get());
    }

    @Test
    void aVersionNotSpelledExactlyIsA400() throws Exception {
        for (String v : new String[] {"http/1.1", "Http/1.0", "HTTP/01.1", "HTTP/1.01"}) {
            String all = sendAndReadToClose("GET / " + v + "\r\nHost: one.test\r\n\r\n");
            assertTrue(all.startsWith("HTTP/1.1 400 ") || all.startsWith("HTTP/1.0 400 "), v + ": " + all);
        }
        assertEquals(0, a.hits.get());
    }

    @Test
    void everyResponseCarriesADateAndABackendsOwnIsKept() throws Exception {
        String own = "Mon, 01 Jan 2024 00:00:00 GMT";
        try (ServerSocket backend = new ServerSocket(0, 50, java.net.InetAddress.getByName("127.0.0.1"))) {
            Thread t = new Thread(() -> {
                for (String answer : new String[] {"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok",
                        "HTTP/1.1 200 OK\r\nDate: " + own + "\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"}) {
                    try (Socket c = backend.accept()) {
                        c.getInputStream().read(new byte[4096]);
                        c.getOutputStream().write(answer.getBytes(StandardCharsets.ISO_8859_1));
                    } catch (IOException e) {
                        return;
                    }
                }
            });
            t.setDaemon(true);
            t.start();
            router.cluster("dated.test", ClusterPolicy.DEFAULT, backend.getLocalPort());
            try (RawHttp c = new RawHttp(proxy.port())) {
                c.send("GET /no-date HTTP/1.1\r\nHost: dated.test\r\n\r\n");
                RawHttp.Resp r = c.read();
                assertEquals(200, r.status());
                java.time.ZonedDateTime date = java.time.ZonedDateTime.parse(r.header("Date"),
                        java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME);
                assertTrue(Math.abs(date.toEpochSecond() - System.currentTimeMillis() / 1000) < 60, r.header("Date"));
            }
            try (RawHttp c = new RawHttp(proxy.port())) {
                c.send("GET /own-date HTTP/1.1\r\nHost: dated.test\r\n\r\n");
                assertEquals(own, c.read().header("Date"));
            }
        }
        try (RawHttp c = new RawHttp(proxy.port())) { // the proxy's own answer
            c.send("GET / HTTP/1.1\r\n\r\n");
            RawHttp.Resp r = c.read();
            assertEquals(400, r.status());
            assertNotNull(r.header("Date"), r.headers().toString());
        }
    }

    @Test
    void connectIsA405() throws Exception {
        try (RawHttp c = new RawHttp(proxy.port())) {
            c.send("CONNECT one.test:443 HTTP/1.1\r\nHost: one.test:443\r\n\r\n");
            RawHttp.Resp r = c.read();
            assertEquals(405, r.status());
            assertNotNull(r.header("Allow"));
            assertTrue(c.closedByPeer());
        }
        assertEquals(0, a.hits.get());
    }

    @Test
    void routingAndProxyErrorsCloseTheConnection() throws Exception {
        try (RawHttp c = new RawHttp(proxy.port())) {
            c.send("GET / HTTP/1.1\r\nHost: unknown.test\r\n\r\n");
            RawHttp.Resp r = c.read();
            assertEquals(500, r.status());
            assertEquals("close", r.header("Connection"));
            assertTrue(c.closedByPeer());
        }
        try (RawHttp c = new RawHttp(proxy.port())) {
            c.send("GET / HTTP/1.1\r\nHost: dead.test\r\n\r\n");
            RawHttp.Resp r = c.read();
            assertTrue(r.status() == 502 || r.status() == 503, "status " + r.status());
            assertEquals("close", r.header("Connection"));
            assertTrue(c.closedByPeer());
        }
    }

    @Test
    void aHugeHeadInOneWriteGetsIts431RatherThanAReset() throws Exception {
        byte[] req = ("GET / HTTP/1.1\r\nHost: one.test\r\nX-Big: " + "a".repeat(64 * 1024) + "\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1);
        for (int i = 0; i < 5; i++) {
            try (Socket s = new Socket("127.0.0.1", proxy.port())) {
                s.setSoTimeout(10_000);
                OutputStream out = s.getOutputStream();
                out.write(req);
                out.flush();
                String all = readToClose(s);
                assertTrue(all.startsWith("HTTP/1.1 431 "), "round " + i + ": " + all);
            }
        }
        assertEquals(5, proxy.stats.get(Key.ERR_CLIENT_LONG_HEADER));
    }

    @Test
    void forwardedProtoIsTheClientsSchemeNotWhatAnUntrustedClientClaims() throws Exception {
        try (RawHttp c = new RawHttp(proxy.port())) {
            c.send("GET / HTTP/1.1\r\nHost: one.test\r\nX-Forwarded-Proto: https\r\n"
                    + "X-Forwarded-For: 10.0.0.1\r\nX-Forwarded-For: 10.0.0.2\r\n\r\n");
            RawHttp.Resp r = c.read();
            assertEquals(200, r.status());
            assertTrue(r.body().contains("xfproto=http\n"), r.body());
            assertTrue(r.body().contains("xff=10.0.0.1, 10.0.0.2, 127.0.0.1 "), r.body());
        }
    }
}
