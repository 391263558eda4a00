package io.troupe.proxy.forward;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/** Strips hop-by-hop headers (RFC 9110 §7.6.1), including those the Connection header names. */
public final class HopByHop {
    private HopByHop() {}

    /** The fixed hop-by-hop names; Connection first (bit 1 of {@link #fixedBit}). */
    private static final AsciiString[] FIXED = {
        HttpHeaderNames.CONNECTION, AsciiString.cached("keep-alive"), HttpHeaderNames.PROXY_AUTHENTICATE,
        HttpHeaderNames.PROXY_AUTHORIZATION, HttpHeaderNames.TE, HttpHeaderNames.TRAILER,
        HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderNames.UPGRADE, AsciiString.cached("proxy-connection")
    };

    /** Removes hop-by-hop headers; {@code keepUpgrade} keeps Upgrade/Connection: upgrade for WebSocket. */
    public static void strip(HttpHeaders h, boolean keepUpgrade) {
        // one pass over the names finds which fixed hop-by-hop headers are there: most messages carry none or only
        // Connection, and a remove per fixed name would hash and probe the map nine times for nothing
        int present = 0;
        for (Iterator<Map.Entry<CharSequence, CharSequence>> it = h.iteratorCharSequence(); it.hasNext(); ) {
            present |= fixedBit(it.next().getKey());
        }
        if (present == 0) {
            return; // no Connection header either, so no header it names and nothing to keep for an upgrade
        }
        List<String> named = null;
        // the Connection header's tokens are scanned in place, without getAll's list or a split, so only the names
        // of further hop-by-hop headers are copied
        if ((present & 1) != 0) {
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
                    // Host is never hop-by-hop: Go (BFE) keeps it outside the header map, so Connection cannot name it
                    if (e > s && !is(c, s, e, "close") && !is(c, s, e, "keep-alive") && !is(c, s, e, "host")
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
        for (int i = 0; i < FIXED.length; i++) {
            if ((present & (1 << i)) != 0) {
                h.remove(FIXED[i]);
            }
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

    /** The bit of {@code name} in {@link #FIXED} (1 for Connection), or 0 when it is not a fixed hop-by-hop name. */
    static int fixedBit(CharSequence name) {
        int len = name.length();
        for (int i = 0; i < FIXED.length; i++) {
            AsciiString f = FIXED[i];
            if (f.length() == len && f.contentEqualsIgnoreCase(name)) {
                return 1 << i;
            }
        }
        return 0;
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
