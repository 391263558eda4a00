package io.troupe.proxy.server;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.troupe.api.proxy.CallbackPoint;
import io.troupe.api.proxy.Response;
import io.troupe.api.proxy.ReturnCode;
import io.troupe.proxy.forward.Exchange;
import io.troupe.proxy.forward.HopByHop;
import io.troupe.proxy.monitor.ProxyStats.Key;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Netty handler of one HTTP/1.1 connection (or one HTTP/2 stream). It holds pipelined requests until the one
 * before is answered ({@link PipelinedRequests}), so responses leave in request order, and takes each request
 * through its parts: the head and a body read whole for filters ({@link RequestHead}), the filter chain and the
 * exchange ({@link FilterStages}), and the response ({@link ResponsePath}, which the exchange reports to). It
 * keeps the request's state, which those parts read and set, ends the request (counters, REQUEST_FINISH, the next
 * one), switches an upgraded connection to a tunnel, and closes the connection.
 */
final class ProxyHandler extends ChannelInboundHandlerAdapter {
    /** nginx's status for a request whose client closed the connection before the response. */
    static final int CLIENT_CLOSED_REQUEST = 499;

    private static final Logger log = LoggerFactory.getLogger(ProxyHandler.class);
    /** Fired into every client pipeline when the node drains. */
    static final Object DRAIN = new Object();

    final ProxyContext px;
    final boolean http2;
    private ChannelHandlerContext ctx;
    SessionImpl session;
    ClientTimeouts timeouts;
    ResponsePath response;
    FilterStages stages;
    RequestHead head;
    private PipelinedRequests queue;
    private HeadTimeout headTimeout;

    // the request being served, one at a time: RequestHead, FilterStages and ResponsePath read and set these
    HttpRequest clientHead;
    RequestView req;
    Exchange exchange;
    /** A request was read and its response is not finished. */
    boolean responding;
    boolean requestHasBody;
    /** The request's last body piece was read. */
    boolean requestComplete;
    /** The connection closes after this response. */
    boolean closeAfter;
    /** The client spoke HTTP/1.0: no chunked responses, keep-alive only when asked for and a length is known. */
    boolean http10;
    long startNanos;

