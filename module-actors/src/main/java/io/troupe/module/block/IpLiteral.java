package io.troupe.module.block;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * IP literals as Go's {@code net.ParseIP} and {@code net.ParseCIDR} read them, in BFE's 16-byte form (IPv4 as
 * {@code ::ffff:a.b.c.d}) held as two unsigned longs. Never resolves names.
 */
final class IpLiteral {

    /** The 16-byte form's upper and lower 64 bits, and whether it is an IPv4 address (Go's {@code To4() != nil}). */
    record Ip(long hi, long lo, boolean v4) {
        int compareTo(Ip o) {
            int c = Long.compareUnsigned(hi, o.hi);
            return c != 0 ? c : Long.compareUnsigned(lo, o.lo);
        }
    }

    private static final long V4_MAPPED_HI = 0L;
    private static final long V4_MAPPED_LO_PREFIX = 0x0000_FFFF_0000_0000L;

    private IpLiteral() {
    }

    /** An address literal, or {@code null} when {@code s} is not one (host names, zones and junk included). */
    static Ip parse(String s) {
        if (s.isEmpty()) {
            return null;
        }
        if (s.indexOf(':') < 0) {
            long v4 = parseV4(s);
            return v4 < 0 ? null : v4(v4);
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' || c == '.';
            if (!ok) {
                return null; // no zones (%eth0), brackets or names: Go's ParseIP rejects them
            }
        }
        int dot = s.indexOf('.');
        if (dot >= 0 && parseV4(s.substring(s.lastIndexOf(':') + 1)) < 0) {
            return null; // an embedded IPv4 tail must be a strict dotted quad, as in Go
        }
        byte[] b;
        try {
            // a literal containing ':' is parsed as IPv6 by the JDK without any lookup
            b = InetAddress.getByName(s).getAddress();
        } catch (UnknownHostException | SecurityException e) {
            return null;
        }
        if (b.length == 4) {
            return v4(((b[0] & 0xffL) << 24) | ((b[1] & 0xffL) << 16) | ((b[2] & 0xffL) << 8) | (b[3] & 0xffL));
        }
        return of16(b);
    }

    /** The 16-byte form of a raw 4- or 16-byte address. */
    static Ip of(byte[] raw) {
        if (raw.length == 4) {
            return v4(((raw[0] & 0xffL) << 24) | ((raw[1] & 0xffL) << 16) | ((raw[2] & 0xffL) << 8) | (raw[3] & 0xffL));
        }
        return of16(raw);
    }

    private static Ip of16(byte[] b) {
        long hi = 0;
        long lo = 0;
        for (int i = 0; i < 8; i++) {
            hi = (hi << 8) | (b[i] & 0xffL);
            lo = (lo << 8) | (b[i + 8] & 0xffL);
        }
        boolean v4 = hi == V4_MAPPED_HI && (lo >>> 32) == 0xFFFFL;
        return new Ip(hi, lo, v4);
    }

    private static Ip v4(long v) {
        return new Ip(V4_MAPPED_HI, V4_MAPPED_LO_PREFIX | v, true);
    }

    /** A strict dotted quad (four decimal parts, 0-255, no leading zeros) as an unsigned int, or -1. */
    static long parseV4(String s) {
        long out = 0;
        int parts = 0;
        int i = 0;
        int n = s.length();
        while (i <= n) {
            int start = i;
            int v = 0;
            while (i < n && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
                v = v * 10 + (s.charAt(i) - '0');
                i++;
                if (i - start > 3) {
                    return -1;
                }
            }
            int len = i - start;
            if (len == 0 || v > 255 || (len > 1 && s.charAt(start) == '0')) {
                return -1;
            }
            out = (out << 8) | v;
            parts++;
            if (i == n) {
                break;
            }
            if (s.charAt(i) != '.' || parts == 4) {
                return -1;
            }
            i++;
        }
        return parts == 4 ? out : -1;
    }

    /**
     * A CIDR block {@code addr/bits} as its first and last address (Go's {@code ParseCIDR} plus BFE's last-address
     * rule: the network address with all host bits set), or {@code null} when {@code s} is not one.
     * A dotted IPv4 address takes 0-32 bits; an address written with colons takes 0-128.
     */
    static Ip[] parseCidr(String s) {
        int slash = s.indexOf('/');
        if (slash < 0) {
            return null;
        }
        String addr = s.substring(0, slash);
        String bitsText = s.substring(slash + 1);
        if (bitsText.isEmpty() || bitsText.length() > 3 || (bitsText.length() > 1 && bitsText.charAt(0) == '0')) {
            return null;
        }
        for (int i = 0; i < bitsText.length(); i++) {
            if (bitsText.charAt(i) < '0' || bitsText.charAt(i) > '9') {
                return null;
            }
        }
        int bits = Integer.parseInt(bitsText);
        Ip ip = parse(addr);
        if (ip == null) {
            return null;
        }
        boolean dotted = addr.indexOf(':') < 0;
        int total = dotted ? 32 : 128;
        if (bits > total) {
            return null;
        }
        int hostBits = total - bits;
        // host mask over the 128-bit form; for a dotted address only the low 32 bits can be host bits
        long maskLo;
        long maskHi;
        if (hostBits >= 64) {
            maskLo = -1L;
            maskHi = hostBits == 128 ? -1L : (1L << (hostBits - 64)) - 1;
        } else {
            maskLo = hostBits == 0 ? 0 : (hostBits == 64 ? -1L : (1L << hostBits) - 1);
            maskHi = 0;
        }
        Ip first = new Ip(ip.hi() & ~maskHi, ip.lo() & ~maskLo, ip.v4());
        Ip last = new Ip(ip.hi() | maskHi, ip.lo() | maskLo, ip.v4());
        if (!dotted) {
            // a prefix written with colons may leave or enter the ::ffff:0:0/96 block; recompute the family
            first = of16(bytes(first));
            last = of16(bytes(last));
        }
        return new Ip[] {first, last};
    }

    private static byte[] bytes(Ip ip) {
        byte[] b = new byte[16];
        for (int i = 0; i < 8; i++) {
            b[i] = (byte) (ip.hi() >>> (56 - 8 * i));
            b[i + 8] = (byte) (ip.lo() >>> (56 - 8 * i));
        }
        return b;
    }

    /** Go's {@code net.IP.String()} form, for messages. */
    static String format(Ip ip) {
        try {
            if (ip.v4()) {
                long v = ip.lo() & 0xFFFF_FFFFL;
                return ((v >>> 24) & 0xff) + "." + ((v >>> 16) & 0xff) + "." + ((v >>> 8) & 0xff) + "." + (v & 0xff);
            }
            return InetAddress.getByAddress(bytes(ip)).getHostAddress();
        } catch (UnknownHostException e) {
            return ip.toString();
        }
    }
}
