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
        h = new ModuleHarness(List.of("mod_spi"));
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
}
