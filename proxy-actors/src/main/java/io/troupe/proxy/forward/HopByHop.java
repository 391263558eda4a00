package io.troupe.proxy.forward;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/** Strips hop-by-hop headers (RFC 9110 §7.6.1), including those the Connection header names. */
public final class HopByHop {
    private HopByHop() {}

    private static final AsciiString[] FIXED = {
        HttpHeaderNames.CONNECTION, AsciiString.cached("keep-alive"), HttpHeaderNames.PROXY_AUTHENTICATE,
        HttpHeaderNames.PROXY_AUTHORIZATION, HttpHeaderNames.TE, HttpHeaderNames.TRAILER,
        HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderNames.UPGRADE, AsciiString.cached("proxy-connection")
    };

    /** Removes hop-by-hop headers; {@code keepUpgrade} keeps Upgrade/Connection: upgrade for WebSocket. */
    public static void strip(HttpHeaders h, boolean keepUpgrade) {
        List<String> named = null;
        // most messages carry no Connection header or one plain token ("keep-alive", "close"): scanned in place,
        // without getAll's list or a split, so only the names of further hop-by-hop headers are copied
        if (h.contains(HttpHeaderNames.CONNECTION)) {
            for (Iterator<String> it = h.valueStringIterator(HttpHeaderNames.CONNECTION); it.hasNext(); ) {
                String c = it.next();
                int start = 0;
                while (true) {
                    int comma = c.indexOf(',', start);
                    int s = start;
                    int e = comma < 0 ? c.length() : comma;
                    while (s < e && c.charAt(s) <= ' ') {
                        s++;
                    }
                    while (e > s && c.charAt(e - 1) <= ' ') {
                        e--;
                    }
                    if (e > s && !is(c, s, e, "close") && !is(c, s, e, "keep-alive")
                            && !(keepUpgrade && is(c, s, e, "upgrade"))) {
                        if (named == null) {
                            named = new ArrayList<>();
                        }
                        named.add(c.substring(s, e));
                    }
                    if (comma < 0) {
                        break;
                    }
                    start = comma + 1;
                }
            }
        }
        String upgrade = keepUpgrade ? h.get(HttpHeaderNames.UPGRADE) : null;
        for (AsciiString name : FIXED) {
            h.remove(name);
        }
        if (named != null) {
            for (String n : named) {
                h.remove(n);
            }
        }
        if (upgrade != null) {
            h.set(HttpHeaderNames.UPGRADE, upgrade);
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderNames.UPGRADE);
        }
    }

    /** Whether {@code c[s, e)} is {@code token}, ignoring case. */
    private static boolean is(String c, int s, int e, String token) {
        return e - s == token.length() && c.regionMatches(true, s, token, 0, token.length());
    }

    /** Whether a request asks for a protocol switch the proxy passes through (WebSocket and the like). */
    public static boolean isUpgrade(HttpHeaders h) {
        return h.contains(HttpHeaderNames.UPGRADE) && h.containsValue(HttpHeaderNames.CONNECTION, HttpHeaderNames.UPGRADE, true)
                && !"h2c".equalsIgnoreCase(h.get(HttpHeaderNames.UPGRADE));
    }
}
