package io.troupe.proxy.server;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.troupe.proxy.monitor.ProxyStats.Key;

/**
 * A request's {@code Expect} header, which the proxy answers itself and never forwards: {@code 100 Continue} goes
 * out once, when the proxy is about to read the body (as Go's net/http and nginx do), never before a refusal.
 * Made on a connection's first request that carries the header.
 */
final class ContinueExpectation {
    /** What an expectation other than 100-continue gets (Go's net/http and BFE answer it so too). */
    static final LocalResponses.Answer UNSUPPORTED = new LocalResponses.Answer(HttpResponseStatus.EXPECTATION_FAILED,
            "unsupported Expect header\n", Key.ERR_CLIENT_BAD_REQUEST, true);

    /** The client waits for {@code 100 Continue} before it sends its body. */
    private boolean pending;

    /**
     * Takes a request's Expect header.
     *
     * @param waits the client can be waiting: the request has a body still to come, and is not HTTP/1.0 (whose
     *              expectation is ignored, RFC 9110 §10.1.1)
     * @return false when the expectation is one the proxy cannot meet ({@link #UNSUPPORTED})
     */
    boolean accept(String expect, boolean waits) {
        pending = false;
        if (!only100Continue(expect)) {
            return false;
        }
        pending = waits;
        return true;
    }

    /** A request without the header. */
    void clear() {
        pending = false;
    }

    boolean pending() {
        return pending;
    }

    /** Sends the {@code 100 Continue} the client waits for, once, now that its body is wanted. */
    void bodyWanted(ChannelHandlerContext ctx) {
        if (pending) {
            pending = false;
            ctx.writeAndFlush(LocalResponses.continue100(), ctx.voidPromise());
        }
    }

    /** Whether an Expect header asks for nothing but 100-continue (RFC 9110 §10.1.1; case-insensitive, a list). */
    static boolean only100Continue(String expect) {
        int start = 0;
        boolean any = false;
        while (start <= expect.length()) {
            int comma = expect.indexOf(',', start);
            int end = comma < 0 ? expect.length() : comma;
            String e = expect.substring(start, end).strip();
            if (!e.isEmpty()) {
                if (!e.equalsIgnoreCase("100-continue")) {
                    return false;
                }
                any = true;
            }
            start = end + 1;
        }
        return any;
    }
}
