package io.troupe.proxy.modules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.api.condition.Condition;
import io.troupe.api.condition.Conditions;
import io.troupe.api.proxy.CallbackPoint;
import io.troupe.api.proxy.FilterResult;
import io.troupe.api.proxy.Request;
import io.troupe.api.proxy.RequestFilter;
import io.troupe.api.proxy.ReturnCode;
import io.troupe.api.proxy.SessionFilter;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.troupe.proxy.RawHttp;
import io.troupe.proxy.server.RequestView;
import io.troupe.proxy.chain.ModuleFilters;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The request SPI through a real proxy: URI/path/query rewrites, the client IP, and buffered bodies. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RequestSpiTest {
    private ModuleHarness h;
    private final Map<String, Object> seen = new ConcurrentHashMap<>();

    @BeforeEach
    void clear() {
        seen.clear();
    }

    @BeforeAll
    void setUp() throws Exception {
        h = new ModuleHarness(List.of("mod_spi"), "limits.header-read-timeout = 1s");
        Condition cipIsTen = Conditions.build("req_cip_range(\"10.0.0.0\", \"10.255.255.255\")");
        Condition pathIsNew = Conditions.build("req_path_in(\"/new/place\", false)");
        ModuleFilters f = new ModuleFilters("mod_spi");
        f.addFilter(CallbackPoint.ACCEPT, (SessionFilter) s -> {
            s.setTrustedSource(true);
            return ReturnCode.GO_ON;
        });
        f.bufferRequestBody(16);
        f.addFilter(CallbackPoint.BEFORE_LOCATION, (RequestFilter) r -> {
            seen.put("cip", String.valueOf(r.clientAddress()));
            seen.put("cipCond", cipIsTen.match(r));
            String cmd = r.header("X-Cmd");
            if ("path".equals(cmd)) {
                r.setPath("/new/place");
                seen.put("pathCond", pathIsNew.match(r));
                seen.put("query", r.rawQuery());
            } else if ("query".equals(cmd)) {
                r.setRawQuery("a=1&b=2");
                seen.put("params", r.queryParams().toString());
            } else if ("uri".equals(cmd)) {
                r.setUri("/other?z=9");
            } else if ("space".equals(cmd)) {
                r.setPath("/with space/ü");
            } else if ("body".equals(cmd)) {
                String b = new String(r.body(), StandardCharsets.UTF_8);
                r.setBody(("[" + b.toUpperCase() + "]").getBytes(StandardCharsets.UTF_8));
            } else if ("give".equals(cmd)) {
                r.setBody("given".getBytes(StandardCharsets.UTF_8));
            } else if ("noip".equals(cmd)) {
                r.setClientAddress(new InetSocketAddress("192.0.2.7", 1234));
                seen.put("cipCond", cipIsTen.match(r));
            }
            return FilterResult.GO_ON;
        });
        h.register(f);
    }

    @AfterAll
    void tearDown() {
        h.close();
    }

    private RawHttp.Resp get(String target, String headers) throws Exception {
        try (RawHttp c = new RawHttp(h.port())) {
            return c.send("GET " + target + " HTTP/1.1\r\nHost: a.test\r\n" + headers + "\r\n").read();
        }
    }

    @Test
    void setPathKeepsQueryAndLaterConditionsSeeIt() throws Exception {
        RawHttp.Resp r = get("/old?x=1", "X-Cmd: path\r\n");
        assertEquals(200, r.status());
        assertEquals("GET /new/place?x=1", EchoBackend.line(r.body()));
        assertEquals(true, seen.get("pathCond"));
        assertEquals("x=1", seen.get("query"));
    }

    @Test
    void setRawQueryKeepsPath() throws Exception {
        RawHttp.Resp r = get("/p/q?old=1", "X-Cmd: query\r\n");
        assertEquals("GET /p/q?a=1&b=2", EchoBackend.line(r.body()));
        assertEquals("{a=[1], b=[2]}", seen.get("params"));
    }

    @Test
    void setUriReplacesTheRequestLine() throws Exception {
        RawHttp.Resp r = get("/x", "X-Cmd: uri\r\n");
        assertEquals("GET /other?z=9", EchoBackend.line(r.body()));
    }

    @Test
    void setPathEncodesWhatThePathCannotHold() throws Exception {
        RawHttp.Resp r = get("/x", "X-Cmd: space\r\n");
        assertEquals("GET /with%20space/%C3%BC", EchoBackend.line(r.body()));
    }

    @Test
    void trustedConnectionTakesClientIpFromXRealIp() throws Exception {
        RawHttp.Resp r = get("/x", "X-Real-Ip: 10.1.2.3\r\nX-Real-Port: 4567\r\n");
        assertEquals(200, r.status());
        assertTrue(((String) seen.get("cip")).contains("10.1.2.3:4567"), String.valueOf(seen.get("cip")));
        assertEquals(true, seen.get("cipCond"));
        assertEquals("10.1.2.3", EchoBackend.seen(r.body(), "x-real-ip"));
    }

    @Test
    void trustedConnectionFallsBackToFirstForwardedFor() throws Exception {
        get("/x", "X-Forwarded-For: 10.9.9.9, 127.0.0.1\r\n");
        assertTrue(((String) seen.get("cip")).contains("10.9.9.9"), String.valueOf(seen.get("cip")));
    }

    @Test
    void trustedConnectionWithoutAddressHeadersHasNoClientIp() throws Exception {
        get("/x", "");
        assertEquals("null", seen.get("cip"));
        assertEquals(false, seen.get("cipCond"));
    }

    @Test
    void setClientAddressChangesWhatConditionsSee() throws Exception {
        get("/x", "X-Real-Ip: 10.1.2.3\r\nX-Cmd: noip\r\n");
        assertEquals(false, seen.get("cipCond"));
    }

    @Test
    void bufferedBodyIsReadAndReplaced() throws Exception {
        try (RawHttp c = new RawHttp(h.port())) {
            RawHttp.Resp r = c.send("POST /b HTTP/1.1\r\nHost: a.test\r\nX-Cmd: body\r\nContent-Length: 5\r\n\r\nhello").read();
            assertEquals("[HELLO]", EchoBackend.body(r.body()));
            assertEquals("7", EchoBackend.seen(r.body(), "content-length"));
            // the connection stays usable for the next request
            RawHttp.Resp r2 = c.send("POST /b HTTP/1.1\r\nHost: a.test\r\nX-Cmd: body\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n").read();
            assertEquals("[ABCDE]", EchoBackend.body(r2.body()));
        }
    }

    @Test
    void bodilessRequestsPassAndCanBeGivenABody() throws Exception {
        try (RawHttp c = new RawHttp(h.port())) {
            RawHttp.Resp r = c.send("GET /g HTTP/1.1\r\nHost: a.test\r\n\r\n").read();
            assertEquals("", EchoBackend.body(r.body()));
            assertNull(EchoBackend.seen(r.body(), "content-length"));
            RawHttp.Resp given = c.send("GET /g HTTP/1.1\r\nHost: a.test\r\nX-Cmd: give\r\n\r\n").read();
            assertEquals("given", EchoBackend.body(given.body()));
            // the connection and the backend leg stay in step afterwards
            RawHttp.Resp after = c.send("POST /g HTTP/1.1\r\nHost: a.test\r\nContent-Length: 2\r\nX-Cmd: body\r\n\r\nok").read();
            assertEquals("[OK]", EchoBackend.body(after.body()));
        }
    }

    @Test
    void bufferedBodyOverHttp2() throws Exception {
        HttpClient c = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
        URI base = URI.create("http://127.0.0.1:" + h.port());
        // the first request upgrades the connection to h2c
        assertEquals(200, c.send(HttpRequest.newBuilder(base.resolve("/up")).build(), HttpResponse.BodyHandlers.ofString()).statusCode());
        HttpResponse<String> r = c.send(HttpRequest.newBuilder(base.resolve("/b")).header("X-Cmd", "body")
                .POST(HttpRequest.BodyPublishers.ofString("h2 body")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(HttpClient.Version.HTTP_2, r.version());
        assertEquals("[H2 BODY]", EchoBackend.body(r.body()));
        HttpResponse<String> big = c.send(HttpRequest.newBuilder(base.resolve("/b"))
                .POST(HttpRequest.BodyPublishers.ofString("x".repeat(100))).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(413, big.statusCode());
    }

    @Test
    void bodyOverTheLimitIs413() throws Exception {
        try (RawHttp c = new RawHttp(h.port())) {
            RawHttp.Resp r = c.send("POST /b HTTP/1.1\r\nHost: a.test\r\nContent-Length: 17\r\n\r\n12345678901234567").read();
            assertEquals(413, r.status());
            assertTrue(r.body().contains("16 bytes"), r.body());
        }
        try (RawHttp c = new RawHttp(h.port())) {
            // chunked: the limit is found while reading
            RawHttp.Resp r = c.send("POST /b HTTP/1.1\r\nHost: a.test\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "a\r\n0123456789\r\na\r\n0123456789\r\n0\r\n\r\n").read();
            assertEquals(413, r.status());
        }
    }

    @Test
    void bodyThatNeverCompletesClosesTheConnection() throws Exception {
        try (RawHttp c = new RawHttp(h.port())) {
            c.send("POST /b HTTP/1.1\r\nHost: a.test\r\nContent-Length: 10\r\n\r\nabc");
            long start = System.nanoTime();
            assertTrue(c.closedByPeer());
            assertTrue(System.nanoTime() - start < 8_000_000_000L, "closed by the 1 s limit, not the socket timeout");
        }
    }

    @Test
    void badArgumentsAreRejected() {
        Request r = new RequestView(null, new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/a?b=1"), false);
        assertThrows(IllegalArgumentException.class, () -> r.setUri("/a b"));
        assertThrows(IllegalArgumentException.class, () -> r.setUri(""));
        assertThrows(IllegalArgumentException.class, () -> r.setPath("relative"));
        assertNull(r.body());
        assertThrows(IllegalStateException.class, () -> r.setBody(new byte[1]));
        r.setRawQuery("");
        assertEquals("/a", r.uri());
        ModuleFilters f = new ModuleFilters("m");
        assertThrows(IllegalArgumentException.class, () -> f.bufferRequestBody(0));
    }

    @Test
    void queryParamsAndTagsAreReadOnlyViewsThatFollowTheSetters() {
        RequestView r = new RequestView(null, new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/a?b=1"), false);
        assertEquals(Map.of("b", List.of("1")), r.queryParams());
        assertThrows(UnsupportedOperationException.class, () -> r.queryParams().put("c", List.of("2")));
        assertThrows(UnsupportedOperationException.class, () -> r.queryParams().get("b").add("2"));
        assertEquals(0, r.changes());
        r.setRawQuery("b=3&c=4");
        assertEquals(Map.of("b", List.of("3"), "c", List.of("4")), r.queryParams());

        r.addTag("t", "x");
        List<String> before = r.tags().get("t");
        assertThrows(UnsupportedOperationException.class, () -> r.tags().get("t").add("y"));
        assertThrows(UnsupportedOperationException.class, () -> r.tags().clear());
        r.addTag("t", "y");
        assertEquals(List.of("x", "y"), r.tags().get("t"));
        assertEquals(List.of("x"), before, "a list handed out earlier does not change under its reader");
        assertEquals(3, r.changes(), "the query and the two tags");
        r.setContext("flag", Boolean.TRUE);
        assertEquals(3, r.changes(), "only a string context value can change a route");
        r.setContext("flag", "on");
        assertEquals(4, r.changes());
    }
}
