package io.troupe.proxy.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import io.troupe.api.proxy.HeaderName;
import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The views look headers up by a {@link HeaderName} as by its text: case-insensitively, through the Netty
 * {@link AsciiString} the name keeps after its first use; a name with non-ASCII characters as its {@code String}.
 */
class HeaderNameViewTest {
    private static RequestView view() {
        InetSocketAddress a = new InetSocketAddress("127.0.0.1", 1);
        DefaultHttpRequest head = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/");
        head.headers().add("x-block-TOKEN", "bad-1").add("X-Block-Token", "bad-2");
        return new RequestView(new SessionImpl(a, a, false), head, false);
    }

    @Test
    void requestHeadersByNameMatchAsByText() {
        RequestView r = view();
        HeaderName token = HeaderName.of("X-BLOCK-token");
        assertEquals("bad-1", r.header(token));
        assertEquals(r.header("X-BLOCK-token"), r.header(token));
        assertEquals(List.of("bad-1", "bad-2"), r.headers(token));
        // the second lookup goes through the AsciiString kept by the name
        AsciiString kept = token.as(AsciiString.class, s -> AsciiString.of("other"));
        assertEquals("X-BLOCK-token", kept.toString());
        assertSame(kept, RequestView.nettyName(token));
        assertNull(r.header(HeaderName.of("X-Block-Tokens")));

        HeaderName via = HeaderName.of("X-Bench-Via");
        r.setHeader(via, "a");
        r.addHeader(via, "b");
        assertEquals(List.of("a", "b"), r.headers("x-bench-via"));
        r.setHeader(via, "c");
        assertEquals(List.of("c"), r.headers("X-BENCH-VIA"));
        r.removeHeader(HeaderName.of("x-block-token"));
        assertNull(r.header("X-Block-Token"));
        // Netty refuses a bad name whichever way it comes
        assertThrows(IllegalArgumentException.class, () -> r.setHeader(HeaderName.of("bad name"), "v"));
    }

    @Test
    void aNonAsciiNameIsLookedUpAsItsText() {
        RequestView r = view();
        HeaderName umlaut = HeaderName.of("X-Block-Tok\u00e9n");
        // not turned into an AsciiString, which would keep one byte of each character
        assertSame(umlaut, RequestView.nettyName(umlaut));
        assertEquals(r.header("X-Block-Tok\u00e9n"), r.header(umlaut));
        assertNull(r.header(umlaut));
        assertThrows(IllegalArgumentException.class, () -> r.setHeader(umlaut, "v"));
    }

    @Test
    void responseHeadersByName() {
        DefaultHttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers().add("content-length", "12");
        ResponseView res = new ResponseView(head);
        HeaderName cl = HeaderName.of("Content-Length");
        assertEquals("12", res.header(cl));
        assertEquals(List.of("12"), res.headers(cl));
        HeaderName by = HeaderName.of("X-Proxied-By");
        res.setHeader(by, "troupe");
        res.addHeader(by, "again");
        assertEquals(List.of("troupe", "again"), head.headers().getAll("x-proxied-by"));
        res.removeHeader(by);
        assertNull(res.header("X-Proxied-By"));
    }
}
