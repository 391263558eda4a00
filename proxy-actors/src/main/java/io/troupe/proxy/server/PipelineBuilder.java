package io.troupe.proxy.server;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2ServerUpgradeCodec;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import io.netty.handler.stream.ChunkedWriteHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.AsciiString;
import io.troupe.proxy.forward.CheckedHeaderNames;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Builds every client pipeline, and is the only code that adds or removes protocol handlers: the listeners
 * (plain, TLS), HTTP/1, HTTP/2 (ALPN h2, prior-knowledge h2c, h2c upgrade) and the switch of an upgraded
 * HTTP/1 connection (WebSocket) to a raw tunnel.
 *
 * <p>Handler order on a connection: {@code proxy-protocol} (optional) → {@code sni} (TLS listeners only) →
 * {@code conn} → then either the HTTP/1 handlers ({@code h2c-detect}, {@code head-timeout}, {@code codec},
 * {@code proxy}; ProxyHandler answers {@code Expect: 100-continue} itself) or the HTTP/2 ones ({@code h2-idle}, frame codec, multiplex).
 */
final class PipelineBuilder {
    /** The HTTP/1 handler types; every switch away from HTTP/1 removes from this one list. */
    private static final List<Class<? extends ChannelHandler>> HTTP1 = List.of(H2cDetector.class, HeadTimeout.class,
            HttpServerCodec.class, HttpServerUpgradeHandler.class,
            ProxyHandler.class);

    private final ProxyContext px;

    PipelineBuilder(ProxyContext px) {
        this.px = px;
    }

