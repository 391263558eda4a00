package io.troupe.proxy.server;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.troupe.api.proxy.BodyTransform;
import io.troupe.api.proxy.CallbackPoint;
import io.troupe.api.proxy.FileBody;
import io.troupe.api.proxy.FilterResult;
import io.troupe.api.proxy.Response;
import io.troupe.api.proxy.ReturnCode;
import io.troupe.proxy.chain.Chains;
import io.troupe.proxy.forward.ClientLeg;
import io.troupe.proxy.forward.Exchange;
import io.troupe.proxy.forward.HopByHop;
import io.troupe.proxy.forward.Router;
import io.troupe.proxy.forward.Upstream;
import io.troupe.proxy.monitor.ProxyStats.Key;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves the requests of one HTTP/1.1 connection (or one HTTP/2 stream): runs the callback chains on the
 * current snapshots, routes, and hands the request to an {@link Exchange}. Requests of one connection are
 * served one after another, so pipelined responses leave in request order.
 */
final class ProxyHandler extends ChannelInboundHandlerAdapter implements ClientLeg {
    private static final Logger log = LoggerFactory.getLogger(ProxyHandler.class);
    /** Pipelined messages held before the client is paused. */
    private static final int MAX_QUEUED = 64;
    /** Names of the headers added to every request, hashed once (a String name is hashed on every call). */
    private static final AsciiString X_FORWARDED_FOR = AsciiString.cached("X-Forwarded-For");
    private static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("X-Forwarded-Proto");
    private static final AsciiString X_REAL_IP = AsciiString.cached("X-Real-IP");
    /** Fired into every client pipeline when the node drains. */
    static final Object DRAIN = new Object();

    private final ProxyContext px;
    private final boolean http2;
    private ChannelHandlerContext ctx;
    private SessionImpl session;
    /** The client's address as text, formatted once per connection for X-Forwarded-For / X-Real-IP. */
    private String clientIp;
    private HeadTimeout headTimeout;
    private final ArrayDeque<Object> queued = new ArrayDeque<>();
    private boolean handlingQueue;

    private HttpRequest clientHead;
    private RequestView req;
    private Exchange exchange;
    private boolean responding;
    private boolean requestHasBody;
    private boolean requestComplete;
    private boolean closeAfter;
    private boolean tunnel;
    /**
     * The client sent {@code Expect: 100-continue} and waits for {@code 100 Continue} before its body: sent once the
     * proxy is about to read that body (as Go's net/http and nginx do), never before a refusal.
     */
    private boolean expectContinue;
    /** The client spoke HTTP/1.0: no chunked responses, keep-alive only when asked for and a length is known. */
    private boolean http10;
    /** The connection is closing after its last response: nothing more it sends is served. */
    private boolean closing;
    private boolean pausedByBackend;
    private boolean pausedByQueue;
    /** A request filter's blocking work runs for this request: what the client sends waits in the queue. */
    private boolean suspended;
    /** The chains snapshot the current request runs on, from its first filter to its last. */
    private Chains chains;
    /** Where the current request was routed, between the chain points. */
    private Router.Routed routed;
    private long startNanos;
    private ClientTimeouts timeouts;
    /** The request body being read whole before the filters run (some module asked for it); else null. */
    private CompositeByteBuf bodyBuf;
    private int bodyLimit;
    /** The buffered body was read off the wire whole (so no more content of this request follows). */
    private boolean bodyFromWire;
    /** A filter gave a bodiless request a body: the client's (empty) end of request is not forwarded. */
    private boolean swallowContent;
    /** A READ_RESPONSE filter's change to the response body (mod_compress), or null. */
    private BodyTransform bodyTransform;

