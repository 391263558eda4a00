package io.troupe.proxy.server;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.DefaultFileRegion;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpChunkedInput;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.stream.ChunkedWriteHandler;
import io.troupe.api.proxy.FileBody;
import io.troupe.api.proxy.Response;
import io.troupe.proxy.ProxySettings;
import io.troupe.proxy.forward.Router;
import io.troupe.proxy.monitor.ProxyStats.Key;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;

/**
 * The responses the proxy makes itself: its error answers (status, text, the counter they bump), a filter's
 * response, and a filter's file response. The handler writes them and ends the request.
 */
final class LocalResponses {
    private LocalResponses() {}

    /** One of the proxy's own error answers; {@code close} ends the connection after it. */
    record Answer(HttpResponseStatus status, String body, Key counter, boolean close) {}

    /** A plain-text response with its length set. */
    static FullHttpResponse text(HttpResponseStatus status, String body) {
        FullHttpResponse full = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
        full.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
        full.headers().set(HttpHeaderNames.CONTENT_LENGTH, full.content().readableBytes());
        HttpDate.set(full.headers());
        if (status.code() == 405) {
            // RFC 9110 §15.5.6: a 405 names the methods that are served
            full.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD, POST, PUT, DELETE, OPTIONS, PATCH, TRACE");
        }
        return full;
    }

    /** The interim answer to {@code Expect: 100-continue}; a new one each time, since a write releases it. */
    static FullHttpResponse continue100() {
        return new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE, Unpooled.EMPTY_BUFFER);
    }

    /** A filter's in-memory response. */
    static FullHttpResponse of(Response r) {
        FullHttpResponse full = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(r.status()), Unpooled.wrappedBuffer(r.body()));
        copyHeaders(r, full);
        full.headers().set(HttpHeaderNames.CONTENT_LENGTH, full.content().readableBytes());
        HttpDate.addIfAbsent(full.headers());
        return full;
    }

    /** The head of a filter's file response. */
    static HttpResponse fileHead(Response r, FileBody fb) {
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(r.status()));
        copyHeaders(r, head);
        head.headers().set(HttpHeaderNames.CONTENT_LENGTH, fb.length());
        HttpDate.addIfAbsent(head.headers());
        return head;
    }

    private static void copyHeaders(Response r, HttpResponse to) {
        for (String name : r.headerNames()) {
            for (String v : r.headers(name)) {
                to.headers().add(name, v);
            }
        }
    }

    /**
     * Writes a file body after its head: a file region with sendfile on plain HTTP/1.x, read in chunks on the
     * module work pool and written by a ChunkedWriteHandler where bytes must pass through TLS or HTTP/2 framing. Takes over {@code raf}, which is
     * null when there is no body to send (an empty region, a HEAD): the file is not even opened then.
     */
    static void fileBody(ChannelHandlerContext ctx, RandomAccessFile raf, FileBody fb, boolean noBody, boolean http2,
                         ModuleWorkPool pool) throws IOException {
        if (noBody) {
            if (raf != null) {
                raf.close();
            }
            ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
        } else if (!http2 && ctx.pipeline().get(SslHandler.class) == null) {
            ctx.write(new DefaultFileRegion(raf.getChannel(), fb.offset(), fb.length()));
            ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
        } else {
            PipelineBuilder.chunkedWriter(ctx);
            // the reads run on the module work pool: a slow disk does not hold up the event loop
            ChunkedWriteHandler writer = ctx.pipeline().get(ChunkedWriteHandler.class);
            ctx.writeAndFlush(new HttpChunkedInput(new OffLoopFileInput(raf, fb.offset(), fb.length(), pool, writer,
                    ctx.alloc())));
        }
    }

    /** The answer to a request head the codec could not decode. */
    static Answer badHead(Throwable cause, ProxySettings s) {
        if (cause instanceof TooLongHttpLineException) {
            return new Answer(HttpResponseStatus.REQUEST_URI_TOO_LONG, "request line too long\n", Key.ERR_CLIENT_LONG_URL, true);
        }
        if (cause instanceof TooLongHttpHeaderException || cause instanceof TooLongFrameException) {
            return new Answer(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "request header fields larger than "
                    + s.maxHeaderBytes() + " bytes\n", Key.ERR_CLIENT_LONG_HEADER, true);
        }
        return new Answer(HttpResponseStatus.BAD_REQUEST, "bad request\n", Key.ERR_CLIENT_BAD_REQUEST, true);
    }

    /** BFE answers every routing failure with 500 and closes the connection after it. */
    static Answer routeError(Router.RouteError e) {
        Key k = switch (e) {
            case NO_PRODUCT -> Key.ERR_BK_FIND_PRODUCT;
            case NO_ROUTE -> Key.ERR_BK_FIND_LOCATION;
            case NO_CLUSTER -> Key.ERR_BK_NO_CLUSTER;
            case NO_BACKEND -> Key.ERR_BK_NO_BALANCE;
        };
        return new Answer(HttpResponseStatus.INTERNAL_SERVER_ERROR, "no route: " + e.name().toLowerCase() + "\n", k, true);
    }
}
