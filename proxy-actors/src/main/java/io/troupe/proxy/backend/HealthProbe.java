package io.troupe.proxy.backend;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.troupe.proxy.route.Backend;
import io.troupe.proxy.route.ClusterConf;
import io.troupe.proxy.tls.BackendTls;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One active health check of one backend, per CheckConf, on Netty without blocking a thread: {@code tcp}
 * connects, {@code tls} also completes a TLS handshake, {@code http}/{@code https} send {@code GET Uri} (Host
 * header = CheckConf.Host when set) and judge the status code by StatusCodeRange when set, else StatusCode
 * ({@link ClusterConf#statusHealthy}). TLS verifies the backend like forwarding does: the cluster's
 * {@code HTTPSConf} when its Protocol is https, else the JDK's CAs and the instance address.
 */
final class HealthProbe {
    record Result(boolean healthy, String detail) {}

    /** Probes are few and short: one small daemon event loop serves every cluster of the node. */
    private static final EventLoopGroup GROUP = new NioEventLoopGroup(1, new DefaultThreadFactory("troupe-health-probe", true));
    private static final BackendTls VERIFY_DEFAULT = BackendTls.of(null, false, List.of());

    private HealthProbe() {}

    /** CheckTimeout, or, when unset (BFE: no timeout), the larger of CheckInterval and one second. */
    static int timeoutMs(ClusterConf.CheckConf c) {
        return c.checkTimeoutMs() > 0 ? c.checkTimeoutMs() : Math.max(1000, c.checkIntervalMs());
    }

    /** Blocks until {@link #probeAsync} completes (tests). */
    static Result probe(Backend b, ClusterConf conf) {
        return probeAsync(b, conf).join();
    }

    /** Completes with the outcome within the probe's timeout; never exceptionally. */
    static CompletableFuture<Result> probeAsync(Backend b, ClusterConf conf) {
        ClusterConf.CheckConf c = conf.checkConf();
        CompletableFuture<Result> result = new CompletableFuture<>();
        int port = b.port();
        String hostHeader = c.host();
        // as BFE: a CheckConf.Host of "name:port" sends the probe to that port
        int colon = hostHeader.indexOf(':');
        if (colon >= 0 && hostHeader.indexOf(':', colon + 1) < 0) {
            try {
                port = Integer.parseInt(hostHeader.substring(colon + 1));
            } catch (NumberFormatException e) {
                result.complete(new Result(false, "CheckConf.Host " + hostHeader + " has a bad port"));
                return result;
            }
        }
        int timeout = timeoutMs(c);
        String schem = c.schem();
        boolean tls = schem.equals("https") || schem.equals("tls");
        boolean http = schem.equals("http") || schem.equals("https");
        BackendTls tlsConf = conf.https() != null ? conf.https() : VERIFY_DEFAULT;
        int probePort = port;
        Bootstrap bs = new Bootstrap().group(GROUP).channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, timeout)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (tls) {
                            SslHandler ssl = tlsConf.newHandler(ch.alloc(), b.host(), probePort);
                            ssl.setHandshakeTimeoutMillis(timeout);
                            ch.pipeline().addLast("tls", ssl);
                        }
                        if (http) {
                            ch.pipeline().addLast(new HttpClientCodec(), new StatusHandler(conf, result));
                        }
                    }
                });
        ChannelFuture cf;
        try {
            cf = bs.connect(b.host(), port);
        } catch (RuntimeException e) {
            result.complete(new Result(false, e.getClass().getSimpleName() + ": " + e.getMessage()));
            return result;
        }
        Channel ch = cf.channel();
        var timer = GROUP.schedule(() -> {
            result.complete(new Result(false, "no answer within " + timeout + " ms"));
        }, timeout, TimeUnit.MILLISECONDS);
        result.whenComplete((r, e) -> {
            timer.cancel(false);
            ch.close();
        });
        cf.addListener((ChannelFuture f) -> {
            if (!f.isSuccess()) {
                result.complete(new Result(false, describe(f.cause())));
                return;
            }
            f.channel().closeFuture().addListener(x -> result.complete(
                    new Result(false, "connection closed before " + (http ? "a status line" : "the handshake"))));
            if (!tls) {
                if (!http) {
                    result.complete(new Result(true, "tcp connect ok"));
                    return;
                }
                sendGet(f.channel(), c, b, result);
                return;
            }
            f.channel().pipeline().get(SslHandler.class).handshakeFuture().addListener(h -> {
                if (!h.isSuccess()) {
                    result.complete(new Result(false, "TLS handshake: " + describe(h.cause())));
                } else if (!http) {
                    result.complete(new Result(true, "tls handshake ok"));
                } else {
                    sendGet(f.channel(), c, b, result);
                }
            });
        });
        return result;
    }

    private static void sendGet(Channel ch, ClusterConf.CheckConf c, Backend b, CompletableFuture<Result> result) {
        DefaultFullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, c.uri());
        req.headers().set(HttpHeaderNames.HOST, c.host().isEmpty() ? b.address() : c.host());
        req.headers().set(HttpHeaderNames.ACCEPT, "*/*");
        req.headers().set(HttpHeaderNames.USER_AGENT, "troupe-health-check");
        req.headers().set(HttpHeaderNames.CONNECTION, "close");
        ch.writeAndFlush(req).addListener(w -> {
            if (!w.isSuccess()) {
                result.complete(new Result(false, "cannot send the request: " + describe(w.cause())));
            }
        });
    }

    private static String describe(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        return c.getClass().getSimpleName() + ": " + c.getMessage();
    }

    /** Judges the first response head; a broken response or a TLS error fails the probe. */
    private static final class StatusHandler extends SimpleChannelInboundHandler<HttpObject> {
        private final ClusterConf conf;
        private final CompletableFuture<Result> result;

        StatusHandler(ClusterConf conf, CompletableFuture<Result> result) {
            super(false);
            this.conf = conf;
            this.result = result;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
            try {
                if (msg instanceof HttpResponse r) {
                    if (!r.decoderResult().isSuccess()) {
                        result.complete(new Result(false, "not an HTTP response: " + r.decoderResult().cause()));
                        return;
                    }
                    int code = r.status().code();
                    ClusterConf.CheckConf c = conf.checkConf();
                    result.complete(conf.statusHealthy(code) ? new Result(true, "status " + code)
                            : new Result(false, "status " + code + " does not match StatusCode " + c.statusCode()
                            + (c.statusCodeRange().isEmpty() ? "" : " / StatusCodeRange " + c.statusCodeRange())));
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            result.complete(new Result(false, describe(cause)));
            ctx.close();
        }
    }
}
