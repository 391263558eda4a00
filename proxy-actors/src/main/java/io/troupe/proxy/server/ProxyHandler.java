package io.troupe.proxy.server;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.troupe.api.proxy.CallbackPoint;
import io.troupe.api.proxy.Response;
import io.troupe.api.proxy.ReturnCode;
import io.troupe.proxy.forward.ClientLeg;
import io.troupe.proxy.forward.Exchange;
import io.troupe.proxy.forward.HopByHop;
import io.troupe.proxy.forward.Upstream;
import io.troupe.proxy.monitor.ProxyStats.Key;
import java.util.ArrayDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Netty handler of one HTTP/1.1 connection (or one HTTP/2 stream). It holds pipelined requests until the one
 * before is answered, so responses leave in request order, and takes each request through its parts: the head
 * checks ({@link RequestEdges}, {@link ContinueExpectation}), a body read whole for filters ({@link BufferedBody}),
 * the filter chain and the exchange ({@link FilterStages}), and the response ({@link ResponsePath}). It keeps the
 * request's state, which those parts read and set, and ends the request: counters, REQUEST_FINISH, the next one.
 */
final class ProxyHandler extends ChannelInboundHandlerAdapter implements ClientLeg {
    private static final Logger log = LoggerFactory.getLogger(ProxyHandler.class);
    /** Pipelined messages held before the client is paused. */
    private static final int MAX_QUEUED = 64;
    /** Fired into every client pipeline when the node drains. */
    static final Object DRAIN = new Object();

    final ProxyContext px;
    final boolean http2;
    private ChannelHandlerContext ctx;
    SessionImpl session;
    ClientTimeouts timeouts;
    ResponsePath response;
    private FilterStages stages;
    private HeadTimeout headTimeout;
    /** Made on the connection's first request that needs one. */
    private BufferedBody body;
    private ContinueExpectation continues;
    private final ArrayDeque<Object> queued = new ArrayDeque<>();
    private boolean handlingQueue;

    // the request being served; the stages and the response path read and set these
    HttpRequest clientHead;
    RequestView req;
    Exchange exchange;
    boolean responding;
    boolean requestHasBody;
    boolean requestComplete;
    boolean closeAfter;
    /** The client spoke HTTP/1.0: no chunked responses, keep-alive only when asked for and a length is known. */
    boolean http10;
    private long startNanos;

    private boolean tunnel;
    /** The connection is closing after its last response: nothing more it sends is served. */
    private boolean closing;
    private boolean pausedByBackend;
    private boolean pausedByQueue;

    ProxyHandler(ProxyContext px, boolean http2) {
        this.px = px;
        this.http2 = http2;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        headTimeout = ctx.pipeline().get(HeadTimeout.class);
        timeouts = new ClientTimeouts(ctx.executor(), px.settings.keepAliveTimeoutMs(), this::clientTimedOut);
        stages = new FilterStages(this, ctx);
        response = new ResponsePath(this, ctx);
    }

    @Override
    public Channel channel() {
        return ctx.channel();
    }

