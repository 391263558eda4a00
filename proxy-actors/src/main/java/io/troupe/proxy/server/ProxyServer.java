package io.troupe.proxy.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SniHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.util.Mapping;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.troupe.proxy.ProxySettings;
import io.troupe.proxy.chain.ChainsHolder;
import io.troupe.proxy.forward.BackendPool;
import io.troupe.proxy.forward.Router;
import io.troupe.proxy.monitor.ProxyStats;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The proxy's listeners: plain HTTP/1.1 + h2c and TLS (SNI, ALPN h2/http1.1) on Netty, epoll when the
 * native transport loads, one event loop per core, pooled buffers.
 */
public final class ProxyServer {
    private static final Logger log = LoggerFactory.getLogger(ProxyServer.class);

    private final ProxyContext px;
    private final PipelineBuilder pipelines;
    private final EventLoopGroup group;
    private final Map<EventLoop, BackendPool> pools;
    private final List<Channel> listeners = new ArrayList<>();
    private final boolean epoll;
    private final java.util.concurrent.atomic.AtomicBoolean stopped = new java.util.concurrent.atomic.AtomicBoolean();
    private int httpPort = -1;
    private int httpsPort = -1;
    /** BFE's tls_conf tables, or {@code null} when the HOCON certificates are used. */
    private io.troupe.proxy.tls.TlsHolder tls;

    private ProxyServer(ProxySettings s, ChainsHolder chains, Router router, ProxyStats stats) {
        epoll = s.nativeTransport() && Epoll.isAvailable();
        int loops = s.effectiveEventLoops();
        group = epoll ? new EpollEventLoopGroup(loops) : new NioEventLoopGroup(loops);
        Class<? extends SocketChannel> clientType = epoll ? EpollSocketChannel.class : NioSocketChannel.class;
        pools = new IdentityHashMap<>();
        for (EventExecutor e : group) {
            pools.put((EventLoop) e, new BackendPool((EventLoop) e, clientType));
        }
        px = new ProxyContext(s, chains, router, stats, new DefaultChannelGroup("proxy-clients", GlobalEventExecutor.INSTANCE), pools,
                new ModuleWorkPool(s.effectiveModuleWorkThreads(), s.moduleWorkQueue()));
        pipelines = new PipelineBuilder(px);
        px.h2cUpgrade = pipelines::h2cUpgrade;
    }

    /** Binds the configured listeners; throws naming the address when a port cannot be bound. */
    public static ProxyServer start(ProxySettings s, ChainsHolder chains, Router router, ProxyStats stats) throws Exception {
        return start(s, chains, router, stats, null);
    }

    /** As above; with {@code tls} the TLS listener serves the certificates of BFE's tls_conf files. */
    public static ProxyServer start(ProxySettings s, ChainsHolder chains, Router router, ProxyStats stats,
                                    io.troupe.proxy.tls.TlsHolder tls) throws Exception {
        ProxyServer server = new ProxyServer(s, chains, router, stats);
        server.tls = tls;
        try {
            server.bind();
        } catch (Exception e) {
            // the caller may retry at once: the event-loop threads must be gone when this throws
            server.group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
            server.px.blocking.shutdown();
            throw e;
        }
        return server;
    }

    private void bind() throws Exception {
        ProxySettings s = px.settings;
        if (s.httpPort() >= 0) {
            Channel ch = bootstrap(pipelines.plainListener(), s.bind(), s.httpPort(), "troupe.proxy.http-port");
            httpPort = ((InetSocketAddress) ch.localAddress()).getPort();
        }
        if (s.httpsPort() >= 0 && (tls != null || !s.certificates().isEmpty())) {
            Mapping<String, SslContext> sni = tls != null ? null : TlsContexts.build(s.certificates());
            Channel ch = bootstrap(pipelines.tlsListener(() -> tls != null
                            ? TlsContexts.sniHandler(tls, s.tlsHandshakeTimeoutMs())
                            : new SniHandler(sni, s.tlsHandshakeTimeoutMs())), s.bind(), s.httpsPort(),
                    "troupe.proxy.https-port");
            httpsPort = ((InetSocketAddress) ch.localAddress()).getPort();
        }
        log.info("proxy listening: http={} https={} transport={} event-loops={}", httpPort, httpsPort,
                epoll ? "epoll" : "nio", s.effectiveEventLoops());
    }

    private Channel bootstrap(ChannelInitializer<SocketChannel> init, String host, int port, String setting) throws Exception {
        Class<? extends ServerSocketChannel> type = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        ServerBootstrap b = new ServerBootstrap().group(group).channel(type)
                .option(ChannelOption.SO_BACKLOG, 4096)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                .option(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                .childHandler(init);
        try {
            Channel ch = b.bind(host, port).sync().channel();
            listeners.add(ch);
            return ch;
        } catch (Exception e) {
            throw new IllegalStateException("cannot listen on " + host + ":" + port + " (" + setting + "): " + e.getMessage(), e);
        }
    }

    public int httpPort() {
        return httpPort;
    }

    public int httpsPort() {
        return httpsPort;
    }

    /** Whether the native epoll transport is in use. */
    public boolean nativeTransport() {
        return epoll;
    }

    /** Client connections open now. */
    public int openConnections() {
        return px.connections.get();
    }

    /**
     * Stops accepting, lets in-flight requests finish (idle keep-alive connections close at once, busy ones
     * after their response) for at most {@code drainTimeoutMs}, then closes everything. Blocks the caller; later calls return at once.
     */
    public void stop(long drainTimeoutMs) {
        if (!stopped.compareAndSet(false, true)) {
            return;
        }
        px.draining = true;
        for (Channel l : listeners) {
            l.close().awaitUninterruptibly();
        }
        for (Channel c : px.clients) {
            c.pipeline().fireUserEventTriggered(ProxyHandler.DRAIN);
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(drainTimeoutMs);
        while (px.stats.get(ProxyStats.Key.CLIENT_REQ_ACTIVE) > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        px.clients.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
        for (Map.Entry<EventLoop, BackendPool> e : pools.entrySet()) {
            e.getKey().execute(e.getValue()::closeAll);
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        px.blocking.shutdown();
    }
}
