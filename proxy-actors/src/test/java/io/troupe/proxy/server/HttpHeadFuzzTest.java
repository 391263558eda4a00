package io.troupe.proxy.server;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.util.ReferenceCountUtil;
import io.troupe.api.fuzz.FuzzLimits;
import io.troupe.proxy.config.ConfigException;
import io.troupe.proxy.route.RouteTables;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;

/**
 * Fuzzes the proxy's HTTP/1.1 head path without sockets: bytes from a client go through the codec the proxy
 * uses (same limits as ProxyServer with the default settings), and every head that decodes is looked at the
 * way ProxyHandler does: keep-alive and body framing, the client address from X-Forwarded-For/X-Real-IP of a
 * trusted source, the {@link RequestView} a module sees, and routing with the shipped conf/ route tables. A bad
 * head must end as a decoder failure (the proxy's 400), never an exception. Seeds: {@code HttpHeadFuzzTestInputs/head}.
 */
@Tag("fuzz")
class HttpHeadFuzzTest {
    private static final RouteTables TABLES = tables();
    private static final InetSocketAddress CLIENT = new InetSocketAddress("127.0.0.1", 40000);
    private static final InetSocketAddress LOCAL = new InetSocketAddress("127.0.0.1", 8080);

    private static RouteTables tables() {
        try {
            return RouteTables.load(Path.of("..", "conf").toAbsolutePath().normalize());
        } catch (ConfigException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @FuzzTest(maxDuration = "30s")
    void head(byte[] input) {
        long start = System.nanoTime();
        EmbeddedChannel channel = new EmbeddedChannel(new HttpServerCodec(8192 + 64, 32768, 65536));
        try {
            channel.writeInbound(Unpooled.wrappedBuffer(input));
            channel.finish();
            Object msg;
            while ((msg = channel.readInbound()) != null) {
                try {
                    if (msg instanceof HttpRequest r && r.decoderResult().isSuccess()) {
                        look(r);
                    } else if (msg instanceof HttpContent c) {
                        c.content().readableBytes();
                    }
                } finally {
                    ReferenceCountUtil.release(msg);
                }
            }
        } finally {
            channel.finishAndReleaseAll();
        }
        FuzzLimits.checkTime(start, input.length + " bytes");
    }

    private static void look(HttpRequest r) {
        HttpUtil.isKeepAlive(r);
        HttpUtil.isTransferEncodingChunked(r);
        HttpUtil.getContentLength(r, 0L);
        RequestView req = new RequestView(new SessionImpl(CLIENT, LOCAL, false), r, false);
        req.setClientAddress(ClientAddrs.fromHeaders(r.headers()));
        assertNotNull(req.method());
        req.uri();
        req.path();
        req.rawQuery();
        req.queryParams();
        req.host();
        req.protocol();
        for (String name : req.headerNames()) {
            req.header(name);
            req.headers(name);
        }
        req.cookie("uid");
        req.clientAddress();
        assertNotNull(TABLES.route(req));
        assertFalse(req.method().isEmpty());
    }
}
