package io.troupe.proxy.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.troupe.api.proxy.BodyTransform;
import io.troupe.api.proxy.CallbackPoint;
import io.troupe.api.proxy.FileBody;
import io.troupe.api.proxy.Response;
import io.troupe.api.proxy.ReturnCode;
import io.troupe.proxy.forward.ClientLeg;
import io.troupe.proxy.forward.Exchange;
import io.troupe.proxy.forward.HopByHop;
import io.troupe.proxy.forward.Upstream;
import io.troupe.proxy.monitor.ProxyStats.Key;
import java.io.IOException;
import java.io.RandomAccessFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything a client gets back for a request: the backend's response (READ_RESPONSE filters, a filter's body
 * transform such as mod_compress's, HTTP/1.1 chunking or an HTTP/1.0 close-delimited body, the client write
 * deadline), and the responses the proxy makes itself (its error answers, a filter's in-memory or file
 * response). Every complete response ends the request at the handler. It is the {@link ClientLeg} every
 * {@link Exchange} of the connection reports to. One per connection (per stream on HTTP/2).
 */
final class ResponsePath implements ClientLeg {
    private static final Logger log = LoggerFactory.getLogger(ResponsePath.class);

    private final ProxyHandler h;
    private final ProxyContext px;
    private final ChannelHandlerContext ctx;
    /** A READ_RESPONSE filter's change to the response body (mod_compress), or null. */
    private BodyTransform bodyTransform;
    /** Whether this request's response head has gone to the client: after it, a failure can only close. */
    private boolean headSent;

    ResponsePath(ProxyHandler h, ChannelHandlerContext ctx) {
        this.h = h;
        this.px = h.px;
        this.ctx = ctx;
    }

    // ---- the backend's response (ClientLeg)

    @Override
    public Channel channel() {
        return ctx.channel();
    }

    @Override
    public boolean forwarding(Upstream upstream) {
        return h.stages.forwarding(upstream);
    }

    /** The backend's response head: READ_RESPONSE filters, then the head as the client's protocol needs it. */
    @Override
    public void responseHead(HttpResponse head) {
        RequestView req = h.req;
        ResponseView rv = new ResponseView(head);
        req.response(rv);
        ReturnCode code = px.chains.current().runResponse(CallbackPoint.READ_RESPONSE, req, rv);
        if (code == ReturnCode.CLOSE) {
            px.stats.inc(Key.ERR_FILTER_CLOSE);
            Exchange e = h.exchange;
            h.exchange = null;
            e.clientGone();
            h.closeNow();
            return;
        }
        if (code == ReturnCode.FINISH) {
            h.closeAfter = true;
        }
        bodyTransform = req.getContext(BodyTransform.CONTEXT_KEY) instanceof BodyTransform t ? t : null;
        int status = head.status().code();
        HopByHop.strip(head.headers(), false);
        HttpDate.addIfAbsent(head.headers());
        if (!h.http2) {
            boolean bodyAllowed = status >= 200 && status != 204 && status != 304
                    && !HttpMethod.HEAD.equals(h.clientHead.method());
            if (bodyAllowed && !head.headers().contains(HttpHeaderNames.CONTENT_LENGTH)) {
                if (!h.http10) {
                    HttpUtil.setTransferEncodingChunked(head, true);
                } else {
                    // an HTTP/1.0 client cannot parse chunks: the body ends with the connection
                    h.closeAfter = true;
                }
            }
            connectionHeaders(head);
        }
        px.stats.status(status);
        // nothing waits on this write: a failure closes the connection through exceptionCaught
        ctx.write(head, ctx.voidPromise());
        headSent = true;
        h.timeouts.responseStarted();
    }

    /** A piece of the backend's response body; the last one ends the request. */
    @Override
    public void responseContent(HttpContent content, boolean last) {
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
        h.timeouts.lastWritten(ctx.writeAndFlush(content));
        h.exchange = null;
        h.finishRequest(h.req.response());
    }

    @Override
    public void flush() {
        ctx.flush();
    }

    @Override
    public void aborted() {
        h.aborted();
    }

    @Override
    public void pauseReading(boolean pause) {
        h.pauseReading(pause);
    }

    @Override
    public void upgraded(HttpResponse head, Channel backend) {
        h.upgraded(head);
    }

