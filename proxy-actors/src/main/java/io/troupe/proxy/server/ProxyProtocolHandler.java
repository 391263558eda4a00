package io.troupe.proxy.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.ProtocolDetectionResult;
import io.netty.handler.codec.ProtocolDetectionState;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.util.AttributeKey;
import io.netty.util.NetUtil;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.troupe.proxy.monitor.ProxyStats.Key;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PROXY protocol (v1 text or v2 binary) on a listener behind a layer-4 balancer, as BFE's
 * {@code Layer4LoadBalancer = PROXY}: the header's source becomes the connection's client address and its
 * destination the local (virtual) address. As in BFE the header is optional: a connection whose first bytes are
 * not a PROXY header is served as it is. A malformed header closes the connection.
 *
 * <p>Holds back {@code channelActive} until the header is read, so the ACCEPT chain (mod_block and the like)
 * already sees the real client.
 */
final class ProxyProtocolHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(ProxyProtocolHandler.class);
    /** The addresses a PROXY header reported: [source, destination]; absent without a header. */
    static final AttributeKey<InetSocketAddress[]> ADDRESSES = AttributeKey.valueOf("troupe.proxy-protocol");

    /** v2 TLVs beyond this are refused: with the fixed part, about BFE's 2048-byte MaxProxyHeaderBytes default. */
    private static final int MAX_TLV_BYTES = 2048 - 232;

    private final ProxyContext px;
    private ByteBuf seen;
    private boolean decoding;
    private boolean activeSeen;
    private ScheduledFuture<?> timer;

    ProxyProtocolHandler(ProxyContext px) {
        this.px = px;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        // a client that never finishes its PROXY header must not hold the connection
        timer = ctx.executor().schedule(() -> {
            px.stats.inc(Key.ERR_HEADER_TIMEOUT);
            ctx.close();
        }, px.settings.headerReadTimeoutMs(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        activeSeen = true; // passed on once the header is read
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HAProxyMessage m) {
            try {
                addresses(ctx, m);
            } finally {
                m.release();
            }
            activate(ctx);
            ctx.pipeline().remove(this);
            return;
        }
        if (decoding || !(msg instanceof ByteBuf in)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (seen == null) {
            seen = in;
        } else {
            seen = ctx.alloc().compositeBuffer().addComponents(true, seen, in);
        }
        ProtocolDetectionResult<HAProxyProtocolVersion> r = HAProxyMessageDecoder.detectProtocol(seen);
        if (r.state() == ProtocolDetectionState.NEEDS_MORE_DATA) {
            return;
        }
        ByteBuf bytes = seen;
        seen = null;
        if (r.state() == ProtocolDetectionState.INVALID) {
            activate(ctx);
            if (ctx.channel().isActive()) {
                ctx.fireChannelRead(bytes);
            } else {
                bytes.release();
            }
            ctx.pipeline().remove(this);
            return;
        }
        // a PROXY header: Netty's decoder (put first) reads it, hands us the message, passes the rest and leaves
        decoding = true;
        ctx.pipeline().addBefore(ctx.name(), "proxy-protocol-decoder", new HAProxyMessageDecoder(MAX_TLV_BYTES));
        ctx.pipeline().fireChannelRead(bytes);
    }

    private static void addresses(ChannelHandlerContext ctx, HAProxyMessage m) {
        // LOCAL (the balancer's own health check) and UNKNOWN keep the socket's addresses, as the spec says
        if (m.command() != HAProxyCommand.PROXY || m.proxiedProtocol() == HAProxyProxiedProtocol.UNKNOWN
                || m.proxiedProtocol().addressFamily() == HAProxyProxiedProtocol.AddressFamily.AF_UNIX) {
            return;
        }
        InetSocketAddress src = address(m.sourceAddress(), m.sourcePort());
        InetSocketAddress dst = address(m.destinationAddress(), m.destinationPort());
        if (src != null && dst != null) {
            ctx.channel().attr(ADDRESSES).set(new InetSocketAddress[] {src, dst});
        }
    }

    private static InetSocketAddress address(String ip, int port) {
        byte[] raw = ip == null ? null : NetUtil.createByteArrayFromIpAddressString(ip);
        if (raw == null) {
            return null;
        }
        try {
            return new InetSocketAddress(InetAddress.getByAddress(raw), port);
        } catch (UnknownHostException e) {
            return null; // cannot happen for a 4- or 16-byte address
        }
    }

    /** The header question is settled: the connection becomes active for the handlers after us. */
    private void activate(ChannelHandlerContext ctx) {
        cancelTimer();
        if (activeSeen && ctx.channel().isActive()) {
            ctx.fireChannelActive();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancelTimer();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // BFE closes a connection whose PROXY header does not parse
        log.debug("bad PROXY protocol header from {}: {}", ctx.channel().remoteAddress(), cause.toString());
        px.stats.inc(Key.ERR_CLIENT_BAD_REQUEST);
        ctx.close();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cancelTimer();
        ReferenceCountUtil.safeRelease(seen);
        seen = null;
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }
}
