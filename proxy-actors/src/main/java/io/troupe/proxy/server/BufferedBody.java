package io.troupe.proxy.server;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.troupe.proxy.forward.Exchange;

/**
 * A request body read whole before the filters run, because a module asked for bodies (its
 * {@code bodyBufferLimit}), and its way to the backend in one piece. Made on a connection's first such request
 * and reused for the ones after it.
 */
final class BufferedBody {
    /** The body being read, or null when none is. */
    private CompositeByteBuf buf;
    private int limit;
    /** The buffered body was read off the wire whole (so no more content of this request follows). */
    private boolean fromWire;
    /** A filter gave a bodiless request a body: the client's (empty) end of request is not forwarded. */
    private boolean swallow;

    /** A new request head: nothing of the last request's body applies. */
    void newRequest() {
        fromWire = false;
        swallow = false;
    }

    /** Starts reading a body of at most {@code limit} bytes. */
    void start(ByteBufAllocator alloc, int limit) {
        this.limit = limit;
        buf = alloc.compositeBuffer(Integer.MAX_VALUE);
    }

    boolean reading() {
        return buf != null;
    }

    boolean fromWire() {
        return fromWire;
    }

    boolean swallowing() {
        return swallow;
    }

    int limit() {
        return limit;
    }

    /** Takes a piece of the body; false when the body grew past the limit (nothing is kept then). */
    boolean add(HttpContent c) {
        buf.addComponent(true, c.content().retain());
        c.release();
        if (buf.readableBytes() > limit) {
            release();
            return false;
        }
        return true;
    }

    /** The whole body, now that its last piece was read. */
    byte[] take() {
        byte[] b = ByteBufUtil.getBytes(buf);
        release();
        fromWire = true;
        return b;
    }

    void release() {
        if (buf != null) {
            buf.release();
            buf = null;
        }
    }

    /**
     * Frames a whole body (buffered, or set by a filter) for the backend: it leaves with its length known.
     *
     * @return whether the request has a body now
     */
    static boolean frame(HttpRequest r, byte[] body) {
        r.headers().remove(HttpHeaderNames.TRANSFER_ENCODING);
        r.headers().set(HttpHeaderNames.CONTENT_LENGTH, body.length);
        return body.length > 0;
    }

    /** Sends the whole body now; what the client still sends for this request (an empty end) is dropped. */
    void sendWhole(Exchange e, byte[] body) {
        swallow = !fromWire;
        e.onClientContent(body.length == 0 ? LastHttpContent.EMPTY_LAST_CONTENT
                : new DefaultLastHttpContent(Unpooled.wrappedBuffer(body)));
        e.onClientReadComplete();
    }
}
