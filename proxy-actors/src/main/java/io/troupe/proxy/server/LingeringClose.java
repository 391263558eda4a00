package io.troupe.proxy.server;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.TimeUnit;

/**
 * Closes an HTTP/1 connection after its last response without losing that response to a reset: the write side
 * is shut (FIN after the response), and what the client still sends is read and dropped until it closes or
 * {@link #LINGER_MS} pass. Closing with unread bytes in the socket would send an RST, and a client that is still
 * writing (a 64 KiB head answered with 431 after the first few KiB) would see the reset instead of the answer.
 */
final class LingeringClose extends ChannelInboundHandlerAdapter {
    /** The longest a closing connection keeps reading (nginx's lingering_timeout is of this order). */
    static final long LINGER_MS = 2000;

    private LingeringClose() {}

    /** Flushes what was written on {@code ctx}, then starts the lingering close (or closes, when the flush failed). */
    static void afterFlush(ChannelHandlerContext ctx) {
        Channel conn = ctx.channel();
        ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener((ChannelFutureListener) f -> {
            if (f.isSuccess()) {
                start(conn);
            } else {
                conn.close();
            }
        });
    }

    /** Starts the lingering close of {@code ch}; call once everything to send has been flushed. */
    static void start(Channel ch) {
        if (!ch.isActive() || !(ch instanceof DuplexChannel duplex) || ch.pipeline().get(LingeringClose.class) != null) {
            ch.close();
            return;
        }
        // everything from here on is discarded at the front of the pipeline, before any decoder
        ch.pipeline().addFirst("lingering-close", new LingeringClose());
        ch.config().setAutoRead(true);
        ch.eventLoop().schedule(() -> {
            ch.close();
        }, LINGER_MS, TimeUnit.MILLISECONDS);
        SslHandler ssl = ch.pipeline().get(SslHandler.class);
        if (ssl != null) {
            // close_notify first, then the FIN
            ssl.closeOutbound().addListener(f -> shutdownOutput(duplex));
        } else {
            shutdownOutput(duplex);
        }
    }

    private static void shutdownOutput(DuplexChannel ch) {
        ch.shutdownOutput().addListener(f -> {
            if (!f.isSuccess()) {
                ch.close();
            }
        });
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ReferenceCountUtil.release(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        // swallowed: the handlers behind are done with this connection
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        // the client's FIN (with half-closure allowed) or anything else: nothing more to wait for
        if (evt instanceof io.netty.channel.socket.ChannelInputShutdownEvent) {
            ctx.close();
            return;
        }
        ReferenceCountUtil.release(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
