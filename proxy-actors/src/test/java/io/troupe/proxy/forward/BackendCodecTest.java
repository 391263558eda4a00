package io.troupe.proxy.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BackendCodecTest {

    private static EmbeddedChannel channel() {
        return new EmbeddedChannel(new BackendCodec(4096, 65536, 65536));
    }

    private static void send(EmbeddedChannel ch, HttpMethod m) {
        ch.writeOutbound(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, m, "/x"));
        ByteBuf out;
        while ((out = ch.readOutbound()) != null) {
            out.release();
        }
    }

    private static void receive(EmbeddedChannel ch, String text) {
        ch.writeInbound(Unpooled.copiedBuffer(text, StandardCharsets.US_ASCII));
    }

    /** The request line a request is encoded with, as bytes read one char each. */
    private static String requestLine(String uri) {
        EmbeddedChannel ch = channel();
        ch.writeOutbound(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, uri));
        StringBuilder text = new StringBuilder();
        ByteBuf out;
        while ((out = ch.readOutbound()) != null) {
            text.append(out.toString(StandardCharsets.ISO_8859_1));
            out.release();
        }
        return text.substring(0, text.indexOf("\r\n"));
    }

    @Test
    void aTargetsBytesOver0x7fGoToTheBackendAsTheClientSentThem() {
        // the client's bytes e9 ff and c3 a9, one char each as the request decoder reads them
        assertEquals("GET /echo/\u00e9\u00ff?q=\u00c3\u00a9 HTTP/1.1", requestLine("/echo/\u00e9\u00ff?q=\u00c3\u00a9"));
        // a char no byte stands for (a module's rewrite) goes as percent-encoded UTF-8
        assertEquals("GET /%E4%B8%AD/%F0%9F%98%80 HTTP/1.1", requestLine("/\u4e2d/\ud83d\ude00"));
        assertEquals("GET /plain?a=1 HTTP/1.1", requestLine("/plain?a=1"));
    }

    @Test
    void theResponseToHeadHasNoBodyAndTheNextResponseIsReadWhole() {
        EmbeddedChannel ch = channel();
        send(ch, HttpMethod.HEAD);
        send(ch, HttpMethod.GET);
        receive(ch, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"
                + "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello");
        HttpResponse head = ch.readInbound();
        assertEquals("5", head.headers().get("content-length"));
        LastHttpContent headEnd = ch.readInbound();
        assertEquals(0, headEnd.content().readableBytes(), "a HEAD answer carries no body");
        HttpResponse get = ch.readInbound();
        assertEquals(200, get.status().code());
        LastHttpContent body = ch.readInbound();
        assertEquals("hello", body.content().toString(StandardCharsets.US_ASCII));
        body.release();
        assertNull(ch.readInbound());
        ch.finishAndReleaseAll();
    }

    @Test
    void headerNamesKeepTheBackendsSpellingAndTheStatusLineDecodes() {
        EmbeddedChannel ch = channel();
        send(ch, HttpMethod.GET);
        receive(ch, "HTTP/1.1 200 OK\r\nServer: nginx\r\ncontent-type: text/plain\r\nETag: \"a\"\r\n"
                + "X-Own: 1\r\nContent-Length: 0\r\n\r\n");
        HttpResponse r = ch.readInbound();
        assertSame(HttpResponseStatus.OK, r.status());
        assertSame(HttpVersion.HTTP_1_1, r.protocolVersion());
        List<String> names = r.headers().entries().stream().map(Map.Entry::getKey).toList();
        assertEquals(List.of("Server", "content-type", "ETag", "X-Own", "Content-Length"), names);
        assertEquals("text/plain", r.headers().get("Content-Type"));
        ReferenceCountUtil.release(ch.readInbound());
        send(ch, HttpMethod.GET);
        receive(ch, "HTTP/1.1 404 Not Here\r\nContent-Length: 0\r\n\r\n");
        HttpResponse nf = ch.readInbound();
        assertEquals(404, nf.status().code());
        assertEquals("Not Here", nf.status().reasonPhrase());
        ch.finishAndReleaseAll();
    }

    @Test
    void trailersAreEmptyUntilTheBackendSendsSome() {
        EmbeddedChannel ch = channel();
        send(ch, HttpMethod.GET);
        send(ch, HttpMethod.GET);
        receive(ch, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
                + "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\nX-Sum: 7\r\n\r\n");
        ReferenceCountUtil.release(ch.readInbound());
        LastHttpContent fixed = ch.readInbound();
        HttpHeaders none = fixed.trailingHeaders();
        assertInstanceOf(LazyTrailers.class, none);
        assertTrue(none.isEmpty());
        assertEquals(0, none.size());
        assertFalse(none.iteratorCharSequence().hasNext());
        assertNull(none.get("X-Sum"));
        fixed.release();
        ReferenceCountUtil.release(ch.readInbound());
        HttpContent chunk = ch.readInbound();
        chunk.release();
        LastHttpContent end = ch.readInbound();
        assertEquals("7", end.trailingHeaders().get("X-Sum"));
        assertEquals(1, end.trailingHeaders().size());
        end.release();
        ch.finishAndReleaseAll();
    }

    /** Shared names skip the header map's name check; every other name is still checked as Netty checks it. */
    @ParameterizedTest
    @ValueSource(strings = {"X@Bad: 1", "Server\u0001: nginx", "Content-Length\u0000: 0", "(Date): x",
        "Cont\u00e9nt-Type: text/plain", "Server\"x: y"})
    void aHeaderNameThatIsNoTokenStillFailsTheResponse(String line) {
        EmbeddedChannel ch = channel();
        send(ch, HttpMethod.GET);
        ch.writeInbound(Unpooled.copiedBuffer("HTTP/1.1 200 OK\r\nServer: nginx\r\n" + line
                + "\r\nContent-Length: 0\r\n\r\n", StandardCharsets.ISO_8859_1));
        HttpResponse r = ch.readInbound();
        assertTrue(r.decoderResult().isFailure(), line);
        ch.finishAndReleaseAll();
    }

    @Test
    void namesSetOnADecodedResponseAreStillChecked() {
        EmbeddedChannel ch = channel();
        send(ch, HttpMethod.GET);
        receive(ch, "HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Length: 0\r\n\r\n");
        HttpResponse r = ch.readInbound();
        assertTrue(r.decoderResult().isSuccess());
        assertThrows(IllegalArgumentException.class, () -> r.headers().set("Bad Name", "x"));
        assertThrows(IllegalArgumentException.class, () -> r.headers().add("Server:", "x"));
        r.headers().set("X-Proxied-By", "troupe");
        assertEquals("troupe", r.headers().get("x-proxied-by"));
        ch.finishAndReleaseAll();
    }
}
