package io.troupe.proxy.forward;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.ArrayList;
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
        // most requests carry no Connection header: skip getAll's list and the token split for them
        List<String> connection = h.contains(HttpHeaderNames.CONNECTION) ? h.getAll(HttpHeaderNames.CONNECTION) : List.of();
        for (String c : connection) {
            for (String token : c.split(",")) {
                String t = token.trim();
                if (!t.isEmpty() && !t.equalsIgnoreCase("close") && !t.equalsIgnoreCase("keep-alive")
                        && !(keepUpgrade && t.equalsIgnoreCase("upgrade"))) {
                    if (named == null) {
                        named = new ArrayList<>();
                    }
                    named.add(t);
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

    /** Whether a request asks for a protocol switch the proxy passes through (WebSocket and the like). */
    public static boolean isUpgrade(HttpHeaders h) {
        return h.contains(HttpHeaderNames.UPGRADE) && h.containsValue(HttpHeaderNames.CONNECTION, HttpHeaderNames.UPGRADE, true)
                && !"h2c".equalsIgnoreCase(h.get(HttpHeaderNames.UPGRADE));
    }
}
