package io.troupe.proxy.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.util.CharsetUtil;
import io.troupe.module.web.WebHandlerRegistry;
import io.troupe.proxy.ProxyRuntime;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code Protocol: "h2c"}: requests reach an HTTP/2-only (prior knowledge) backend as streams of one connection. */
class H2cBackendTest {
    @TempDir
    Path conf;

    @Test
    void h2cClusterSpeaksHttp2ToTheBackend() throws Exception {
        NioEventLoopGroup group = new NioEventLoopGroup(1);
        Set<Channel> connections = ConcurrentHashMap.newKeySet();
        try {
            Channel server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            connections.add(ch);
                            ch.pipeline().addLast(Http2FrameCodecBuilder.forServer().build(),
                                    new Http2MultiplexHandler(new ChannelInitializer<Channel>() {
                                        @Override
                                        protected void initChannel(Channel sc) {
                                            sc.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(true),
                                                    new HttpObjectAggregator(1 << 20), new Answer());
                                        }
                                    }));
                        }
                    }).bind("127.0.0.1", 0).sync().channel();
            int port = ((InetSocketAddress) server.localAddress()).getPort();
            writeRouting(port);
            ActorTestKit kit = ActorTestKit.create(ConfigFactory.parseString("""
                    pekko.actor.serialize-messages = on
                    troupe.proxy { bind = 127.0.0.1, http-port = 0, https-port = -1, event-loops = 1 }
                    """).withFallback(ConfigFactory.load()));
            ProxyRuntime proxy = ProxyRuntime.start(kit.system(), conf, new WebHandlerRegistry());
            try {
                HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                for (int i = 0; i < 3; i++) {
                    HttpResponse<String> r = http.send(HttpRequest.newBuilder(
                                    URI.create("http://127.0.0.1:" + proxy.httpPort() + "/p" + i))
                            .header("Host", "h2.test").POST(HttpRequest.BodyPublishers.ofString("body" + i)).build(),
                            HttpResponse.BodyHandlers.ofString());
                    assertEquals(200, r.statusCode(), r.body());
                    assertEquals("h2 POST /p" + i + " authority=h2.test body=body" + i, r.body());
                    assertTrue(r.headers().firstValue("x-http2-stream-id").isEmpty(), r.headers().toString());
                }
                assertEquals(1, connections.size(), "one HTTP/2 connection carries every request");
            } finally {
                proxy.stop();
                kit.shutdownTestKit();
                server.close().sync();
            }
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    /** Answers with what it saw over HTTP/2. */
    private static final class Answer extends SimpleChannelInboundHandler<FullHttpRequest> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            String authority = req.headers().get("host");
            String body = "h2 " + req.method() + " " + req.uri() + " authority=" + authority + " body="
                    + req.content().toString(CharsetUtil.UTF_8);
            FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                    Unpooled.copiedBuffer(body, CharsetUtil.UTF_8));
            res.headers().setInt("content-length", res.content().readableBytes());
            ctx.writeAndFlush(res);
        }
    }

    private void writeRouting(int port) throws Exception {
        Path sd = Files.createDirectories(conf.resolve("server_data_conf"));
        Path cc = Files.createDirectories(conf.resolve("cluster_conf"));
        Files.writeString(sd.resolve("host_rule.data"), """
                {"Version": "h1", "Hosts": {"t": ["h2.test"]}, "HostTags": {"p": ["t"]}}
                """);
        Files.writeString(sd.resolve("route_rule.data"), """
                {"Version": "r1", "BasicRule": {"p": [{"Path": ["*"], "ClusterName": "c_h2"}]}}
                """);
        Files.writeString(sd.resolve("cluster_conf.data"), """
                {"Version": "c1", "Config": {"c_h2": {"BackendConf": {"Protocol": "h2c"}}}}
                """);
        Files.writeString(cc.resolve("cluster_table.data"), """
                {"Version": "t1", "Config": {"c_h2": {"s": [{"Name": "n", "Addr": "127.0.0.1", "Port": %d, "Weight": 1}]}}}
                """.formatted(port));
        Files.writeString(cc.resolve("gslb.data"), """
                {"Clusters": {"c_h2": {"s": 100}}, "Hostname": "", "Ts": "g1"}
                """);
    }
}
