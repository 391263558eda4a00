package io.troupe.proxy.forward;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.util.concurrent.Future;
import java.util.ArrayList;
import java.util.List;
import io.netty.handler.ssl.SslHandler;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * Keep-alive connections to backends owned by one event loop. Client and backend channels of a request
 * share that loop, so the pool needs no locks and no cross-thread handoff.
 */
public final class BackendPool {
    /** A pooled connection older than this since its last use is closed rather than reused. */
    static final long MAX_IDLE_NANOS = 45_000_000_000L;

    private final EventLoop loop;
    private final Bootstrap bootstrap;
    private final Map<Upstream, ArrayDeque<Idle>> idle = new HashMap<>();
    private final Map<Upstream, InetSocketAddress> addresses = new HashMap<>();
    private final Bootstrap h2Bootstrap;
    /** One HTTP/2 connection per h2c instance on this loop; requests are streams on it. */
    private final Map<Upstream, H2Connection> h2 = new HashMap<>();

    private static final class H2Connection {
        Channel channel;
        boolean ready;
        List<Acquired> waiting = new ArrayList<>();
    }

    private record Idle(Channel channel, long since) {}

    public BackendPool(EventLoop loop, Class<? extends SocketChannel> channelType) {
        this.loop = loop;
        this.bootstrap = new Bootstrap().group(loop).channel(channelType)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast("codec", new BackendCodec(4096, 65536, 65536));
                        ch.pipeline().addLast("backend", new BackendHandler(BackendPool.this));
                    }
                });
        this.h2Bootstrap = new Bootstrap().group(loop).channel(channelType)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(Http2FrameCodecBuilder.forClient().build(),
                                new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()));
                    }
                });
    }

    public EventLoop loop() {
        return loop;
    }

    /**
     * Hands {@code done} an idle connection to {@code upstream} (reused = true) or a new one, or the
     * connect failure. Runs on this pool's loop.
     */
    public void acquire(Upstream upstream, int connectTimeoutMs, Acquired done) {
        if (upstream.h2c()) {
            acquireStream(upstream, connectTimeoutMs, done);
            return;
        }
        ArrayDeque<Idle> q = idle.get(upstream);
        if (q != null) {
            long now = System.nanoTime();
            Idle i;
            while ((i = q.pollLast()) != null) {
                if (i.channel.isActive() && now - i.since < MAX_IDLE_NANOS) {
                    done.connected(i.channel, true);
                    return;
                }
                i.channel.close();
            }
        }
        InetSocketAddress addr = addresses.computeIfAbsent(upstream, u -> new InetSocketAddress(u.host(), u.port()));
        bootstrap.option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMs);
        ChannelFuture f = bootstrap.connect(addr);
        f.addListener((ChannelFuture cf) -> {
            if (!cf.isSuccess()) {
                done.failed(cf.cause());
                return;
            }
            Channel ch = cf.channel();
            BackendHandler.of(ch).upstream(upstream);
            if (upstream.tls() == null) {
                done.connected(ch, false);
                return;
            }
            // a failed handshake (wrong CA, wrong name) counts as a failed connect: retried and reported
            SslHandler ssl = upstream.tls().newHandler(ch.alloc(), upstream.host(), upstream.port());
            ssl.setHandshakeTimeoutMillis(connectTimeoutMs);
            ch.pipeline().addFirst("tls", ssl);
            ssl.handshakeFuture().addListener(hf -> {
                if (hf.isSuccess()) {
                    done.connected(ch, false);
                } else {
                    ch.close();
                    done.failed(hf.cause());
                }
            });
        });
    }

    /** A new stream on the instance's HTTP/2 connection, connecting it first when there is none. */
    private void acquireStream(Upstream upstream, int connectTimeoutMs, Acquired done) {
        H2Connection c = h2.get(upstream);
        if (c != null && c.ready && !c.channel.isActive()) {
            h2.remove(upstream);
            c = null;
        }
        if (c != null) {
            if (c.ready) {
                openStream(upstream, c, done, true);
            } else {
                c.waiting.add(done);
            }
            return;
        }
        H2Connection conn = new H2Connection();
        conn.waiting.add(done);
        h2.put(upstream, conn);
        InetSocketAddress addr = addresses.computeIfAbsent(upstream, u -> new InetSocketAddress(u.host(), u.port()));
        h2Bootstrap.option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMs);
        ChannelFuture f = h2Bootstrap.connect(addr);
        conn.channel = f.channel();
        f.addListener((ChannelFuture cf) -> {
            List<Acquired> waiting = conn.waiting;
            conn.waiting = new ArrayList<>();
            if (!cf.isSuccess()) {
                h2.remove(upstream, conn);
                waiting.forEach(w -> w.failed(cf.cause()));
                return;
            }
            conn.ready = true;
            cf.channel().closeFuture().addListener(x -> h2.remove(upstream, conn));
            boolean first = true;
            for (Acquired w : waiting) {
                openStream(upstream, conn, w, !first);
                first = false;
            }
        });
    }

    private void openStream(Upstream upstream, H2Connection conn, Acquired done, boolean reused) {
        new Http2StreamChannelBootstrap(conn.channel).handler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel sc) {
                sc.pipeline().addLast("codec", new Http2StreamFrameToHttpObjectCodec(false));
                sc.pipeline().addLast("backend", new BackendHandler(BackendPool.this));
            }
        }).open().addListener((Future<Http2StreamChannel> sf) -> {
            if (sf.isSuccess()) {
                BackendHandler.of(sf.getNow()).upstream(upstream);
                done.connected(sf.getNow(), reused);
            } else {
                done.failed(sf.cause());
            }
        });
    }

    /** Returns a connection whose last exchange ended cleanly; closes it when the pool is full. */
    public void release(Upstream upstream, Channel ch, int maxIdle) {
        BackendHandler.of(ch).exchange(null);
        if (ch instanceof Http2StreamChannel) {
            // a stream serves one exchange; the connection under it stays for the next
            ch.close();
            return;
        }
        if (!ch.isActive()) {
            return;
        }
        ArrayDeque<Idle> q = idle.computeIfAbsent(upstream, u -> new ArrayDeque<>());
        if (q.size() >= Math.max(maxIdle, 0)) {
            ch.close();
            return;
        }
        ch.config().setAutoRead(true);
        q.addLast(new Idle(ch, System.nanoTime()));
    }

    /** A pooled connection closed; drop it. */
    void forget(Upstream upstream, Channel ch) {
        ArrayDeque<Idle> q = upstream == null ? null : idle.get(upstream);
        if (q != null) {
            q.removeIf(i -> i.channel == ch);
        }
    }

    /** Closes every idle connection (shutdown). */
    public void closeAll() {
        idle.values().forEach(q -> q.forEach(i -> i.channel.close()));
        idle.clear();
        new ArrayList<>(h2.values()).forEach(c -> c.channel.close());
        h2.clear();
    }

    /** Counts idle connections to {@code upstream} (for tests and monitors). */
    public int idleCount(Upstream upstream) {
        ArrayDeque<Idle> q = idle.get(upstream);
        return q == null ? 0 : q.size();
    }

    /** Outcome of {@link #acquire}. */
    public interface Acquired {
        void connected(Channel ch, boolean reused);

        void failed(Throwable cause);
    }
}
