package io.troupe.proxy.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.Http2CodecUtil;

/**
 * Looks at the first bytes of a plain connection once: the HTTP/2 connection preface switches it to h2c
 * (prior knowledge), anything else leaves HTTP/1.1 in place. Either way it then leaves the pipeline, so
 * HTTP/1.1 requests pay nothing for h2c support.
 */
final class H2cDetector extends ChannelInboundHandlerAdapter {
    private static final ByteBuf PREFACE = Http2CodecUtil.connectionPrefaceBuf();
    private final Runnable switchToHttp2;
    private ByteBuf seen;

    /** @param switchToHttp2 replaces the HTTP/1 handlers with HTTP/2 ones; runs on the event loop */
    H2cDetector(Runnable switchToHttp2) {
        this.switchToHttp2 = switchToHttp2;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf in)) {
            ctx.fireChannelRead(msg);
            return;
        }
        ByteBuf buf = in;
        if (seen != null) {
            seen.writeBytes(in);
            in.release();
            buf = seen;
        }
        int n = Math.min(buf.readableBytes(), PREFACE.readableBytes());
        boolean prefixMatches = ByteBufUtil.equals(buf, buf.readerIndex(), PREFACE, 0, n);
        if (prefixMatches && n < PREFACE.readableBytes()) {
            // too short to decide: keep what came and wait for more
            if (seen == null) {
                seen = ctx.alloc().buffer(PREFACE.readableBytes());
                seen.writeBytes(buf);
                buf.release();
            }
            return;
        }
        seen = null;
        if (prefixMatches) {
            switchToHttp2.run();
        }
        ctx.pipeline().remove(this);
        ctx.fireChannelRead(buf);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (seen != null) {
            seen.release();
            seen = null;
        }
    }
}
