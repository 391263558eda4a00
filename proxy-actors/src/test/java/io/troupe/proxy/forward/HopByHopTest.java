package io.troupe.proxy.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.List;
import org.junit.jupiter.api.Test;

class HopByHopTest {

    private static HttpHeaders headers(String... nameValue) {
        HttpHeaders h = new DefaultHttpHeaders();
        for (int i = 0; i < nameValue.length; i += 2) {
            h.add(nameValue[i], nameValue[i + 1]);
        }
        return h;
    }

    @Test
    void fixedHopByHopHeadersAndPlainConnectionTokensGo() {
        HttpHeaders h = headers("Connection", "keep-alive", "Keep-Alive", "timeout=5", "TE", "trailers",
                "Transfer-Encoding", "chunked", "Proxy-Connection", "close", "X-Kept", "1");
        HopByHop.strip(h, false);
        assertEquals(List.of("X-Kept"), h.names().stream().toList());
    }

    @Test
    void headersTheConnectionHeaderNamesGoInAnyCaseAndSpacing() {
        HttpHeaders h = headers("Connection", "Close ,X-Hop-A,,  x-hop-b", "Connection", "KEEP-ALIVE, X-Hop-C",
                "X-Hop-A", "a", "X-Hop-B", "b", "X-Hop-C", "c", "X-Kept", "1", "Close", "not a hop header name");
        HopByHop.strip(h, false);
        assertFalse(h.contains("X-Hop-A"));
        assertFalse(h.contains("X-Hop-B"));
        assertFalse(h.contains("X-Hop-C"));
        assertFalse(h.contains("Connection"));
        // "close" and "keep-alive" are options, not header names
        assertTrue(h.contains("Close"));
        assertTrue(h.contains("X-Kept"));
    }

    @Test
    void upgradeIsKeptForAWebSocketHandshake() {
        HttpHeaders h = headers("Connection", "Upgrade, X-Hop", "Upgrade", "websocket", "X-Hop", "1");
        HopByHop.strip(h, true);
        assertEquals("websocket", h.get("Upgrade"));
        assertEquals("upgrade", h.get("Connection"));
        assertFalse(h.contains("X-Hop"));
    }
}
