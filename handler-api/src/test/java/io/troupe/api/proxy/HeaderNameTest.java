package io.troupe.api.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A {@link HeaderName} is its text; a proxy's form of it is made once; the SPI's defaults pass its text on. */
class HeaderNameTest {
    @Test
    void isItsText() {
        HeaderName n = HeaderName.of("X-Block-Token");
        assertEquals("X-Block-Token", n.toString());
        assertEquals(13, n.length());
        assertEquals('B', n.charAt(2));
        assertEquals("Block", n.subSequence(2, 7).toString());
        assertTrue(n.isAscii());
        assertFalse(HeaderName.of("X-\u00c4").isAscii());
        assertThrows(NullPointerException.class, () -> HeaderName.of(null));
    }

    @Test
    void theProxysFormIsMadeOnce() {
        HeaderName n = HeaderName.of("Host");
        AtomicInteger made = new AtomicInteger();
        StringBuilder first = n.as(StringBuilder.class, s -> {
            made.incrementAndGet();
            return new StringBuilder(s);
        });
        assertSame(first, n.as(StringBuilder.class, s -> new StringBuilder("other")));
        assertEquals(1, made.get());
        assertEquals("Host", first.toString());
    }

    @Test
    void responseDefaultsUseTheText() {
        Response.Simple r = new Response.Simple(200, new byte[0]);
        HeaderName n = HeaderName.of("X-Test");
        r.setHeader(n, "a");
        r.addHeader(n, "b");
        assertEquals("a", r.header(HeaderName.of("x-test")));
        assertEquals(List.of("a", "b"), r.headers(n));
        r.removeHeader(n);
        assertEquals(List.of(), r.headers("X-Test"));
    }
}