    private boolean tunnel;
    /** The connection is closing after its last response: nothing more it sends is served. */
    private boolean closing;
    private boolean pausedByBackend;

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
        head = new RequestHead(this, ctx);
        queue = new PipelinedRequests(this);
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
        if (responding && requestComplete || stages.suspended() || queue.mustWait()) {
            queue.add(msg);
            return;
        }
        handle(msg);
    }

    void handle(Object msg) {
        if (msg instanceof HttpRequest r && !http2 && px.settings.h2c() && PipelineBuilder.wantsH2c(ctx.pipeline(), r)) {
            px.h2cUpgrade.accept(ctx.pipeline(), r);
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
        if (c.decoderResult().isFailure()) {
            // a malformed chunk: Netty ends the body there and drops the rest; forwarding that end would hand the
            // backend a complete request the client never sent
            c.release();
            malformedBody();
            return;
        }
        if (stages.suspended()) {
            // the filters have not decided yet; it goes on once they have, ahead of anything queued
            queue.addFirst(c);
            return;
        }
        if (c instanceof LastHttpContent) {
            requestComplete = true;
            timeouts.cancelBody();
        }
        if (head.readingBody()) {
            head.bodyPiece(c);
        } else if (head.swallowing() || exchange == null) {
            c.release();
        } else {
            exchange.onClientContent(c);
        }
    }

    private void malformedBody() {
        requestComplete = true;
        timeouts.cancelBody();
        if (exchange != null) {
            Exchange e = exchange;
            exchange = null;
            e.clientGone(); // the backend's connection closes: it never sees the request end
        }
        if (response.headSent()) {
            px.stats.inc(Key.ERR_CLIENT_BAD_REQUEST);
            closeNow();
        } else {
            response.answer(new LocalResponses.Answer(HttpResponseStatus.BAD_REQUEST, "malformed request body\n",
                    Key.ERR_CLIENT_BAD_REQUEST, true));
        }
    }

    private void onHead(HttpRequest r) {
        if (session == null) {
            // set by ConnectionHandler when the connection became active, after this handler was added
            session = (http2 ? ctx.channel().parent() : ctx.channel()).attr(SessionImpl.KEY).get();
        }
        if (headTimeout != null) {
            headTimeout.headReceived();
        }
        head.read(r);
    }

    // ---- what the exchange asks of the connection (through ResponsePath, its ClientLeg)

    /** The exchange failed after the response began: the connection closes. */
    void aborted() {
        exchange = null;
        closeNow(); // its channelInactive cancels the timeouts
    }

    /** The backend cannot take more of the request body (or can again). */
    void pauseReading(boolean pause) {
        if (pausedByBackend != pause) {
            pausedByBackend = pause;
            updateRead();
        }
    }

    /** The backend switched protocols (101): from here on the connection is a raw tunnel. */
    void upgraded(HttpResponse head) {
        HopByHop.strip(head.headers(), true);
        px.stats.status(101);
        px.stats.inc(Key.REQ_WEBSOCKET);
        px.stats.dec(Key.CLIENT_REQ_ACTIVE);
        px.stats.delay((System.nanoTime() - startNanos) / 1000);
        tunnel = true;
        responding = false;
        ctx.write(head);
        ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
        // from here on only raw bytes: the HTTP handlers leave the pipeline
        PipelineBuilder.toTunnel(ctx.pipeline());
        headTimeout = null;
        queue.unpause();
        updateRead();
    }

    // ---- request end

    /** The request's response was written whole: counters, REQUEST_FINISH, then the next request or the close. */
    void finishRequest(Response finished) {
        if (!responding) {
            return;
        }
        timeouts.cancelBody();
        if (endRequest(finished)) {
            closeAfter = true;
        }
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
        queue.drain();
    }

    /** The request no longer waits on a filter's blocking work: serves what arrived meanwhile. */
    void resumeReading() {
        if (!closing && ctx.channel().isActive()) {
            queue.drain();
        }
    }

    /** Whether the next held message can be served now. */
    boolean canServeNext() {
        return !(responding && requestComplete) && !stages.suspended() && !tunnel && ctx.channel().isActive();
    }

    /** Held messages were served. */
    void queueServed() {
        if (exchange != null) {
            // queued body pieces were written without a client read burst to end them
            exchange.onClientReadComplete();
        }
    }

    void updateRead() {
        boolean read = !(pausedByBackend || queue.paused() || stages.suspended());
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
            px.stats.dec(Key.CLIENT_REQ_ACTIVE);
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
            px.stats.dec(Key.CLIENT_REQ_ACTIVE);
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
        LingeringClose.afterFlush(ctx);
    }

    /**
     * Counts the request in progress as ended (latency, product) and runs REQUEST_FINISH with {@code finished};
     * true when a filter there asked to close the connection.
     */
    private boolean endRequest(Response finished) {
        responding = false;
        px.stats.dec(Key.CLIENT_REQ_ACTIVE);
        long micros = (System.nanoTime() - startNanos) / 1000;
        px.stats.delay(micros);
        boolean close = false;
        if (req != null) {
            px.stats.product(req.product(), micros);
            if (finished != null) {
                ReturnCode c = px.chains.current().runResponse(CallbackPoint.REQUEST_FINISH, req, finished);
                close = c == ReturnCode.CLOSE || c == ReturnCode.FINISH;
            }
        }
        req = null;
        return close;
    }

    // ---- connection events

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (exchange != null) {
            exchange.onClientWritabilityChanged(ctx.channel().isWritable());
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        response.dropTransform();
        head.releaseBody();
        timeouts.cancelAll();
        if (exchange != null) {
            Exchange e = exchange;
            exchange = null;
            e.clientGone();
        }
        try {
            if (responding) {
                px.stats.inc(Key.ERR_CLIENT_CLOSE);
                // the request still ends for the modules (an access-log line, as nginx writes one): with the
                // backend's response if its head came, else with nginx's 499 for a request its client abandoned.
                // Not while a filter's blocking work still uses the request on the module pool: only counted then
                Response seen = req == null ? null : req.response();
                endRequest(stages.suspended() ? null : seen != null ? seen : Response.of(CLIENT_CLOSED_REQUEST, null));
            }
        } finally {
            queue.releaseAll();
            ctx.fireChannelInactive();
        }
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
