package io.troupe.proxy;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A keep-alive HTTP backend on 127.0.0.1 that can be stopped and started again on the same port, as a backend
 * process that dies and is restarted: {@link #stop} closes the listener and every open connection (also one
 * whose request has arrived but is not answered yet), {@link #start} listens again. Every request but
 * {@code /health} is answered with {@link #body()}.
 */
final class FlappingBackend implements AutoCloseable {
    private final String name;
    private final byte[] body;
    private final EventLoopGroup group = new NioEventLoopGroup(1);
    private final ChannelGroup children = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private final int port;
    private volatile boolean up;
    private Channel listener;
    final AtomicLong served = new AtomicLong();
    final AtomicLong probes = new AtomicLong();

    FlappingBackend(String name) throws InterruptedException {
        this.name = name;
        this.body = ("backend=" + name + "\n").getBytes(StandardCharsets.US_ASCII);
        // below the ephemeral range, so no outgoing connection takes the port while the listener is closed
        int p = 0;
        for (int i = 0; i < 100 && listener == null; i++) {
            p = ThreadLocalRandom.current().nextInt(20000, 32000);
            listener = bind(p);
        }
        if (listener == null) {
            throw new IllegalStateException("no free port in 20000..32000 for backend " + name);
        }
        port = p;
        up = true;
    }

    int port() {
        return port;
    }

    /** What every request but /health gets. */
    String body() {
        return new String(body, StandardCharsets.US_ASCII);
    }

    boolean isUp() {
        return up;
    }

    /** Closes the listener and all connections, as if the process died. */
    synchronized void stop() {
        if (!up) {
            return;
        }
        up = false;
        listener.close().syncUninterruptibly();
        children.close().syncUninterruptibly();
    }

    /** Listens again on the same port. */
    synchronized void start() throws InterruptedException {
        if (up) {
            return;
        }
        long deadline = System.nanoTime() + 2_000_000_000L;
        Channel ch;
        while ((ch = bind(port)) == null) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("backend " + name + " cannot listen on " + port + " again");
            }
            Thread.sleep(5);
        }
        listener = ch;
        up = true;
    }

    private Channel bind(int p) throws InterruptedException {
        ServerBootstrap b = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_REUSEADDR, true)
                .option(ChannelOption.SO_BACKLOG, 256)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (!up) {
                            ch.close(); // accepted just before the listener closed
                            return;
                        }
                        children.add(ch);
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(65536), new Answer());
                    }
                });
        var f = b.bind(new InetSocketAddress("127.0.0.1", p)).await();
        return f.isSuccess() ? f.channel() : null;
    }

    private final class Answer extends SimpleChannelInboundHandler<FullHttpRequest> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            boolean health = req.uri().startsWith("/health");
            (health ? probes : served).incrementAndGet();
            FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                    health ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(body));
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain");
            HttpUtil.setContentLength(r, r.content().readableBytes());
            boolean keepAlive = HttpUtil.isKeepAlive(req);
            HttpUtil.setKeepAlive(r, keepAlive);
            var written = ctx.writeAndFlush(r);
            if (!keepAlive) {
                written.addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    @Override
    public void close() {
        stop();
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }
}
