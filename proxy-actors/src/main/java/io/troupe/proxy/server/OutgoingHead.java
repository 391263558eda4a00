package io.troupe.proxy.server;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import io.troupe.api.proxy.Session;
import io.troupe.proxy.forward.CheckedHeaderNames;
import io.troupe.proxy.forward.HopByHop;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * The client's request head made into the one the backend gets: hop-by-hop headers out, the X-Forwarded-For,
 * X-Forwarded-Proto and X-Real-IP headers in (as BFE's mod_header adds them), and HTTP/1.1 framing.
 */
final class OutgoingHead {
    /** Names of the headers added to every request, hashed and checked once (a String name is, on every call). */
    static final AsciiString X_FORWARDED_FOR = CheckedHeaderNames.of("X-Forwarded-For");
    static final AsciiString X_FORWARDED_PROTO = CheckedHeaderNames.of("X-Forwarded-Proto");
    static final AsciiString X_REAL_IP = CheckedHeaderNames.of("X-Real-IP");

    private OutgoingHead() {}

    /**
     * Rewrites {@code r} in place for the backend.
     *
     * @param upgrade  the request asks for a protocol switch (WebSocket): its Upgrade/Connection headers stay
     * @param http2    the request came on an HTTP/2 stream (Netty's conversion added x-http2-* headers)
     * @param hasBody  a body follows; without a Content-Length it is sent chunked
     * @param peerIp   the connection's client address as text
     * @param reported the client address filters see (the peer's, or one a trusted source reported), or null
     */
    static void prepare(HttpRequest r, boolean upgrade, boolean http2, boolean hasBody, Session session, String peerIp,
                        InetSocketAddress reported) {
        HttpHeaders h = r.headers();
        HopByHop.strip(h, upgrade);
        if (http2) {
            // Netty's HTTP/2 → HTTP/1 conversion adds x-http2-* headers; they are not the client's
            List<String> internal = new ArrayList<>(2);
            for (String name : h.names()) {
                if (name.regionMatches(true, 0, "x-http2-", 0, 8)) {
                    internal.add(name);
                }
            }
            internal.forEach(h::remove);
        }
        // as BFE's mod_header: earlier X-Forwarded-For lines are folded into one, then the peer appended
        if (!h.contains(X_FORWARDED_FOR)) {
            h.set(X_FORWARDED_FOR, peerIp); // the usual case, without getAll's list and the joins
        } else {
            h.set(X_FORWARDED_FOR, String.join(", ", h.getAll(X_FORWARDED_FOR)) + ", " + peerIp);
        }
        if (!session.trustedSource() || !h.contains(X_FORWARDED_PROTO)) {
            // the scheme the client used; only a trusted source (mod_trust_clientip) may report its own
            h.set(X_FORWARDED_PROTO, session.isSecure() ? "https" : "http");
        }
        h.set(X_REAL_IP, reported == session.clientAddress() || reported == null ? peerIp
                : reported.getAddress().getHostAddress());
        r.setProtocolVersion(HttpVersion.HTTP_1_1);
        if (hasBody && !h.contains(HttpHeaderNames.CONTENT_LENGTH)) {
            HttpUtil.setTransferEncodingChunked(r, true);
        }
    }
}
