package io.troupe.proxy.server;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * The client address of a request on a trusted connection (BFE's {@code setClientAddr}): {@code X-Real-Ip}
 * and {@code X-Real-Port}, else the first entries of {@code X-Forwarded-For} and {@code X-Forwarded-Port}.
 */
final class ClientAddrs {
    private ClientAddrs() {}

    /** The reported address, or {@code null} when the headers hold no valid IP literal. */
    static InetSocketAddress fromHeaders(HttpHeaders h) {
        String ip = h.get("X-Real-Ip");
        String port = h.get("X-Real-Port");
        if (ip == null || ip.isEmpty()) {
            ip = first(h.get("X-Forwarded-For"));
            port = first(h.get("X-Forwarded-Port"));
        }
        if (ip == null || ip.isEmpty()) {
            return null;
        }
        byte[] raw = NetUtil.createByteArrayFromIpAddressString(ip.trim());
        if (raw == null) {
            return null;
        }
        int p = 0;
        if (port != null) {
            try {
                p = Integer.parseInt(port.trim());
            } catch (NumberFormatException e) {
                p = 0; // BFE keeps port 0 for an invalid port
            }
            if (p < 0 || p > 65535) {
                p = 0;
            }
        }
        try {
            return new InetSocketAddress(InetAddress.getByAddress(raw), p);
        } catch (UnknownHostException e) {
            return null; // cannot happen for a 4- or 16-byte address
        }
    }

    // BFE splits on ", " and takes the first part
    private static String first(String v) {
        if (v == null) {
            return null;
        }
        int i = v.indexOf(", ");
        return i < 0 ? v : v.substring(0, i);
    }
}
