package io.troupe.proxy.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.troupe.proxy.monitor.ProxyStats.Key;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Closes an HTTP/1 connection whose client does not finish a request head in time (slow-header clients)
 * or stays idle between keep-alive requests too long. Sits before the HTTP codec so it sees raw bytes.
 * One timer per connection checks a deadline, so requests cost no scheduling.
 */
final class HeadTimeout extends ChannelInboundHandlerAdapter {
    private final ProxyContext px;
    private ChannelHandlerContext ctx;
    private boolean awaiting = true;
    private boolean started;
    private ScheduledFuture<?> timer;
    private long timerAt;
    private long deadline;

    HeadTimeout(ProxyContext px) {
        this.px = px;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        // a new connection gets the head timeout from the start: sending nothing is as slow as it gets
        started = true;
        arm(px.settings.headerReadTimeoutMs());
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (awaiting && !started && msg instanceof ByteBuf) {
            started = true;
            arm(px.settings.headerReadTimeoutMs());
        }
        ctx.fireChannelRead(msg);
    }

    /** A full request head was decoded. */
    void headReceived() {
        awaiting = false;
    }

    /** The response was sent; wait for the next keep-alive request. */
    void awaitNext() {
        awaiting = true;
        started = false;
        arm(px.settings.keepAliveTimeoutMs());
    }

    private void arm(long ms) {
        deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
        if (timer == null || timerAt - deadline > 0) {
            schedule(deadline);
        }
    }

    private void schedule(long at) {
        if (timer != null) {
            timer.cancel(false);
        }
        timerAt = at;
        timer = ctx.executor().schedule(this::check, Math.max(at - System.nanoTime(), 0), TimeUnit.NANOSECONDS);
    }

    private void check() {
        timer = null;
        if (ctx.isRemoved() || !ctx.channel().isActive()) {
            return;
        }
        if (!awaiting) {
            // busy with a request; look again later in case it goes back to waiting
            schedule(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(px.settings.headerReadTimeoutMs()));
            return;
        }
        if (deadline - System.nanoTime() > 0) {
            schedule(deadline);
            return;
        }
        if (started) {
            px.stats.inc(Key.ERR_HEADER_TIMEOUT);
        }
        ctx.channel().close();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }
}
