package io.troupe.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.codec.http2.HttpConversionUtil;
import io.netty.util.CharsetUtil;
import io.troupe.proxy.forward.ClusterPolicy;
import io.troupe.proxy.monitor.ProxyStats.Key;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** h2c (Upgrade and prior knowledge), HTTPS with SNI and ALPN, and WebSocket passthrough. */
class ProtocolsTest {
    @TempDir
    Path dir;
    private TestBackend backend;
    private TestRouter router;
    private TestProxy proxy;

    @BeforeEach
    void setUp() throws Exception {
        backend = new TestBackend("h");
        router = new TestRouter().cluster("127.0.0.1", ClusterPolicy.DEFAULT, backend.port());
    }

    @AfterEach
    void tearDown() {
        if (proxy != null) {
            proxy.close();
        }
        backend.close();
    }

    @Test
    void h2cByUpgradeServesRequestsOverHttp2() throws Exception {
        proxy = new TestProxy(router, "");
        HttpClient c = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
        URI base = URI.create("http://127.0.0.1:" + proxy.port());
        HttpResponse<String> first = c.send(HttpRequest.newBuilder(base.resolve("/up")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, first.statusCode());
        assertTrue(first.body().contains("uri=/up"), first.body());
        HttpResponse<String> second = c.send(HttpRequest.newBuilder(base.resolve("/post"))
                .POST(HttpRequest.BodyPublishers.ofString("y".repeat(70_000))).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(HttpClient.Version.HTTP_2, second.version());
        assertEquals(200, second.statusCode());
        assertTrue(second.body().contains("method=POST") && second.body().contains("bytes=70000"), second.body());
        assertTrue(proxy.stats.get(Key.HTTP2_CLIENT_REQ_SERVED) >= 1);
    }

    @Test
    void h2cWithPriorKnowledge() throws Exception {
        proxy = new TestProxy(router, "");
        h2Requests(proxy.port(), null, "/pk");
        assertEquals(3, proxy.stats.get(Key.HTTP2_CLIENT_REQ_SERVED));
    }

    /** Sends three GETs as HTTP/2 streams on one connection (TLS with ALPN h2 when {@code tls} is set). */
    private void h2Requests(int port, io.netty.handler.ssl.SslContext tls, String prefix) throws Exception {
        NioEventLoopGroup group = new NioEventLoopGroup(1);
        try {
            Channel ch = new Bootstrap().group(group).channel(NioSocketChannel.class)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            if (tls != null) {
                                ch.pipeline().addLast(tls.newHandler(ch.alloc(), "b.test", port));
                            }
                            ch.pipeline().addLast(Http2FrameCodecBuilder.forClient().build(),
                                    new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()));
                        }
                    }).connect("127.0.0.1", port).sync().channel();
            for (int i = 0; i < 3; i++) {
                CompletableFuture<String> got = new CompletableFuture<>();
                Http2StreamChannel stream = new Http2StreamChannelBootstrap(ch).handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel sc) {
                        sc.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(false), new HttpObjectAggregator(1 << 20),
                                new SimpleChannelInboundHandler<FullHttpResponse>() {
                                    @Override
                                    protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse r) {
                                        got.complete(r.status().code() + " " + r.content().toString(CharsetUtil.UTF_8));
                                    }
                                });
                    }
                }).open().sync().getNow();
                DefaultFullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, prefix + i);
                req.headers().set("host", "127.0.0.1:" + port);
                req.headers().set(HttpConversionUtil.ExtensionHeaderNames.SCHEME.text(), tls == null ? "http" : "https");
                stream.writeAndFlush(req);
                String r = got.get(10, TimeUnit.SECONDS);
                assertTrue(r.startsWith("200 ") && r.contains("uri=" + prefix + i), r);
            }
            ch.close().sync();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    private Path keystore(String cn) throws Exception {
        Path ks = dir.resolve(cn + ".p12");
        Process p = new ProcessBuilder("keytool", "-genkeypair", "-alias", cn, "-keyalg", "RSA", "-keysize", "2048",
                "-dname", "CN=" + cn, "-ext", "SAN=dns:" + cn, "-validity", "2", "-storetype", "PKCS12",
                "-keystore", ks.toString(), "-storepass", "secret1", "-keypass", "secret1").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        return ks;
    }

    private static SSLContext trustAll() throws Exception {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, new TrustManager[] {new X509TrustManager() {
            public void checkClientTrusted(X509Certificate[] c, String a) {}
            public void checkServerTrusted(X509Certificate[] c, String a) {}
            public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
        }}, null);
        return ctx;
    }

    /** Connects with SNI {@code name} and ALPN {@code protocols}; returns "CN|alpn|first response line". */
    private String tls(int port, String name, String... protocols) throws Exception {
        try (SSLSocket s = (SSLSocket) trustAll().getSocketFactory().createSocket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            SSLParameters p = s.getSSLParameters();
            p.setServerNames(List.of(new SNIHostName(name)));
            p.setApplicationProtocols(protocols);
            s.setSSLParameters(p);
            s.startHandshake();
            String cn = ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSubjectX500Principal().getName();
            String alpn = s.getApplicationProtocol();
            String line = "";
            if (!"h2".equals(alpn)) {
                OutputStream out = s.getOutputStream();
                out.write(("GET /tls HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                InputStream in = s.getInputStream();
                String all = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                line = all.substring(0, all.indexOf('\r')) + (all.contains("uri=/tls") ? " body-ok" : "");
            }
            return cn + "|" + alpn + "|" + line;
        }
    }

    @Test
    void httpsPicksTheCertificateBySniAndNegotiatesAlpn() throws Exception {
        Path a = keystore("a.test");
        Path b = keystore("b.test");
        proxy = new TestProxy(router, "https-port = 0, tls.certificates = ["
                + "{ server-names = [\"a.test\"], keystore = \"" + a + "\", password = secret1 },"
                + "{ server-names = [\"b.test\", \"*.b.test\"], keystore = \"" + b + "\", password = secret1 }]");
        int port = proxy.server.httpsPort();
        assertEquals("CN=a.test|http/1.1|HTTP/1.1 200 OK body-ok", tls(port, "a.test", "http/1.1"));
        assertEquals("CN=b.test|http/1.1|HTTP/1.1 200 OK body-ok", tls(port, "b.test", "http/1.1"));
        assertEquals("CN=b.test|http/1.1|HTTP/1.1 200 OK body-ok", tls(port, "x.b.test", "h2x", "http/1.1"));
        // an unknown name gets the first (default) certificate
        assertEquals("CN=a.test|http/1.1|HTTP/1.1 200 OK body-ok", tls(port, "other.test", "http/1.1"));
        assertTrue(tls(port, "b.test", "h2", "http/1.1").startsWith("CN=b.test|h2|"));
        // and real HTTP/2 requests over TLS
        io.netty.handler.ssl.SslContext client = io.netty.handler.ssl.SslContextBuilder.forClient()
                .trustManager(io.netty.handler.ssl.util.InsecureTrustManagerFactory.INSTANCE)
                .applicationProtocolConfig(new io.netty.handler.ssl.ApplicationProtocolConfig(
                        io.netty.handler.ssl.ApplicationProtocolConfig.Protocol.ALPN,
                        io.netty.handler.ssl.ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        io.netty.handler.ssl.ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, "h2"))
                .build();
        h2Requests(port, client, "/tls-h2-");
        assertEquals(3, proxy.stats.get(Key.HTTP2_CLIENT_REQ_SERVED));
    }

    @Test
    void badCertificateConfigFailsNamingTheEntry() {
        Exception e = org.junit.jupiter.api.Assertions.assertThrows(Exception.class, () -> new TestProxy(router,
                "https-port = 0, tls.certificates = [{ keystore = \"/nonexistent.p12\", password = x }]"));
        assertTrue(e.getMessage().contains("troupe.proxy.tls.certificates[0]"), e.getMessage());
    }

    @Test
    void webSocketUpgradeIsPassedThrough() throws Exception {
        NioEventLoopGroup group = new NioEventLoopGroup(1);
        try {
            Channel ws = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(65536),
                                    new WebSocketServerProtocolHandler("/ws"), new io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator(1 << 20),
                                    new SimpleChannelInboundHandler<TextWebSocketFrame>() {
                                        @Override
                                        protected void channelRead0(ChannelHandlerContext ctx, TextWebSocketFrame f) {
                                            ctx.writeAndFlush(new TextWebSocketFrame("echo:" + f.text()));
                                        }
                                    });
                        }
                    }).bind("127.0.0.1", 0).sync().channel();
            int wsPort = ((java.net.InetSocketAddress) ws.localAddress()).getPort();
            router.cluster("127.0.0.1", ClusterPolicy.DEFAULT, wsPort);
            proxy = new TestProxy(router, "");
            LinkedBlockingQueue<String> got = new LinkedBlockingQueue<>();
            WebSocket client = HttpClient.newHttpClient().newWebSocketBuilder()
                    .buildAsync(URI.create("ws://127.0.0.1:" + proxy.port() + "/ws"), new WebSocket.Listener() {
                        final StringBuilder sb = new StringBuilder();

                        @Override
                        public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                            sb.append(data);
                            if (last) {
                                got.add(sb.toString());
                                sb.setLength(0);
                            }
                            w.request(1);
                            return null;
                        }
                    }).get(10, TimeUnit.SECONDS);
            client.sendText("hello", true).get(5, TimeUnit.SECONDS);
            assertEquals("echo:hello", got.poll(10, TimeUnit.SECONDS));
            String big = "z".repeat(30_000);
            client.sendText(big, true).get(5, TimeUnit.SECONDS);
            assertEquals("echo:" + big, got.poll(10, TimeUnit.SECONDS));
            client.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(5, TimeUnit.SECONDS);
            assertEquals(1, proxy.stats.get(Key.REQ_WEBSOCKET));
            assertEquals(1, proxy.stats.get(Key.STATUS_1XX));
            ws.close().sync();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }
}
