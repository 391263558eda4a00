package io.troupe.proxy.server;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.troupe.proxy.monitor.ProxyStats.Key;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * The checks an HTTP/1 request head passes before anything else sees it, as RFC 9112 and Go's net/http apply
 * them: the version, the Host header, and the absolute form of the request target. Every refusal closes the
 * connection.
 */
final class RequestEdges {
    private RequestEdges() {}

    /** What a CONNECT gets when no module answered it. */
    static final LocalResponses.Answer CONNECT_NOT_ALLOWED = new LocalResponses.Answer(HttpResponseStatus.METHOD_NOT_ALLOWED,
            "CONNECT is not supported here\n", Key.ERR_CLIENT_BAD_REQUEST, true);

    /**
     * Checks an HTTP/1 head and brings it to the form the proxy routes and forwards: an absolute-form target
     * becomes origin form with its authority as the Host, and HTTP/1.2+ is served as 1.1.
     *
     * @return null when the request may go on, else the answer to send
     */
    static LocalResponses.Answer check(HttpRequest r) {
        HttpVersion v = r.protocolVersion();
        if (!"HTTP".equals(v.protocolName())) {
            return bad("malformed HTTP version " + v.text());
        }
        if (v.majorVersion() != 1) {
            // HTTP/2 only by its preface (h2c) or ALPN; 0.9 and 2+ in an HTTP/1 request line are not served
            return new LocalResponses.Answer(HttpResponseStatus.HTTP_VERSION_NOT_SUPPORTED,
                    "unsupported protocol version " + v.text() + "\n", Key.ERR_CLIENT_BAD_REQUEST, true);
        }
        if (v.minorVersion() > 1) {
            r.setProtocolVersion(HttpVersion.HTTP_1_1);
        } else if (v != HttpVersion.HTTP_1_1 && v != HttpVersion.HTTP_1_0) {
            // Netty upper-cases "http/1.1" and reads "HTTP/01.1" as 1.1 into a new instance; Go (BFE) and
            // nginx take only the exact spelling
            return bad("malformed HTTP version " + v.text());
        }
        HttpHeaders h = r.headers();
        // an iterator, not getAll's list: this runs for every request
        Iterator<String> hosts = h.valueStringIterator(HttpHeaderNames.HOST);
        String host = hosts.hasNext() ? hosts.next() : null;
        if (hosts.hasNext()) {
            return bad("too many Host headers");
        }
        if (host == null && r.protocolVersion().minorVersion() >= 1 && !HttpMethod.CONNECT.equals(r.method())) {
            return bad("missing required Host header");
        }
        if (host != null && !validHost(host)) {
            return bad("malformed Host header");
        }
        if (h.contains(HttpHeaderNames.TRANSFER_ENCODING)) {
            LocalResponses.Answer coding = transferCoding(h);
            if (coding != null) {
                return coding;
            }
        }
        String uri = r.uri();
        for (int i = 0; i < uri.length(); i++) { // in any form: an absolute target becomes origin form below
            char c = uri.charAt(i);
            if (c < 0x21 || c == 0x7f) {
                return bad("control character in the request target");
            }
        }
        boolean absolute = isAbsoluteForm(uri);
        if (!absolute && !HttpMethod.CONNECT.equals(r.method())
                && !(uri.startsWith("/") || uri.equals("*") && HttpMethod.OPTIONS.equals(r.method()))) {
            // RFC 9112 §3.2: origin form starts with '/' (or is '*' for OPTIONS); Go and nginx answer others 400
            return bad("malformed request target " + uri);
        }
        if (absolute) {
            // RFC 9112 §3.2.2: the target's authority replaces Host, and the backend gets origin form
            int start = uri.indexOf("://") + 3;
            int end = start;
            while (end < uri.length() && uri.charAt(end) != '/' && uri.charAt(end) != '?' && uri.charAt(end) != '#') {
                end++;
            }
            String authority = uri.substring(start, end);
            int at = authority.lastIndexOf('@');
            if (at >= 0) {
                authority = authority.substring(at + 1); // userinfo is not part of the host
            }
            if (authority.isEmpty() || !validHost(authority)) {
                return bad("malformed request target " + uri);
            }
            String rest = uri.substring(end);
            int hash = rest.indexOf('#');
            if (hash >= 0) {
                rest = rest.substring(0, hash);
            }
            h.set(HttpHeaderNames.HOST, authority);
            r.setUri(rest.isEmpty() || rest.charAt(0) == '?' ? "/" + rest : rest);
        }
        return null;
    }

    /**
     * RFC 9112 §6.3: a request whose last transfer coding is not chunked has no length that can be trusted (400, and
     * the connection closes: its body could be read as the next request); chunked after another coding is one the
     * proxy cannot undo (501, as Go's server, BFE's, and nginx answer it).
     */
    private static LocalResponses.Answer transferCoding(HttpHeaders h) {
        List<String> codings = new ArrayList<>();
        for (String value : h.getAll(HttpHeaderNames.TRANSFER_ENCODING)) {
            for (String coding : value.split(",", -1)) {
                codings.add(coding.trim().toLowerCase(java.util.Locale.ROOT));
            }
        }
        if (!"chunked".equals(codings.get(codings.size() - 1))) {
            return bad("Transfer-Encoding " + String.join(", ", codings) + " does not end with chunked");
        }
        if (codings.size() > 1) {
            return new LocalResponses.Answer(HttpResponseStatus.NOT_IMPLEMENTED, "unsupported transfer coding "
                    + String.join(", ", codings) + "\n", Key.ERR_CLIENT_BAD_REQUEST, true);
        }
        return null;
    }

    private static LocalResponses.Answer bad(String why) {
        return new LocalResponses.Answer(HttpResponseStatus.BAD_REQUEST, why + "\n", Key.ERR_CLIENT_BAD_REQUEST, true);
    }

    private static boolean isAbsoluteForm(String uri) {
        return uri.regionMatches(true, 0, "http://", 0, 7) || uri.regionMatches(true, 0, "https://", 0, 8);
    }

    /** Go's httpguts.ValidHostHeader: the characters a host[:port] (or an IP-literal) may hold. */
    static boolean validHost(String host) {
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            boolean ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                    || "!$%&'()*+,-.:;=[]_~".indexOf(c) >= 0;
            if (!ok) {
                return false;
            }
        }
        return true;
    }
}