    /** The initializer of a plain listener: HTTP/1.1, plus h2c when enabled. */
    ChannelInitializer<SocketChannel> plainListener() {
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                ChannelPipeline p = ch.pipeline();
                proxyProtocol(p);
                connection(p, false);
                if (px.settings.h2c()) {
                    p.addLast("h2c-detect", new H2cDetector(() -> priorKnowledgeH2c(p)));
                }
                http1(p);
            }
        };
    }

    /**
     * The initializer of a TLS listener: {@code tlsHandler} makes each connection's TLS handler (an SniHandler
     * that picks the certificate by server name), then ALPN picks h2 or HTTP/1.1.
     */
    ChannelInitializer<SocketChannel> tlsListener(Supplier<? extends ChannelHandler> tlsHandler) {
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                ChannelPipeline p = ch.pipeline();
                proxyProtocol(p);
                tls(p, tlsHandler);
                connection(p, true);
                p.addLast("alpn", new ApplicationProtocolNegotiationHandler(ApplicationProtocolNames.HTTP_1_1) {
                    @Override
                    protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
                        if (ApplicationProtocolNames.HTTP_2.equals(protocol)) {
                            http2(ctx.pipeline());
                        } else {
                            http1(ctx.pipeline());
                        }
                    }
                });
            }
        };
    }

    /** With {@code layer4-load-balancer = PROXY}, a PROXY protocol header may open the connection, before any TLS. */
    private void proxyProtocol(ChannelPipeline p) {
        if (px.settings.proxyProtocol()) {
            p.addLast("proxy-protocol", new ProxyProtocolHandler(px));
        }
    }

    /** The one place a TLS handler goes into a pipeline (after the PROXY protocol, before everything else). */
    private static void tls(ChannelPipeline p, Supplier<? extends ChannelHandler> tlsHandler) {
        p.addLast("sni", tlsHandler.get());
    }

    /** Connection accounting and the session, in front of any protocol handler. */
    private void connection(ChannelPipeline p, boolean secure) {
        p.addLast("conn", new ConnectionHandler(px, secure));
    }

    private void http1(ChannelPipeline p) {
        p.addLast("head-timeout", new HeadTimeout(px));
        // the line limit leaves room for method and version; the URI limit itself is checked for a 414
        p.addLast("codec", new HttpServerCodec(new HttpDecoderConfig()
                .setMaxInitialLineLength(px.settings.maxUriBytes() + 64).setMaxHeaderSize(px.settings.maxHeaderBytes())
                .setMaxChunkSize(65536).setHeadersFactory(CheckedHeaderNames.HEADERS)));
        p.addLast("proxy", new ProxyHandler(px, false));
    }

    private void http2(ChannelPipeline p) {
        http2Idle(p);
        p.addLast(http2FrameCodec(), http2Multiplex());
    }

    /** The HTTP/2 connection preface arrived on a plain connection (h2c with prior knowledge). */
    private void priorKnowledgeH2c(ChannelPipeline p) {
        markH2c(p);
        // the detector takes itself out once this returns
        removeHttp1(p, Set.of(H2cDetector.class));
        http2(p);
    }

    /** Whether an HTTP/1 request asks for h2c ({@code Upgrade: h2c}) and no upgrade is under way on its connection. */
    static boolean wantsH2c(ChannelPipeline p, HttpRequest r) {
        String up = r.headers().get(HttpHeaderNames.UPGRADE);
        return up != null && up.equalsIgnoreCase("h2c") && p.get(HttpServerUpgradeHandler.class) == null;
    }

    /**
     * Called by a connection's ProxyHandler for a request with {@code Upgrade: h2c}: puts an upgrade handler in
     * front of it for this one request (so plain HTTP/1.1 requests never pass one) and passes it the request; on
     * success the upgrade replaces the HTTP/1 handlers.
     */
    void h2cUpgrade(ChannelPipeline p, HttpRequest first) {
        HttpServerCodec codec = p.get(HttpServerCodec.class);
        HttpServerUpgradeHandler upgrade = new HttpServerUpgradeHandler(codec, protocol ->
                AsciiString.contentEquals(Http2CodecUtil.HTTP_UPGRADE_PROTOCOL_NAME, protocol)
                        ? new H2cUpgradeCodec(new Http2ServerUpgradeCodec(http2FrameCodec(), http2Multiplex())) : null,
                65536);
        p.addAfter("codec", "h2c-upgrade", upgrade);
        p.context(HttpServerCodec.class).fireChannelRead(first);
    }

    /** An upgraded HTTP/1 connection (WebSocket) carries raw bytes from now on; only the proxy handler stays. */
    static void toTunnel(ChannelPipeline p) {
        removeHttp1(p, Set.of(ProxyHandler.class));
    }

    /** A file body that must pass through TLS or HTTP/2 framing is read in chunks by a handler in front of {@code ctx}. */
    static void chunkedWriter(ChannelHandlerContext ctx) {
        if (ctx.pipeline().get(ChunkedWriteHandler.class) == null) {
            ctx.pipeline().addBefore(ctx.name(), "chunked-writer", new ChunkedWriteHandler());
        }
    }

    private static void removeHttp1(ChannelPipeline p, Set<Class<? extends ChannelHandler>> keep) {
        for (Class<? extends ChannelHandler> t : HTTP1) {
            if (!keep.contains(t) && p.get(t) != null) {
                p.remove(t);
            }
        }
    }

    private static void markH2c(ChannelPipeline p) {
        SessionImpl s = p.channel().attr(SessionImpl.KEY).get();
        if (s != null) {
            s.protocol("h2c");
        }
    }

    /** An HTTP/2 connection with no bytes either way for keepalive-timeout is closed. */
    private void http2Idle(ChannelPipeline p) {
        long ms = px.settings.keepAliveTimeoutMs();
        p.addAfter("conn", "h2-idle", new IdleStateHandler(0, 0, ms, TimeUnit.MILLISECONDS) {
            @Override
            protected void channelIdle(ChannelHandlerContext ctx, IdleStateEvent evt) {
                ctx.close();
            }
        });
    }

    private static Http2FrameCodec http2FrameCodec() {
        return Http2FrameCodecBuilder.forServer().validateHeaders(true).build();
    }

    private Http2MultiplexHandler http2Multiplex() {
        return new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
            @Override
            protected void initChannel(Http2StreamChannel ch) {
                ch.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(true));
                ch.pipeline().addLast(new ProxyHandler(px, true));
            }
        });
    }

    /** An h2c upgrade that also takes the other HTTP/1 handlers out of the connection's pipeline. */
    private final class H2cUpgradeCodec implements HttpServerUpgradeHandler.UpgradeCodec {
        private final Http2ServerUpgradeCodec delegate;

        H2cUpgradeCodec(Http2ServerUpgradeCodec delegate) {
            this.delegate = delegate;
        }

        @Override
        public Collection<CharSequence> requiredUpgradeHeaders() {
            return delegate.requiredUpgradeHeaders();
        }

        @Override
        public boolean prepareUpgradeResponse(ChannelHandlerContext ctx, FullHttpRequest req, HttpHeaders headers) {
            return delegate.prepareUpgradeResponse(ctx, req, headers);
        }

        @Override
        public void upgradeTo(ChannelHandlerContext ctx, FullHttpRequest req) {
            // the upgrade handler removes the codec and itself after this returns
            removeHttp1(ctx.pipeline(), Set.of(HttpServerCodec.class, HttpServerUpgradeHandler.class));
            http2Idle(ctx.pipeline());
            markH2c(ctx.pipeline());
            delegate.upgradeTo(ctx, req);
        }
    }
}
