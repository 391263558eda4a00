package io.troupe.proxy.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.api.proxy.CallbackPoint;
import io.troupe.api.proxy.FilterResult;
import io.troupe.api.proxy.RequestFilter;
import io.troupe.api.proxy.Response;
import io.troupe.proxy.RawHttp;
import io.troupe.proxy.chain.ModuleFilters;
import io.troupe.proxy.modules.EchoBackend;
import io.troupe.proxy.modules.ModuleHarness;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * {@code Expect: 100-continue} through a raw socket: {@code 100 Continue} only once the proxy is about to read the
 * body, never before a refusal (413, a filter's answer), which closes the connection as Go's net/http does.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ExpectContinueTest {
    /** A module that buffers bodies of up to 16 bytes, so a larger Content-Length is a 413. */
    private ModuleHarness buffering;
    /** Bodies stream; a filter refuses requests carrying X-Deny. */
    private ModuleHarness streaming;

    @BeforeAll
    void setUp() throws Exception {
        buffering = new ModuleHarness(List.of("mod_buf"));
        ModuleFilters b = new ModuleFilters("mod_buf");
        b.bufferRequestBody(16);
        buffering.register(b);
        streaming = new ModuleHarness(List.of("mod_deny"));
        ModuleFilters d = new ModuleFilters("mod_deny");
        d.addFilter(CallbackPoint.BEFORE_LOCATION, (RequestFilter) r ->
                r.header("X-Deny") != null ? FilterResult.respond(Response.of(403, "denied\n")) : FilterResult.GO_ON);
        streaming.register(d);
    }

    @AfterAll
    void tearDown() {
        buffering.close();
        streaming.close();
    }

    private static String expectHead(int length, String extra) {
        return "POST /up HTTP/1.1\r\nHost: a.test\r\nContent-Length: " + length + "\r\nExpect: 100-continue\r\n" + extra + "\r\n";
    }

    @Test
    void bodyOverTheLimitGets413AtOnceWithoutContinueAndTheConnectionCloses() throws Exception {
        try (RawHttp c = new RawHttp(buffering.port())) {
            RawHttp.Resp r = c.send(expectHead(1_000_000, "")).read();
            assertEquals(413, r.status(), "the first thing the client reads is the refusal, not 100 Continue");
            assertEquals("close", r.header("Connection"));
            assertTrue(r.body().contains("16 bytes"), r.body());
            assertTrue(c.closedByPeer(), "the unread body makes the connection unusable");
        }
    }

    @Test
    void acceptableBodyGetsContinueAndIsProxied() throws Exception {
        for (ModuleHarness h : List.of(buffering, streaming)) {
            try (RawHttp c = new RawHttp(h.port())) {
                RawHttp.Resp cont = c.send(expectHead(5, "")).read();
                assertEquals(100, cont.status());
                RawHttp.Resp r = c.send("hello").read();
                assertEquals(200, r.status());
                assertEquals("hello", EchoBackend.body(r.body()));
                assertNull(EchoBackend.seen(r.body(), "expect"), "the proxy answered the expectation; the backend never sees it");
                // the connection goes on
                RawHttp.Resp next = c.send("GET /next HTTP/1.1\r\nHost: a.test\r\n\r\n").read();
                assertEquals(200, next.status());
            }
        }
    }

    @Test
    void aChunkedBodyGetsContinueToo() throws Exception {
        try (RawHttp c = new RawHttp(streaming.port())) {
            RawHttp.Resp cont = c.send("POST /up HTTP/1.1\r\nHost: a.test\r\nTransfer-Encoding: chunked\r\n"
                    + "Expect: 100-Continue\r\n\r\n").read();
            assertEquals(100, cont.status());
            RawHttp.Resp r = c.send("3\r\nabc\r\n0\r\n\r\n").read();
            assertEquals(200, r.status());
            assertEquals("abc", EchoBackend.body(r.body()));
        }
    }

    @Test
    void aFilterRefusalComesWithoutContinueAndCloses() throws Exception {
        try (RawHttp c = new RawHttp(streaming.port())) {
            RawHttp.Resp r = c.send(expectHead(100, "X-Deny: 1\r\n")).read();
            assertEquals(403, r.status());
            assertEquals("close", r.header("Connection"));
            assertTrue(c.closedByPeer());
        }
    }

    @Test
    void anUnknownExpectationIs417() throws Exception {
        try (RawHttp c = new RawHttp(streaming.port())) {
            RawHttp.Resp r = c.send("POST /up HTTP/1.1\r\nHost: a.test\r\nContent-Length: 3\r\nExpect: 200-ok\r\n\r\n").read();
            assertEquals(417, r.status());
            assertTrue(c.closedByPeer());
        }
    }

    @Test
    void overHttp2TheStreamGetsContinueToo() throws Exception {
        java.net.http.HttpClient c = java.net.http.HttpClient.newBuilder().version(java.net.http.HttpClient.Version.HTTP_2)
                .connectTimeout(java.time.Duration.ofSeconds(5)).build();
        java.net.URI base = java.net.URI.create("http://127.0.0.1:" + streaming.port());
        // the first request upgrades the connection to h2c
        assertEquals(200, c.send(java.net.http.HttpRequest.newBuilder(base.resolve("/up")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString()).statusCode());
        // without the 100 Continue the client never sends its body and times out
        java.net.http.HttpResponse<String> r = c.send(java.net.http.HttpRequest.newBuilder(base.resolve("/h2"))
                        .expectContinue(true).timeout(java.time.Duration.ofSeconds(10))
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString("h2 body")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(java.net.http.HttpClient.Version.HTTP_2, r.version());
        assertEquals(200, r.statusCode());
        assertEquals("h2 body", EchoBackend.body(r.body()));
        assertNull(EchoBackend.seen(r.body(), "expect"));
    }

    @Test
    void anHttp10ExpectationIsIgnored() throws Exception {
        try (RawHttp c = new RawHttp(streaming.port())) {
            // RFC 9110 §10.1.1: no 100 for a 1.0 client; it sends its body at once
            RawHttp.Resp r = c.send("POST /up HTTP/1.0\r\nHost: a.test\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\nxyz").read();
            assertEquals(200, r.status());
            assertEquals("xyz", EchoBackend.body(r.body()));
        }
    }
}