    /** Releases a body transform that did not see the end of its body. */
    void dropTransform() {
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
            log.debug("response body transform failed for {}: {}", h.clientHead == null ? "-" : h.clientHead.uri(), e.toString());
            dropTransform();
            Exchange ex = h.exchange;
            h.exchange = null;
            if (ex != null) {
                ex.clientGone();
            }
            h.closeNow();
            return null;
        }
        if (last) {
            bodyTransform = null;
            return new DefaultLastHttpContent(Unpooled.wrappedBuffer(out));
        }
        return new DefaultHttpContent(Unpooled.wrappedBuffer(out));
    }

    /** The exchange failed before a response head reached the client. */
    @Override
    public void failed(int status, String reason) {
        h.exchange = null;
        log.debug("request {} {} failed: {}", h.clientHead.method(), h.clientHead.uri(), reason);
        // a proxy error ends an HTTP/1 connection after its answer, as BFE does
        if (status == 504) {
            sendLocal(HttpResponseStatus.GATEWAY_TIMEOUT, "backend timeout\n", !h.http2);
        } else {
            px.stats.inc(Key.ERR_BACKEND_UNREACHABLE);
            sendLocal(HttpResponseStatus.valueOf(status), "backend unavailable\n", !h.http2);
        }
    }

    // ---- the proxy's own responses

    /** Sends one of the proxy's own answers; on HTTP/2 only the stream ends, never the whole connection. */
    void answer(LocalResponses.Answer a) {
        px.stats.inc(a.counter());
        sendLocal(a.status(), a.body(), a.close() && !h.http2);
    }

    /** A request filter's response (mod_static's files included). */
    void sendFilterResponse(Response r) {
        if (r instanceof FileBody fb) {
            sendFile(r, fb);
            return;
        }
        if (h.req != null) {
            h.req.response(r);
        }
        writeLocal(LocalResponses.of(r), r);
    }

    /** A plain-text answer; {@code close} ends the connection after it (the whole connection, on HTTP/2 too). */
    void sendLocal(HttpResponseStatus status, String body, boolean close) {
        if (close) {
            h.closeAfter = true;
        }
        FullHttpResponse full = LocalResponses.text(status, body);
        Response view = new ResponseView(full);
        if (h.req != null) {
            h.req.response(view);
        }
        writeLocal(full, view);
    }

    /** A new request on the connection: no response head of it has gone yet. */
    void newRequest() {
        headSent = false;
    }

    boolean headSent() {
        return headSent;
    }

    private void writeLocal(FullHttpResponse full, Response view) {
        headSent = true;
        localHead(full);
        ctx.writeAndFlush(full);
        h.finishRequest(view);
    }

    /** The connection headers and status count of a response the proxy makes itself. */
    private void localHead(HttpResponse head) {
        if (h.requestHasBody && !h.requestComplete) {
            // the rest of the body is still on the wire; closing is the only safe way to skip it
            h.closeAfter = true;
        }
        if (!h.http2) {
            connectionHeaders(head);
        }
        px.stats.status(head.status().code());
    }

    /** The status-line version and Connection header of an HTTP/1 response (Go answers 1.0 clients in 1.0). */
    private void connectionHeaders(HttpResponse head) {
        head.setProtocolVersion(h.http10 ? HttpVersion.HTTP_1_0 : HttpVersion.HTTP_1_1);
        if (h.closeAfter) {
            head.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (h.http10) {
            head.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
    }

    /** Sends a filter's file response (mod_static). */
    private void sendFile(Response r, FileBody fb) {
        boolean noBody = fb.length() == 0 || h.clientHead != null && HttpMethod.HEAD.equals(h.clientHead.method());
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
        if (h.req != null) {
            h.req.response(r);
        }
        localHead(head);
        ctx.write(head);
        try {
            LocalResponses.fileBody(ctx, raf, fb, noBody, h.http2, px.blocking);
        } catch (IOException e) {
            log.debug("sending {} failed: {}", fb.file(), e.toString());
            if (raf != null) {
                closeQuietly(raf); // nothing took the file over
            }
            h.closeAfter = true;
        }
        h.finishRequest(r);
    }

    private static void closeQuietly(RandomAccessFile raf) {
        try {
            raf.close();
        } catch (IOException ignored) {
            // already failing; the send error is what gets logged
        }
    }
}
