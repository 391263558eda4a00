package io.troupe.module.support;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * The text of an address, remembered for the address last asked for: modules format the client and server
 * address on every request (X-Bfe-Ip, %bfe_client_ip, $remote_addr), and a connection's requests keep asking for
 * the same ones. One instance per use, so alternating client and server addresses do not evict each other.
 */
public final class AddressText {
    private record Entry(Object address, String text) {}

    private volatile Entry host;
    private volatile Entry hostPort;

    /** {@code a.getHostAddress()}. */
    public String host(InetAddress a) {
        Entry e = host;
        if (e != null && e.address.equals(a)) {
            return e.text;
        }
        String t = a.getHostAddress();
        if (a instanceof Inet4Address) {
            // IPv6 equality ignores the scope that the text carries: only IPv4 text is reused
            host = new Entry(a, t);
        }
        return t;
    }

    /** {@code host:port} of a resolved address. */
    public String hostPort(InetSocketAddress a) {
        Entry e = hostPort;
        if (e != null && e.address.equals(a)) {
            return e.text;
        }
        String t = host(a.getAddress()) + ":" + a.getPort();
        if (a.getAddress() instanceof Inet4Address) {
            hostPort = new Entry(a, t);
        }
        return t;
    }
}
