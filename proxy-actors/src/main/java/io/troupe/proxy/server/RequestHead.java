package io.troupe.proxy.server;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.troupe.proxy.monitor.ProxyStats.Key;

/**
 * What a request goes through before the filters see it: the decoder's verdict, the HTTP/1 edge checks
 * ({@link RequestEdges}), keep-alive, whether a body follows, the {@code Expect} header, the URI length, the
 * request view filters see, and, when a module wants the body whole, reading it ({@link BufferedBody}). Ends in
 * an answer or the start of the filter chain. One per connection (per stream on HTTP/2).
 */
final class RequestHead {
    private final ProxyHandler h;
    private final ProxyContext px;
    private final ChannelHandlerContext ctx;
    /** Made on the connection's first request with an Expect header. */
    private ContinueExpectation continues;
    /** Made on the connection's first request whose body a module wants whole. */
    private BufferedBody body;

    RequestHead(ProxyHandler h, ChannelHandlerContext ctx) {
        this.h = h;
        this.px = h.px;
        this.ctx = ctx;
    }

    /** Takes a new request head: the request's state starts over. */
    void read(HttpRequest r) {
        boolean http2 = h.http2;
        h.responding = true;
        h.requestComplete = false;
        h.closeAfter = px.draining;
        h.startNanos = System.nanoTime();
        h.clientHead = r;
        h.req = null;
        h.timeouts.newRequest();
        h.response.newRequest();
        px.stats.inc(Key.CLIENT_REQ_SERVED);
        px.stats.inc(Key.CLIENT_REQ_ACTIVE);
        if (http2) {
            px.stats.inc(Key.HTTP2_CLIENT_REQ_SERVED);
        }
        DecoderResult dr = r.decoderResult();
        // a head that did not decode has no version of its own (Netty puts 1.0 there): answer it in 1.1
        h.http10 = !http2 && dr.isSuccess() && r.protocolVersion().majorVersion() == 1 && r.protocolVersion().minorVersion() == 0;
        if (!dr.isSuccess()) {
            h.response.answer(LocalResponses.badHead(dr.cause(), px.settings));
            return;
        }
        LocalResponses.Answer refused = http2 ? null : RequestEdges.check(r);
        if (refused != null) {
            h.response.answer(refused);
            return;
        }
        if (!http2 && !HttpUtil.isKeepAlive(r)) {
            h.closeAfter = true;
        }
        if (r instanceof FullHttpRequest f) {
            h.requestHasBody = f.content().isReadable();
        } else {
            h.requestHasBody = http2 || HttpUtil.isTransferEncodingChunked(r) || HttpUtil.getContentLength(r, 0L) > 0;
        }
        if (!expectation(r)) {
            h.response.answer(ContinueExpectation.UNSUPPORTED);
            return;
        }
        if (r instanceof FullHttpRequest) {
            // forward a bare head; the body of a full request follows as its content, released once
            r = new DefaultHttpRequest(r.protocolVersion(), r.method(), r.uri(), r.headers());
            h.clientHead = r;
        }
        if (r.uri().length() > px.settings.maxUriBytes()) {
            px.stats.inc(Key.ERR_CLIENT_LONG_URL);
            h.response.sendLocal(HttpResponseStatus.REQUEST_URI_TOO_LONG, "request URI longer than "
                    + px.settings.maxUriBytes() + " bytes\n", true);
            return;
        }
        RequestView req = new RequestView(h.session, r, http2);
        h.req = req;
        if (body != null) {
            body.newRequest();
        }
        if (h.session.trustedSource()) {
            req.setClientAddress(ClientAddrs.fromHeaders(r.headers()));
        }
        int limit = px.chains.current().bodyBufferLimit();
        if (limit > 0) {
            if (!h.requestHasBody) {
                req.bufferedBody(new byte[0]);
            } else if (HttpUtil.getContentLength(r, -1L) > limit) {
                bodyTooLarge(limit);
                return;
            } else {
                // the filters run once the whole body is here (the handler's onContent)
                continueBody();
                bufferedBody().start(ctx.alloc(), limit);
                // no cluster timeout applies yet; a client that never finishes its body must not hold the buffer
                h.timeouts.bodyTimeout(px.settings.headerReadTimeoutMs());
                return;
            }
        }
        h.stages.start();
    }

    /** A module wants the body whole, and it is being read. */
    boolean readingBody() {
        return body != null && body.reading();
    }

    /** A piece of the body being read whole; the filters start once its last piece is here. */
    void bodyPiece(HttpContent c) {
        if (!body.add(c)) {
            bodyTooLarge(body.limit());
        } else if (h.requestComplete) {
            h.req.bufferedBody(body.take());
            h.stages.start();
        }
    }

    /** A filter gave a bodiless request a body: what the client still sends for it is dropped. */
    boolean swallowing() {
        return body != null && body.swallowing();
    }

    /** The request's whole body was read off the wire before the filters ran. */
    boolean bodyFromWire() {
        return body != null && body.fromWire();
    }

    BufferedBody bufferedBody() {
        if (body == null) {
            body = new BufferedBody();
        }
        return body;
    }

    /** The connection closed: a body being read is dropped. */
    void releaseBody() {
        if (body != null) {
            body.release();
        }
    }

    /** Takes the request's Expect header, which the proxy answers itself; false for one it cannot meet. */
    private boolean expectation(HttpRequest r) {
        if (continues != null) {
            continues.clear();
        }
        String expect = r.headers().get(HttpHeaderNames.EXPECT);
        if (expect == null) {
            return true;
        }
        if (continues == null) {
            continues = new ContinueExpectation();
        }
        if (!continues.accept(expect, h.requestHasBody && !h.http10 && !(r instanceof FullHttpRequest))) {
            return false;
        }
        r.headers().remove(HttpHeaderNames.EXPECT);
        return true;
    }

    /** The proxy is about to read the request body: a client that expects 100-continue gets it now. */
    void continueBody() {
        if (continues != null) {
            continues.bodyWanted(ctx);
        }
    }

    /** A body larger than a module buffers: 413, and on HTTP/1 the connection closes. */
    void bodyTooLarge(int limit) {
        String msg = "request body larger than " + limit + " bytes (the largest a module buffers)\n";
        if (!h.http2) {
            h.response.sendLocal(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, msg, true);
            return;
        }
        // on HTTP/2 only this stream is answered; the rest of its body is read and dropped, other streams go on
        h.requestHasBody = false;
        h.response.sendLocal(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, msg, false);
    }
}
