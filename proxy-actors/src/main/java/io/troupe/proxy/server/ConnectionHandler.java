package io.troupe.proxy.server;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SniCompletionEvent;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.troupe.api.proxy.CallbackPoint;
import io.troupe.api.proxy.ReturnCode;
import io.troupe.proxy.monitor.ProxyStats.Key;
import java.net.InetSocketAddress;

/**
 * Connection-level work for one client connection: the connection limit, the {@link SessionImpl}, and the
 * ACCEPT, HANDSHAKE and FINISH chains.
 */
final class ConnectionHandler extends ChannelInboundHandlerAdapter {
    private final ProxyContext px;
    private final boolean secure;
    private SessionImpl session;
    private boolean counted;

    ConnectionHandler(ProxyContext px, boolean secure) {
        this.px = px;
        this.secure = secure;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (px.connections.incrementAndGet() > px.settings.maxConnections() || px.draining) {
            px.connections.decrementAndGet();
            px.stats.inc(Key.CONN_REFUSED_LIMIT);
            ctx.close();
            return;
        }
        counted = true;
        px.clients.add(ctx.channel());
        px.stats.inc(Key.CLIENT_CONN_SERVED);
        px.stats.inc(Key.CLIENT_CONN_ACTIVE);
        // behind a layer-4 balancer speaking the PROXY protocol, its header names the client and the virtual address
        InetSocketAddress[] proxied = ctx.channel().attr(ProxyProtocolHandler.ADDRESSES).get();
        session = proxied != null ? new SessionImpl(proxied[0], proxied[1], secure)
                : new SessionImpl((InetSocketAddress) ctx.channel().remoteAddress(),
                        (InetSocketAddress) ctx.channel().localAddress(), secure);
        ctx.channel().attr(SessionImpl.KEY).set(session);
        if (px.chains.current().runSession(CallbackPoint.ACCEPT, session) != ReturnCode.GO_ON) {
            px.stats.inc(Key.CONN_CLOSED_BY_FILTER);
            ctx.close();
            return;
        }
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (counted) {
            counted = false;
            px.connections.decrementAndGet();
            px.stats.dec(Key.CLIENT_CONN_ACTIVE);
            px.chains.current().runSession(CallbackPoint.FINISH, session);
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof SniCompletionEvent sni && session != null) {
            session.serverName(sni.hostname());
        } else if (evt instanceof SslHandshakeCompletionEvent hs && session != null) {
            if (!hs.isSuccess()) {
                px.stats.inc(Key.CONN_TLS_HANDSHAKE_FAIL);
                ctx.close();
                return;
            }
            SslHandler ssl = ctx.pipeline().get(SslHandler.class);
            String alpn = ssl == null ? null : ssl.applicationProtocol();
            session.protocol(alpn == null ? "http/1.1" : alpn);
            TlsContexts.clientAuth(ctx.channel(), ssl, session);
            if (px.chains.current().runSession(CallbackPoint.HANDSHAKE, session) != ReturnCode.GO_ON) {
                px.stats.inc(Key.CONN_CLOSED_BY_FILTER);
                ctx.close();
                return;
            }
        }
        ctx.fireUserEventTriggered(evt);
    }
}
