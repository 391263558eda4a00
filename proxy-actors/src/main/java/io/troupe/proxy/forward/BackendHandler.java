package io.troupe.proxy.forward;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.HttpConversionUtil;
import io.netty.util.ReferenceCountUtil;

/** The last handler of a backend connection: hands what the backend sends to the exchange using it. */
final class BackendHandler extends ChannelInboundHandlerAdapter {
    private final BackendPool pool;
    private Upstream upstream;
    private Exchange exchange;

    BackendHandler(BackendPool pool) {
        this.pool = pool;
    }

    static BackendHandler of(Channel ch) {
        return ch.pipeline().get(BackendHandler.class);
    }

    void upstream(Upstream u) {
        this.upstream = u;
    }

    void exchange(Exchange e) {
        this.exchange = e;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Exchange e = exchange;
        if (msg instanceof HttpResponse r && ctx.channel() instanceof Http2StreamChannel) {
            // HTTP/2 → HTTP/1 conversion adds x-http2-* headers; they are ours, not the backend's
            for (HttpConversionUtil.ExtensionHeaderNames n : HttpConversionUtil.ExtensionHeaderNames.values()) {
                r.headers().remove(n.text());
            }
        }
        if (e != null) {
            e.onBackendMessage(msg);
        } else {
            // an idle pooled connection must not talk; whatever it sends makes it unusable
            ReferenceCountUtil.release(msg);
            ctx.close();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        Exchange e = exchange;
        if (e != null) {
            e.onBackendReadComplete();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        Exchange e = exchange;
        if (e != null) {
            e.onBackendWritabilityChanged(ctx.channel().isWritable());
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        pool.forget(upstream, ctx.channel());
        Exchange e = exchange;
        exchange = null;
        if (e != null) {
            e.onBackendClosed(ctx.channel(), null);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Exchange e = exchange;
        exchange = null;
        if (e != null) {
            e.onBackendClosed(ctx.channel(), cause);
        }
        ctx.close();
    }
}
