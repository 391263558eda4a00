package io.troupe.proxy.forward;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.CombinedChannelDuplexHandler;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestEncoder;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;

/**
 * The HTTP/1.1 codec of a backend connection: Netty's request encoder and response decoder, paired as
 * {@code HttpClientCodec} pairs them (a response to HEAD has no body), with a decoder that allocates less per
 * response: the usual response header names and status-line words are shared constants instead of new strings,
 * and a response without trailers gets no trailer map ({@link LazyTrailers}); a shared name is not validated again.
 */
final class BackendCodec extends CombinedChannelDuplexHandler<BackendCodec.Decoder, BackendCodec.Encoder> {
    /** Header names backends commonly send, in the spelling they send them; anything else is decoded as usual. */
    private static final AsciiString[] KNOWN_NAMES = {
        HttpHeaderNames.SERVER, HttpHeaderNames.DATE, HttpHeaderNames.CONTENT_TYPE, HttpHeaderNames.CONTENT_LENGTH,
        HttpHeaderNames.LAST_MODIFIED, HttpHeaderNames.CONNECTION, HttpHeaderNames.ETAG, HttpHeaderNames.ACCEPT_RANGES,
        HttpHeaderNames.CACHE_CONTROL, HttpHeaderNames.EXPIRES, HttpHeaderNames.VARY, HttpHeaderNames.KEEP_ALIVE,
        HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderNames.CONTENT_ENCODING, HttpHeaderNames.LOCATION,
        HttpHeaderNames.SET_COOKIE, HttpHeaderNames.PRAGMA, HttpHeaderNames.AGE,
    };
    /** KNOWN_NAMES in canonical case ("Content-Length"), the form nginx, Go and most servers send. */
    private static final AsciiString[] CANONICAL = new AsciiString[KNOWN_NAMES.length];
    private static final String HTTP_1_1 = "HTTP/1.1";
    private static final String STATUS_200 = "200";
    private static final String REASON_OK = "OK";

    static {
        for (int i = 0; i < KNOWN_NAMES.length; i++) {
            CANONICAL[i] = CheckedHeaderNames.of(canonical(KNOWN_NAMES[i].toString()));
        }
    }

    /** Methods of the requests sent and not yet answered, oldest first. */
    private final ArrayDeque<HttpMethod> sent = new ArrayDeque<>(2);

    BackendCodec(int maxInitialLineLength, int maxHeaderSize, int maxChunkSize) {
        // the shared names (CANONICAL) were checked when made; any other name is checked as Netty checks it
        HttpDecoderConfig config = new HttpDecoderConfig().setMaxInitialLineLength(maxInitialLineLength)
                .setMaxHeaderSize(maxHeaderSize).setMaxChunkSize(maxChunkSize)
                .setHeadersFactory(CheckedHeaderNames.HEADERS)
                .setTrailersFactory(LazyTrailers.FACTORY);
        init(new Decoder(config), new Encoder());
    }

    private static String canonical(String lower) {
        StringBuilder sb = new StringBuilder(lower.length());
        boolean up = true;
        for (int i = 0; i < lower.length(); i++) {
            char c = lower.charAt(i);
            sb.append(up ? Character.toUpperCase(c) : c);
            up = c == '-';
        }
        // "etag" is sent as "ETag" by nginx and Apache
        return sb.toString().equals("Etag") ? "ETag" : sb.toString();
    }

    /** The request encoder; remembers each request's method for the response decoder. */
    final class Encoder extends HttpRequestEncoder {
        @Override
        protected void encode(ChannelHandlerContext ctx, Object msg, List<Object> out) throws Exception {
            if (msg instanceof HttpRequest r) {
                sent.offer(r.method());
            }
            super.encode(ctx, msg, out);
        }

