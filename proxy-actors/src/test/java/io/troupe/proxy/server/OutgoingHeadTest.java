package io.troupe.proxy.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The head the backend gets: hop-by-hop headers out, X-Forwarded-* and X-Real-IP in, HTTP/1.1 framing. */
class OutgoingHeadTest {
    private static final InetSocketAddress PEER = new InetSocketAddress("192.0.2.7", 40000);
    private static final InetSocketAddress LOCAL = new InetSocketAddress("127.0.0.1", 8080);

    private static HttpRequest head(HttpVersion v) {
        HttpRequest r = new DefaultHttpRequest(v, HttpMethod.POST, "/x");
        r.headers().set(HttpHeaderNames.HOST, "api.example.org");
        return r;
    }

    @Test
    void plainRequestGetsTheForwardedHeadersAndHttp11() {
        SessionImpl s = new SessionImpl(PEER, LOCAL, false);
        HttpRequest r = head(HttpVersion.HTTP_1_0);
        r.headers().set(HttpHeaderNames.CONNECTION, "keep-alive, X-Drop");
        r.headers().set("X-Drop", "1");
        r.headers().set("Keep-Alive", "timeout=5");
        OutgoingHead.prepare(r, false, false, false, s, "192.0.2.7", PEER);
        assertEquals(HttpVersion.HTTP_1_1, r.protocolVersion());
        assertEquals("192.0.2.7", r.headers().get("X-Forwarded-For"));
        assertEquals("http", r.headers().get("X-Forwarded-Proto"));
        assertEquals("192.0.2.7", r.headers().get("X-Real-IP"));
        assertNull(r.headers().get(HttpHeaderNames.CONNECTION));
        assertNull(r.headers().get("X-Drop"), "a header named in Connection is hop-by-hop");
        assertNull(r.headers().get("Keep-Alive"));
        assertFalse(HttpUtil.isTransferEncodingChunked(r), "no body, no chunking");
    }

    @Test
    void earlierForwardedForLinesAreFoldedAndThePeerAppended() {
        SessionImpl s = new SessionImpl(PEER, LOCAL, true);
        HttpRequest r = head(HttpVersion.HTTP_1_1);
        r.headers().add("X-Forwarded-For", "10.0.0.1");
        r.headers().add("X-Forwarded-For", "10.0.0.2, 10.0.0.3");
        r.headers().set("X-Forwarded-Proto", "http");
        OutgoingHead.prepare(r, false, false, false, s, "192.0.2.7", PEER);
        assertEquals(List.of("10.0.0.1, 10.0.0.2, 10.0.0.3, 192.0.2.7"), r.headers().getAll("X-Forwarded-For"));
        assertEquals("https", r.headers().get("X-Forwarded-Proto"), "an untrusted client cannot name its scheme");
    }

    @Test
    void aTrustedSourceKeepsItsSchemeAndReportsTheClient() {
        SessionImpl s = new SessionImpl(PEER, LOCAL, false);
        s.setTrustedSource(true);
        HttpRequest r = head(HttpVersion.HTTP_1_1);
        r.headers().set("X-Forwarded-Proto", "https");
        OutgoingHead.prepare(r, false, false, false, s, "192.0.2.7", new InetSocketAddress("198.51.100.9", 0));
        assertEquals("https", r.headers().get("X-Forwarded-Proto"));
        assertEquals("198.51.100.9", r.headers().get("X-Real-IP"));
        assertEquals("192.0.2.7", r.headers().get("X-Forwarded-For"));
    }

    @Test
    void aBodyWithoutLengthIsChunkedAndOneWithALengthIsNot() {
        SessionImpl s = new SessionImpl(PEER, LOCAL, false);
        HttpRequest chunked = head(HttpVersion.HTTP_1_1);
        OutgoingHead.prepare(chunked, false, false, true, s, "192.0.2.7", null);
        assertTrue(HttpUtil.isTransferEncodingChunked(chunked));
        assertEquals("192.0.2.7", chunked.headers().get("X-Real-IP"), "no reported client: the peer");
        HttpRequest sized = head(HttpVersion.HTTP_1_1);
        sized.headers().set(HttpHeaderNames.CONTENT_LENGTH, 5);
        OutgoingHead.prepare(sized, false, false, true, s, "192.0.2.7", PEER);
        assertFalse(HttpUtil.isTransferEncodingChunked(sized));
        assertEquals("5", sized.headers().get(HttpHeaderNames.CONTENT_LENGTH));
    }

    @Test
    void http2ConversionHeadersAreDroppedAndAnUpgradeKeepsItsHeaders() {
        SessionImpl s = new SessionImpl(PEER, LOCAL, true);
        HttpRequest h2 = head(HttpVersion.HTTP_1_1);
        h2.headers().set("x-http2-stream-id", "3");
        h2.headers().set("X-HTTP2-Scheme", "https");
        h2.headers().set("x-http2-keep", "no");
        h2.headers().set("x-http3", "kept");
        OutgoingHead.prepare(h2, false, true, false, s, "192.0.2.7", PEER);
        assertFalse(h2.headers().names().stream().anyMatch(n -> n.toLowerCase().startsWith("x-http2-")));
        assertEquals("kept", h2.headers().get("x-http3"));

        HttpRequest ws = head(HttpVersion.HTTP_1_1);
        ws.headers().set(HttpHeaderNames.CONNECTION, "Upgrade");
        ws.headers().set(HttpHeaderNames.UPGRADE, "websocket");
        OutgoingHead.prepare(ws, true, false, false, s, "192.0.2.7", PEER);
        assertEquals("websocket", ws.headers().get(HttpHeaderNames.UPGRADE));
        assertTrue("upgrade".equalsIgnoreCase(ws.headers().get(HttpHeaderNames.CONNECTION)));
    }
}