    ProxyHandler(ProxyContext px, boolean http2) {
        this.px = px;
        this.http2 = http2;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        headTimeout = ctx.pipeline().get(HeadTimeout.class);
        timeouts = new ClientTimeouts(ctx.executor(), px.settings.keepAliveTimeoutMs(), this::clientTimedOut);
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
        if (responding && requestComplete || suspended || handlingQueue && !queued.isEmpty()) {
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
        if (suspended) {
            // the filters have not decided yet; it goes on once they have, ahead of anything queued
            queued.addFirst(c);
            return;
        }
        if (c instanceof LastHttpContent) {
            requestComplete = true;
            timeouts.cancelBody();
        }
        if (bodyBuf != null) {
            bufferBody(c);
            return;
        }
        if (swallowContent) {
            c.release();
            return;
        }
        if (exchange != null) {
            exchange.onClientContent(c);
        } else {
            c.release();
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
            rejectBadHead(dr.cause());
            return;
        }
        if (!http2) {
            LocalResponses.Answer refused = RequestEdges.check(r);
            if (refused != null) {
                answer(refused);
                return;
            }
        }
        if (!http2 && !HttpUtil.isKeepAlive(r)) {
            closeAfter = true;
        }
        if (r instanceof FullHttpRequest f) {
            requestHasBody = f.content().isReadable();
        } else {
            requestHasBody = http2 || HttpUtil.isTransferEncodingChunked(r) || HttpUtil.getContentLength(r, 0L) > 0;
        }
        expectContinue = false;
        String expect = r.headers().get(HttpHeaderNames.EXPECT);
        if (expect != null) {
            if (!RequestEdges.only100Continue(expect)) {
                answer(RequestEdges.EXPECTATION_FAILED);
                return;
            }
            // the proxy answers the expectation itself; a 1.0 client's is ignored (RFC 9110 §10.1.1)
            r.headers().remove(HttpHeaderNames.EXPECT);
            expectContinue = requestHasBody && !http10 && !(r instanceof FullHttpRequest);
        }
        if (r instanceof FullHttpRequest) {
            // forward a bare head; the body of a full request follows as its content, released once
            r = new DefaultHttpRequest(r.protocolVersion(), r.method(), r.uri(), r.headers());
            clientHead = r;
        }
        if (r.uri().length() > px.settings.maxUriBytes()) {
            px.stats.inc(Key.ERR_URI_TOO_LONG);
            sendLocal(HttpResponseStatus.REQUEST_URI_TOO_LONG, "request URI longer than "
                    + px.settings.maxUriBytes() + " bytes\n", true);
            return;
        }
        req = new RequestView(session, r, http2);
        bodyFromWire = false;
        swallowContent = false;
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
                // the filters run once the whole body is here (bufferBody)
                continueBody();
                bodyLimit = limit;
                bodyBuf = ctx.alloc().compositeBuffer(Integer.MAX_VALUE);
                // no cluster timeout applies yet; a client that never finishes its body must not hold the buffer
                timeouts.bodyTimeout(px.settings.headerReadTimeoutMs());
                return;
            }
        }
        serve();
    }

    private void bufferBody(HttpContent c) {
        bodyBuf.addComponent(true, c.content().retain());
        c.release();
        if (bodyBuf.readableBytes() > bodyLimit) {
            releaseBodyBuf();
            bodyTooLarge(bodyLimit);
            return;
        }
        if (requestComplete) {
            byte[] b = ByteBufUtil.getBytes(bodyBuf);
            releaseBodyBuf();
            req.bufferedBody(b);
            bodyFromWire = true;
            serve();
        }
    }

    private void releaseBodyBuf() {
        if (bodyBuf != null) {
            bodyBuf.release();
            bodyBuf = null;
        }
    }

    private void bodyTooLarge(int limit) {
        String msg = "request body larger than " + limit + " bytes (the largest a module buffers)\n";
        if (!http2) {
            sendLocal(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, msg, true);
            return;
        }
        // on HTTP/2 only this stream is answered; the rest of its body is read and dropped, other streams go on
        requestHasBody = false;
        sendLocal(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, msg, false);
    }

    /** Runs the request chains, routes, and forwards; the head (and any buffered body) is complete. */
    private void serve() {
        chains = px.chains.current();
        runChain(CallbackPoint.BEFORE_LOCATION, 0);
    }

    /**
     * Runs a request chain from its filter number {@code from}, then the step after that point. A filter's
     * blocking work suspends the request here until the work's verdict is back (resumeChain).
     */
    private void runChain(CallbackPoint point, int from) {
        FilterResult fr = chains.runRequest(point, req, from);
        if (fr.code() == ReturnCode.BLOCKING) {
            Chains.Blocked b = (Chains.Blocked) fr.work();
            runBlocking(point, b.next(), b.work());
            return;
        }
        if (goOn(fr)) {
            switch (point) {
                case BEFORE_LOCATION -> locate();
                case FOUND_PRODUCT -> productFiltered();
                default -> forward();
            }
        }
    }

    /** After BEFORE_LOCATION: the product, then FOUND_PRODUCT (when a module hooks it) or the cluster. */
    private void locate() {
        if (HttpMethod.CONNECT.equals(clientHead.method())) {
            // no tunnel to offer: a module that serves CONNECT answers it in BEFORE_LOCATION, above
            answer(RequestEdges.CONNECT_NOT_ALLOWED);
            return;
        }
        routed = px.router.route(req);
        req.product(routed.product());
        if (routed.error() == Router.RouteError.NO_PRODUCT) {
            routeError(routed.error());
            return;
        }
        if (chains.has(CallbackPoint.FOUND_PRODUCT)) {
            runChain(CallbackPoint.FOUND_PRODUCT, 0);
        } else {
            clusterFound();
        }
    }

    /** FOUND_PRODUCT filters may rewrite the request; route it again as it now stands. */
    private void productFiltered() {
        routed = px.router.route(req);
        req.product(routed.product());
        clusterFound();
    }

    private void clusterFound() {
        if (routed.error() != null) {
            routeError(routed.error());
            return;
        }
        req.cluster(routed.cluster());
        timeouts.apply(routed.target().policy(), requestHasBody && !requestComplete);
        runChain(CallbackPoint.AFTER_LOCATION, 0);
    }

    /** After AFTER_LOCATION: picks an instance and hands the request to an exchange. */
    private void forward() {
        HttpRequest r = clientHead;
        Router.ClusterTarget target = routed.target();
        routed = null;
        Upstream first = target.pick(req, Set.of());
        if (first == null) {
            routeError(Router.RouteError.NO_BACKEND);
            return;
        }
        boolean upgrade = !http2 && HopByHop.isUpgrade(r.headers());
        byte[] body = req.body();
        if (body != null && (requestHasBody || body.length > 0)) {
            // a buffered body leaves in one piece, its length known (a filter may have replaced it)
            r.headers().remove(HttpHeaderNames.TRANSFER_ENCODING);
            r.headers().set(HttpHeaderNames.CONTENT_LENGTH, body.length);
            requestHasBody = body.length > 0;
        }
        prepareOutgoing(r, upgrade);
        if (requestHasBody) {
            continueBody();
        }
        Exchange e = new Exchange(this, px.pool(ctx.channel().eventLoop()), px.router, px.stats, target, req, r,
                requestHasBody, upgrade);
        exchange = e;
        e.start(first);
        if (body != null && (bodyFromWire || body.length > 0)) {
            // the whole body leaves now; what the client still sends for this request (an empty end) is dropped
            swallowContent = !bodyFromWire;
            e.onClientContent(body.length == 0 ? LastHttpContent.EMPTY_LAST_CONTENT
                    : new DefaultLastHttpContent(Unpooled.wrappedBuffer(body)));
            e.onClientReadComplete();
        }
    }

    /**
     * Runs a filter's blocking work on the module work pool. The request waits, reading from the client paused
     * and what was already read held in the queue; the event loop serves its other connections meanwhile.
     */
    private void runBlocking(CallbackPoint point, int next, Supplier<FilterResult> work) {
        RequestView waiting = req;
        String uri = clientHead.uri();
        suspended = true;
        updateRead();
        boolean taken = px.blocking.submit(() -> {
            FilterResult verdict;
            try {
                verdict = work.get();
            } catch (RuntimeException | Error e) {
                log.warn("blocking work of a {} filter failed for {}: {}", point, uri, e.toString());
                verdict = null;
            }
            FilterResult v = verdict;
            try {
                ctx.executor().execute(() -> resumeChain(waiting, point, next, v));
            } catch (java.util.concurrent.RejectedExecutionException stopped) {
                // the proxy stopped meanwhile; its connections are closed already
            }
        });
        if (!taken) {
            suspended = false;
            updateRead();
            sendLocal(HttpResponseStatus.SERVICE_UNAVAILABLE, "too much module work waiting\n", true);
        }
    }

    /** Back on the event loop with a blocking work's verdict: applies it, or goes on with the next filter. */
    private void resumeChain(RequestView waiting, CallbackPoint point, int next, FilterResult verdict) {
        if (req != waiting || !suspended || !responding || !ctx.channel().isActive()) {
            return; // the client went away or timed out meanwhile
        }
        suspended = false;
        updateRead();
        if (verdict == null) {
            sendLocal(HttpResponseStatus.INTERNAL_SERVER_ERROR, "module failed\n", true);
        } else if (verdict.code() == ReturnCode.BLOCKING) {
            runBlocking(point, next, verdict.work());
        } else if (verdict.code() == ReturnCode.GO_ON) {
            runChain(point, next);
        } else {
            goOn(verdict);
        }
        if (!suspended && !closing && ctx.channel().isActive()) {
            // body pieces and pipelined requests that arrived while the request waited
            drainQueue();
        }
    }

    /** Sends the {@code 100 Continue} a client waits for, once, now that its body is wanted. */
    private void continueBody() {
        if (expectContinue) {
            expectContinue = false;
            ctx.writeAndFlush(LocalResponses.continue100(), ctx.voidPromise());
        }
    }

    /** A client too slow to send its body or take the response: the request ends and the connection closes. */
    private void clientTimedOut() {
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

    private void rejectBadHead(Throwable cause) {
        answer(LocalResponses.badHead(cause, px.settings));
    }

    private void routeError(Router.RouteError e) {
        answer(LocalResponses.routeError(e));
    }

    /** Sends one of the proxy's own answers; on HTTP/2 only the stream ends, never the whole connection. */
    private void answer(LocalResponses.Answer a) {
        px.stats.inc(a.counter());
        sendLocal(a.status(), a.body(), a.close() && !http2);
    }

    private void prepareOutgoing(HttpRequest r, boolean upgrade) {
        HttpHeaders h = r.headers();
        HopByHop.strip(h, upgrade);
        if (http2) {
            // Netty's HTTP/2 → HTTP/1 conversion adds x-http2-* headers; they are not the client's
            List<String> internal = new ArrayList<>(2);
            for (String name : h.names()) {
                if (name.regionMatches(true, 0, "x-http2-", 0, 8)) {
                    internal.add(name);
                }
            }
            internal.forEach(h::remove);
        }
        String ip = clientIp;
        if (ip == null) {
            InetSocketAddress client = session.clientAddress();
            ip = clientIp = client.getAddress().getHostAddress();
        }
        // as BFE's mod_header: earlier X-Forwarded-For lines are folded into one, then the peer appended
        if (!h.contains(X_FORWARDED_FOR)) {
            h.set(X_FORWARDED_FOR, ip); // the usual case, without getAll's list and the joins
        } else {
            h.set(X_FORWARDED_FOR, String.join(", ", h.getAll(X_FORWARDED_FOR)) + ", " + ip);
        }
        if (!session.trustedSource() || !h.contains(X_FORWARDED_PROTO)) {
            // the scheme the client used; only a trusted source (mod_trust_clientip) may report its own
            h.set(X_FORWARDED_PROTO, session.isSecure() ? "https" : "http");
        }
        // the client address filters see: the peer, or what a trusted source (mod_trust_clientip) reported
        InetSocketAddress ca = req.clientAddress();
        h.set(X_REAL_IP, ca == session.clientAddress() || ca == null ? ip : ca.getAddress().getHostAddress());
        r.setProtocolVersion(HttpVersion.HTTP_1_1);
        if (requestHasBody && !h.contains(HttpHeaderNames.CONTENT_LENGTH)) {
            HttpUtil.setTransferEncodingChunked(r, true);
        }
    }

    /** Applies a request filter's verdict; false when the request was answered or the connection closed. */
    private boolean goOn(FilterResult fr) {
        ReturnCode code = fr.code();
        if (code == ReturnCode.GO_ON) {
            return true;
        }
        Response resp = fr.response() != null ? fr.response() : Response.of(500, "filter returned " + code + " without a response\n");
        switch (code) {
            case CLOSE -> {
                px.stats.inc(Key.ERR_FILTER_CLOSE);
                closeNow();
            }
            case FINISH -> {
                px.stats.inc(Key.ERR_FILTER_FINISH);
                closeAfter = true;
                sendFilterResponse(resp);
            }
            default -> sendFilterResponse(resp);
        }
        return false;
    }

    @Override
    public boolean forwarding(Upstream upstream) {
        req.backend(upstream.address());
        ReturnCode c = px.chains.current().runForward(req);
        if (c == ReturnCode.GO_ON) {
            return true;
        }
        exchange = null;
        if (c == ReturnCode.CLOSE) {
            px.stats.inc(Key.ERR_FILTER_CLOSE);
            closeNow();
        } else {
            // a forward filter has no response to send; anything but GO_ON and CLOSE ends the request
            px.stats.inc(Key.ERR_FILTER_FINISH);
            sendLocal(HttpResponseStatus.FORBIDDEN, "refused by forward filter\n", true);
        }
        return false;
    }

    // ---- backend → client

    @Override
    public void responseHead(HttpResponse h) {
        ResponseView rv = new ResponseView(h);
        req.response(rv);
        ReturnCode code = px.chains.current().runResponse(CallbackPoint.READ_RESPONSE, req, rv);
        if (code == ReturnCode.CLOSE) {
            px.stats.inc(Key.ERR_FILTER_CLOSE);
            Exchange e = exchange;
            exchange = null;
            e.clientGone();
            closeNow();
            return;
        }
        if (code == ReturnCode.FINISH) {
            closeAfter = true;
        }
        bodyTransform = req.getContext(BodyTransform.CONTEXT_KEY) instanceof BodyTransform t ? t : null;
        int status = h.status().code();
        HopByHop.strip(h.headers(), false);
        if (!http2) {
            boolean bodyAllowed = status >= 200 && status != 204 && status != 304
                    && !HttpMethod.HEAD.equals(clientHead.method());
            if (bodyAllowed && !h.headers().contains(HttpHeaderNames.CONTENT_LENGTH)) {
                if (!http10) {
                    HttpUtil.setTransferEncodingChunked(h, true);
                } else {
                    // an HTTP/1.0 client cannot parse chunks: the body ends with the connection
                    closeAfter = true;
                }
            }
            connectionHeaders(h);
        }
        px.stats.status(status);
        // nothing waits on this write: a failure closes the connection through exceptionCaught
        ctx.write(h, ctx.voidPromise());
        timeouts.responseStarted(ctx.channel().isWritable());
    }

    @Override
    public void responseContent(HttpContent content, boolean last) {
        if (timeouts.pastWriteDeadline()) {
            content.release();
            clientTimedOut();
            return;
        }
        if (bodyTransform != null) {
            content = transformed(content, last);
            if (content == null) {
                return;
            }
        }
        if (!last) {
            ctx.write(content, ctx.voidPromise());
            return;
        }
        timeouts.lastWritten(ctx.writeAndFlush(content));
        exchange = null;
        finishRequest(req.response());
    }

    @Override
    public void flush() {
        ctx.flush();
    }

    /** Releases a body transform that did not see the end of its body. */
    private void dropTransform() {
        BodyTransform t = bodyTransform;
        bodyTransform = null;
        if (t != null) {
            try {
                t.abort();
            } catch (RuntimeException e) {
                log.debug("body transform abort failed: {}", e.toString());
            }
        }
    }

    /** Passes a body chunk through the response's transform; null when it failed and the client was dropped. */
    private HttpContent transformed(HttpContent content, boolean last) {
        ByteBuf in = content.content();
        byte[] bytes = new byte[in.readableBytes()];
        in.readBytes(bytes);
        content.release();
        byte[] out;
        try {
            out = bodyTransform.transform(bytes, last);
        } catch (IOException | RuntimeException e) {
            log.debug("response body transform failed for {}: {}", clientHead == null ? "-" : clientHead.uri(), e.toString());
            dropTransform();
            Exchange ex = exchange;
            exchange = null;
            if (ex != null) {
                ex.clientGone();
            }
            closeNow();
            return null;
        }
        if (last) {
            bodyTransform = null;
            return new DefaultLastHttpContent(Unpooled.wrappedBuffer(out));
        }
        return new DefaultHttpContent(Unpooled.wrappedBuffer(out));
    }

    @Override
    public void failed(int status, String reason) {
        exchange = null;
        timeouts.cancelWrite();
        log.debug("request {} {} failed: {}", clientHead.method(), clientHead.uri(), reason);
        // a proxy error ends an HTTP/1 connection after its answer, as BFE does
        if (status == 504) {
            sendLocal(HttpResponseStatus.GATEWAY_TIMEOUT, "backend timeout\n", !http2);
        } else {
            px.stats.inc(Key.ERR_BACKEND_UNREACHABLE);
            sendLocal(HttpResponseStatus.valueOf(status), "backend unavailable\n", !http2);
        }
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

    // ---- local answers and request end

    private void sendFilterResponse(Response r) {
        if (r instanceof FileBody fb) {
            sendFile(r, fb);
            return;
        }
        if (req != null) {
            req.response(r);
        }
        writeLocal(LocalResponses.of(r), r);
    }

    private void sendLocal(HttpResponseStatus status, String body, boolean close) {
        if (close) {
            closeAfter = true;
        }
        FullHttpResponse full = LocalResponses.text(status, body);
        Response view = new ResponseView(full);
        if (req != null) {
            req.response(view);
        }
        writeLocal(full, view);
    }

    private void writeLocal(FullHttpResponse full, Response view) {
        localHead(full);
        ctx.writeAndFlush(full);
        finishRequest(view);
    }

    /** The connection headers and status count of a response the proxy makes itself. */
    private void localHead(HttpResponse head) {
        if (requestHasBody && !requestComplete) {
            // the rest of the body is still on the wire; closing is the only safe way to skip it
            closeAfter = true;
        }
        if (!http2) {
            connectionHeaders(head);
        }
        px.stats.status(head.status().code());
    }

    /** The status-line version and Connection header of an HTTP/1 response (Go answers 1.0 clients in 1.0). */
    private void connectionHeaders(HttpResponse head) {
        head.setProtocolVersion(http10 ? HttpVersion.HTTP_1_0 : HttpVersion.HTTP_1_1);
        if (closeAfter) {
            head.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (http10) {
            head.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
    }

    /** Sends a filter's file response (mod_static). */
    private void sendFile(Response r, FileBody fb) {
        boolean noBody = fb.length() == 0 || clientHead != null && HttpMethod.HEAD.equals(clientHead.method());
        RandomAccessFile raf = null;
        if (!noBody) {
            try {
                raf = new RandomAccessFile(fb.file().toFile(), "r");
            } catch (IOException e) {
                sendLocal(HttpResponseStatus.NOT_FOUND, "not found\n", false);
                return;
            }
        }
        HttpResponse head = LocalResponses.fileHead(r, fb);
        if (req != null) {
            req.response(r);
        }
        localHead(head);
        ctx.write(head);
        try {
            LocalResponses.fileBody(ctx, raf, fb, noBody, http2, px.blocking);
        } catch (IOException e) {
            log.debug("sending {} failed: {}", fb.file(), e.toString());
            if (raf != null) {
                closeQuietly(raf); // nothing took the file over
            }
            closeAfter = true;
        }
        finishRequest(r);
    }

    private static void closeQuietly(RandomAccessFile raf) {
        try {
            raf.close();
        } catch (IOException ignored) {
            // already failing; the send error is what gets logged
        }
    }

    private void finishRequest(Response response) {
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
        if (req != null && response != null) {
            ReturnCode c = px.chains.current().runResponse(CallbackPoint.REQUEST_FINISH, req, response);
            if (c == ReturnCode.CLOSE || c == ReturnCode.FINISH) {
                closeAfter = true;
            }
        }
        req = null;
        clientHead = null;
        dropTransform();
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

    private void drainQueue() {
        if (handlingQueue) {
            return;
        }
        handlingQueue = true;
        try {
            Object m;
            while (!(responding && requestComplete) && !suspended && !tunnel && ctx.channel().isActive()
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

    private void updateRead() {
        boolean read = !(pausedByBackend || pausedByQueue || suspended);
        if (ctx.channel().config().isAutoRead() != read) {
            ctx.channel().config().setAutoRead(read);
        }
    }

    private void closeNow() {
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
        dropTransform();
        releaseBodyBuf();
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
