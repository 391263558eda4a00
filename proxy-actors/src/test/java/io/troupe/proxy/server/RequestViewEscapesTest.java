package io.troupe.proxy.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Malformed %-escapes from a client (found by HttpHeadFuzzTest) give values, not exceptions in a module. */
class RequestViewEscapesTest {
    private static RequestView view(String uri) {
        InetSocketAddress a = new InetSocketAddress("127.0.0.1", 1);
        return new RequestView(new SessionImpl(a, a, false),
                new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, uri), false);
    }

    @Test
    void undecodableQueryPairsAreDroppedAsGoDoes() {
        RequestView req = view("/a/b?x=1&y4=%1&z=%41+b&bad%zz=2");
        assertEquals(Map.of("x", List.of("1"), "z", List.of("A b")), req.queryParams());
        assertEquals("x=1&y4=%1&z=%41+b&bad%zz=2", req.rawQuery());
    }

    @Test
    void undecodablePathIsTheRawPath() {
        assertEquals("/a%zz/b", view("/a%zz/b?q=1").path());
        assertEquals("/a b", view("/a%20b").path());
    }
}