        @Override
        protected void encodeInitialLine(ByteBuf buf, HttpRequest request) throws Exception {
            String uri = request.uri();
            if (isAscii(uri)) {
                super.encodeInitialLine(buf, request);
                return;
            }
            // the decoder made one char of each byte of the client's target: Netty would write them as UTF-8,
            // doubling every byte over 0x7F, where nginx (and Go for a query) pass the bytes on as they came
            ByteBufUtil.copy(request.method().asciiName(), buf);
            buf.writeByte(' ');
            writeTarget(buf, uri);
            buf.writeByte(' ');
            buf.writeCharSequence(request.protocolVersion().text(), StandardCharsets.US_ASCII);
            buf.writeByte('\r').writeByte('\n');
        }
    }

    private static boolean isAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) > 0x7f) {
                return false;
            }
        }
        return true;
    }

    /** Each char up to 0xFF as the byte it came from; a wider one (a module's rewrite) as percent-encoded UTF-8. */
    static void writeTarget(ByteBuf buf, String uri) {
        for (int i = 0; i < uri.length(); i++) {
            char c = uri.charAt(i);
            if (c <= 0xff) {
                buf.writeByte(c);
                continue;
            }
            int end = Character.isHighSurrogate(c) && i + 1 < uri.length() ? i + 2 : i + 1;
            for (byte b : uri.substring(i, end).getBytes(StandardCharsets.UTF_8)) {
                buf.writeByte('%').writeByte(HEX[(b >> 4) & 0xf]).writeByte(HEX[b & 0xf]);
            }
            i = end - 1;
        }
    }

    private static final byte[] HEX = "0123456789ABCDEF".getBytes(StandardCharsets.US_ASCII);

    /** The response decoder with shared names and words for what most responses hold. */
    final class Decoder extends HttpResponseDecoder {
        Decoder(HttpDecoderConfig config) {
            super(config);
        }

        @Override
        protected boolean isContentAlwaysEmpty(HttpMessage msg) {
            int code = ((HttpResponse) msg).status().code();
            if (code >= 100 && code < 200) {
                // interim answers (100, 103, a 101 the exchange turns into a tunnel) do not end the request
                return super.isContentAlwaysEmpty(msg);
            }
            HttpMethod m = sent.poll();
            // the proxy never forwards CONNECT (it answers 405), so HEAD is the one method with a bodiless answer
            return HttpMethod.HEAD.equals(m) || super.isContentAlwaysEmpty(msg);
        }

        @Override
        protected AsciiString splitHeaderName(byte[] sb, int start, int length) {
            for (AsciiString n : CANONICAL) {
                if (n.length() == length && sameBytes(n, sb, start)) {
                    return n;
                }
            }
            return super.splitHeaderName(sb, start, length);
        }

        @Override
        protected String splitFirstWordInitialLine(byte[] asciiContent, int start, int length) {
            return equalsAscii(HTTP_1_1, asciiContent, start, length) ? HTTP_1_1
                    : super.splitFirstWordInitialLine(asciiContent, start, length);
        }

        @Override
        protected String splitSecondWordInitialLine(byte[] asciiContent, int start, int length) {
            return equalsAscii(STATUS_200, asciiContent, start, length) ? STATUS_200
                    : super.splitSecondWordInitialLine(asciiContent, start, length);
        }

        @Override
        protected String splitThirdWordInitialLine(byte[] asciiContent, int start, int length) {
            return equalsAscii(REASON_OK, asciiContent, start, length) ? REASON_OK
                    : super.splitThirdWordInitialLine(asciiContent, start, length);
        }
    }

    private static boolean sameBytes(AsciiString n, byte[] b, int start) {
        byte[] a = n.array();
        int off = n.arrayOffset();
        for (int i = n.length() - 1; i >= 0; i--) {
            if (a[off + i] != b[start + i]) {
                return false;
            }
        }
        return true;
    }

    private static boolean equalsAscii(String s, byte[] b, int start, int length) {
        if (s.length() != length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (s.charAt(i) != b[start + i]) {
                return false;
            }
        }
        return true;
    }
}
