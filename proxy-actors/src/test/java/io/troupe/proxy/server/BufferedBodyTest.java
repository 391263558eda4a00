package io.troupe.proxy.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** A body read whole for filters: its limit, its buffers released, and the framing it leaves with. */
class BufferedBodyTest {
    private static HttpContent piece(String s, boolean last) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        return last ? new DefaultLastHttpContent(Unpooled.wrappedBuffer(b)) : new DefaultHttpContent(Unpooled.wrappedBuffer(b));
    }

    @Test
    void piecesUpToTheLimitAreJoinedAndTheirBuffersReleased() {
        BufferedBody body = new BufferedBody();
        body.start(ByteBufAllocator.DEFAULT, 10);
        assertTrue(body.reading());
        HttpContent a = piece("hello", false);
        HttpContent b = piece(" you", true);
        assertTrue(body.add(a));
        assertTrue(body.add(b));
        assertArrayEquals("hello you".getBytes(StandardCharsets.US_ASCII), body.take());
        assertEquals(0, a.refCnt());
        assertEquals(0, b.refCnt());
        assertFalse(body.reading());
        assertTrue(body.fromWire());
        body.newRequest();
        assertFalse(body.fromWire());
    }

    @Test
    void aBodyPastTheLimitIsDroppedWhole() {
        BufferedBody body = new BufferedBody();
        body.start(ByteBufAllocator.DEFAULT, 4);
        HttpContent a = piece("abc", false);
        HttpContent b = piece("de", false);
        assertTrue(body.add(a));
        assertFalse(body.add(b));
        assertEquals(0, a.refCnt());
        assertEquals(0, b.refCnt());
        assertFalse(body.reading());
        assertEquals(4, body.limit());
        body.release(); // a second release is harmless
    }

    @Test
    void aWholeBodyLeavesWithItsLength() {
        HttpRequest r = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/");
        r.headers().set(HttpHeaderNames.TRANSFER_ENCODING, "chunked");
        assertTrue(BufferedBody.frame(r, new byte[3]));
        assertNull(r.headers().get(HttpHeaderNames.TRANSFER_ENCODING));
        assertEquals("3", r.headers().get(HttpHeaderNames.CONTENT_LENGTH));
        assertFalse(BufferedBody.frame(r, new byte[0]));
        assertEquals("0", r.headers().get(HttpHeaderNames.CONTENT_LENGTH));
    }
}