    // ---- client → proxy

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (closing) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (tunnel) {
            if (exchange != null) {
                exchange.onClientRaw(msg);
            } else {
                ReferenceCountUtil.release(msg);
            }
            return;
        }
        if (responding && requestComplete || stages.suspended() || handlingQueue && !queued.isEmpty()) {
            queued.add(msg);
            if (queued.size() >= MAX_QUEUED && !pausedByQueue) {
                pausedByQueue = true;
                updateRead();
            }
            return;
        }
        handle(msg);
    }

    private void handle(Object msg) {
        if (msg instanceof HttpRequest r && !http2 && px.settings.h2c() && wantsH2c(r)
                && ctx.pipeline().get(HttpServerUpgradeHandler.class) == null) {
            // hand this request to an upgrade handler put in front of us; on success it replaces this pipeline
            px.h2cUpgrade.apply(ctx.pipeline());
            ctx.pipeline().context(HttpServerCodec.class).fireChannelRead(msg);
            return;
        }
        if (msg instanceof HttpRequest r) {
            onHead(r);
            if (msg instanceof HttpContent c) {
                onContent(c);
            }
        } else if (msg instanceof HttpContent c) {
            onContent(c);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    private static boolean wantsH2c(HttpRequest r) {
        String up = r.headers().get(HttpHeaderNames.UPGRADE);
        return up != null && up.equalsIgnoreCase("h2c");
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (exchange != null) {
            exchange.onClientReadComplete();
        }
        ctx.fireChannelReadComplete();
    }

    private void onContent(HttpContent c) {
        if (!responding) {
            c.release();
            return;
        }
        if (stages.suspended()) {
            // the filters have not decided yet; it goes on once they have, ahead of anything queued
            queued.addFirst(c);
            return;
        }
        if (c instanceof LastHttpContent) {
            requestComplete = true;
            timeouts.cancelBody();
        }
        if (body != null && body.reading()) {
            if (!body.add(c)) {
                bodyTooLarge(body.limit());
            } else if (requestComplete) {
                req.bufferedBody(body.take());
                stages.start();
            }
        } else if (body != null && body.swallowing() || exchange == null) {
            c.release();
        } else {
            exchange.onClientContent(c);
        }
    }

    private void onHead(HttpRequest r) {
        if (session == null) {
            // set by ConnectionHandler when the connection became active, after this handler was added
            session = (http2 ? ctx.channel().parent() : ctx.channel()).attr(SessionImpl.KEY).get();
        }
        responding = true;
        requestComplete = false;
        closeAfter = px.draining;
        startNanos = System.nanoTime();
        clientHead = r;
        req = null;
        timeouts.newRequest();
        if (headTimeout != null) {
            headTimeout.headReceived();
        }
        px.stats.inc(Key.REQ_TOTAL);
        px.stats.inc(Key.REQ_ACTIVE);
        if (http2) {
            px.stats.inc(Key.REQ_HTTP2);
        }
        DecoderResult dr = r.decoderResult();
        // a head that did not decode has no version of its own (Netty puts 1.0 there): answer it in 1.1
        http10 = !http2 && dr.isSuccess() && r.protocolVersion().majorVersion() == 1 && r.protocolVersion().minorVersion() == 0;
        if (!dr.isSuccess()) {
            response.answer(LocalResponses.badHead(dr.cause(), px.settings));
            return;
        }
        LocalResponses.Answer refused = http2 ? null : RequestEdges.check(r);
        if (refused != null) {
            response.answer(refused);
            return;
        }
        if (!http2 && !HttpUtil.isKeepAlive(r)) {
            closeAfter = true;
        }
        if (r instanceof FullHttpRequest f) {
            requestHasBody = f.content().isReadable();
        } else {
            requestHasBody = http2 || HttpUtil.isTransferEncodingChunked(r) || HttpUtil.getContentLength(r, 0L) > 0;
        }
        if (continues != null) {
            continues.clear();
        }
        String expect = r.headers().get(HttpHeaderNames.EXPECT);
        if (expect != null) {
            if (continues == null) {
                continues = new ContinueExpectation();
            }
            if (!continues.accept(expect, requestHasBody && !http10 && !(r instanceof FullHttpRequest))) {
                response.answer(ContinueExpectation.UNSUPPORTED);
                return;
            }
            r.headers().remove(HttpHeaderNames.EXPECT);
        }
        if (r instanceof FullHttpRequest) {
            // forward a bare head; the body of a full request follows as its content, released once
            r = new DefaultHttpRequest(r.protocolVersion(), r.method(), r.uri(), r.headers());
            clientHead = r;
        }
        if (r.uri().length() > px.settings.maxUriBytes()) {
            px.stats.inc(Key.ERR_URI_TOO_LONG);
            response.sendLocal(HttpResponseStatus.REQUEST_URI_TOO_LONG, "request URI longer than "
                    + px.settings.maxUriBytes() + " bytes\n", true);
            return;
        }
        req = new RequestView(session, r, http2);
        if (body != null) {
            body.newRequest();
        }
        if (session.trustedSource()) {
            req.setClientAddress(ClientAddrs.fromHeaders(r.headers()));
        }
        int limit = px.chains.current().bodyBufferLimit();
        if (limit > 0) {
            if (!requestHasBody) {
                req.bufferedBody(new byte[0]);
            } else if (HttpUtil.getContentLength(r, -1L) > limit) {
                bodyTooLarge(limit);
                return;
            } else {
                // the filters run once the whole body is here (onContent)
                continueBody();
                bufferedBody().start(ctx.alloc(), limit);
                // no cluster timeout applies yet; a client that never finishes its body must not hold the buffer
                timeouts.bodyTimeout(px.settings.headerReadTimeoutMs());
                return;
            }
        }
        stages.start();
    }

    BufferedBody bufferedBody() {
        if (body == null) {
            body = new BufferedBody();
        }
        return body;
    }

    boolean bodyFromWire() {
        return body != null && body.fromWire();
    }

    private void bodyTooLarge(int limit) {
        String msg = "request body larger than " + limit + " bytes (the largest a module buffers)\n";
        if (!http2) {
            response.sendLocal(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, msg, true);
            return;
        }
        // on HTTP/2 only this stream is answered; the rest of its body is read and dropped, other streams go on
        requestHasBody = false;
        response.sendLocal(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, msg, false);
    }

    /** The proxy is about to read the request body: a client that expects 100-continue gets it now. */
    void continueBody() {
        if (continues != null) {
            continues.bodyWanted(ctx);
        }
    }

    // ---- the exchange (ClientLeg)

    @Override
    public boolean forwarding(Upstream upstream) {
        return stages.forwarding(upstream);
    }

    @Override
    public void responseHead(HttpResponse h) {
        response.head(h);
    }

    @Override
    public void responseContent(HttpContent content, boolean last) {
        response.content(content, last);
    }

    @Override
    public void flush() {
        ctx.flush();
    }

    @Override
    public void failed(int status, String reason) {
        response.backendFailed(status, reason);
    }

    @Override
    public void aborted() {
        exchange = null;
        timeouts.cancelWrite();
        closeNow();
    }

    @Override
    public void pauseReading(boolean pause) {
        if (pausedByBackend != pause) {
            pausedByBackend = pause;
            updateRead();
        }
    }

    @Override
    public void upgraded(HttpResponse head, Channel backend) {
        HopByHop.strip(head.headers(), true);
        px.stats.status(101);
        px.stats.inc(Key.REQ_WEBSOCKET);
        px.stats.dec(Key.REQ_ACTIVE);
        px.stats.delay((System.nanoTime() - startNanos) / 1000);
        tunnel = true;
        responding = false;
        ctx.write(head);
        ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
        // from here on only raw bytes: the HTTP handlers leave the pipeline
        PipelineBuilder.toTunnel(ctx.pipeline());
        headTimeout = null;
        pausedByQueue = false;
        updateRead();
    }

    // ---- request end

    /** The request's response was written whole: counters, REQUEST_FINISH, then the next request or the close. */
    void finishRequest(Response finished) {
        if (!responding) {
            return;
        }
        responding = false;
        timeouts.cancelBody();
        px.stats.dec(Key.REQ_ACTIVE);
        long micros = (System.nanoTime() - startNanos) / 1000;
        px.stats.delay(micros);
        if (req != null) {
            px.stats.product(req.product(), micros);
        }
        if (req != null && finished != null) {
            ReturnCode c = px.chains.current().runResponse(CallbackPoint.REQUEST_FINISH, req, finished);
            if (c == ReturnCode.CLOSE || c == ReturnCode.FINISH) {
                closeAfter = true;
            }
        }
        req = null;
        clientHead = null;
        response.dropTransform();
        if (pausedByBackend) {
            // the exchange is over; its backend no longer holds the client back
            pausedByBackend = false;
            updateRead();
        }
        if (requestHasBody && !requestComplete) {
            closeAfter = true;
        }
        if (closeAfter) {
            closeAfterFlush();
            return;
        }
        if (http2) {
            return;
        }
        if (headTimeout != null) {
            headTimeout.awaitNext(timeouts.keepAliveMs());
        }
        drainQueue();
    }

    /** The request no longer waits on a filter's blocking work: serves what arrived meanwhile. */
    void resumeReading() {
        if (!closing && ctx.channel().isActive()) {
            drainQueue();
        }
    }

    private void drainQueue() {
        if (handlingQueue) {
            return;
        }
        handlingQueue = true;
        try {
            Object m;
            while (!(responding && requestComplete) && !stages.suspended() && !tunnel && ctx.channel().isActive()
                    && (m = queued.poll()) != null) {
                handle(m);
            }
        } finally {
            handlingQueue = false;
        }
        if (exchange != null) {
            // queued body pieces were written without a client read burst to end them
            exchange.onClientReadComplete();
        }
        if (pausedByQueue && queued.size() < MAX_QUEUED / 2) {
            pausedByQueue = false;
            updateRead();
        }
    }

    void updateRead() {
        boolean read = !(pausedByBackend || pausedByQueue || stages.suspended());
        if (ctx.channel().config().isAutoRead() != read) {
            ctx.channel().config().setAutoRead(read);
        }
    }

    /** A client too slow to send its body or take the response: the request ends and the connection closes. */
    void clientTimedOut() {
        if (!ctx.channel().isActive()) {
            return;
        }
        px.stats.inc(Key.ERR_CLIENT_TIMEOUT);
        log.debug("client {} too slow for {} {}; closing", ctx.channel().remoteAddress(),
                clientHead == null ? "-" : clientHead.method(), clientHead == null ? "-" : clientHead.uri());
        Exchange e = exchange;
        exchange = null;
        if (e != null) {
            e.clientGone();
        }
        if (responding) {
            responding = false;
            px.stats.dec(Key.REQ_ACTIVE);
        }
        timeouts.cancelAll();
        if (http2) {
            ctx.channel().close();
        } else {
            closeNow();
        }
    }

    void closeNow() {
        if (responding) {
            // the request ends here without a response; it must not stay counted as active
            responding = false;
            px.stats.dec(Key.REQ_ACTIVE);
        }
        closeAfter = true;
        ctx.channel().config().setAutoRead(false);
        Channel conn = http2 ? ctx.channel().parent() : ctx.channel();
        conn.close();
    }

    private void closeAfterFlush() {
        if (http2) {
            Channel conn = ctx.channel().parent();
            ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener((ChannelFutureListener) f -> conn.close());
            return;
        }
        closing = true;
        Channel conn = ctx.channel();
        ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener((ChannelFutureListener) f -> {
            if (f.isSuccess()) {
                LingeringClose.start(conn);
            } else {
                conn.close();
            }
        });
    }

    // ---- connection events

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        timeouts.writabilityChanged(ctx.channel().isWritable());
        if (exchange != null) {
            exchange.onClientWritabilityChanged(ctx.channel().isWritable());
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        response.dropTransform();
        if (body != null) {
            body.release();
        }
        timeouts.cancelAll();
        if (exchange != null) {
            Exchange e = exchange;
            exchange = null;
            e.clientGone();
        }
        if (responding) {
            responding = false;
            px.stats.inc(Key.ERR_CLIENT_CLOSED);
            px.stats.dec(Key.REQ_ACTIVE);
        }
        Object m;
        while ((m = queued.poll()) != null) {
            ReferenceCountUtil.release(m);
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == DRAIN) {
            if (!responding && !tunnel) {
                ctx.close();
            } else {
                closeAfter = true;
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("client connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}
