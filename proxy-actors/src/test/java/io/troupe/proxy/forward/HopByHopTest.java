package io.troupe.proxy.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

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

    @Test
    void aMessageWithoutHopByHopHeadersIsLeftAsItIs() {
        HttpHeaders h = headers("Host", "a", "X-Connection", "close", "Tee", "1", "Connectiom", "x", "Trailers", "y",
                "Upgrade-Insecure-Requests", "1");
        String before = h.entries().toString();
        HopByHop.strip(h, true);
        assertEquals(before, h.entries().toString());
    }

    @ParameterizedTest
    @CsvSource({"Connection", "CONNECTION", "keep-alive", "Keep-Alive", "Proxy-Authenticate", "proxy-authorization",
        "TE", "te", "Trailer", "Transfer-Encoding", "TRANSFER-ENCODING", "Upgrade", "upgrade", "Proxy-Connection"})
    void eachFixedHopByHopNameGoesInAnyCaseAndTheRestStays(String name) {
        HttpHeaders h = headers("Server", "s", name, "v", "X-Kept", "1", name, "w");
        HopByHop.strip(h, false);
        assertEquals(List.of("Server", "X-Kept"), h.names().stream().toList());
    }

    @ParameterizedTest
    @CsvSource({"Connection, 1", "connection, 1", "Keep-Alive, 2", "proxy-authenticate, 4", "PROXY-AUTHORIZATION, 8",
        "te, 16", "Trailer, 32", "transfer-encoding, 64", "Upgrade, 128", "proxy-connection, 256",
        "Connectiom, 0", "Keep_Alive, 0", "t, 0", "tee, 0", "Trailers, 0", "Host, 0", "'', 0", "Proxy-Connections, 0"})
    void fixedBitNamesTheFixedHopByHopHeaderOrNone(String name, int bit) {
        assertEquals(bit, HopByHop.fixedBit(name));
        assertEquals(bit, HopByHop.fixedBit(io.netty.util.AsciiString.of(name)));
    }

    @Test
    void aHeaderTheConnectionHeaderNamesGoesEvenWhenItCameFirst() {
        HttpHeaders h = headers("X-Hop", "1", "X-Kept", "2", "Connection", "x-hop");
        HopByHop.strip(h, false);
        assertEquals(List.of("X-Kept"), h.names().stream().toList());
    }
}
