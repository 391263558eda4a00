package io.troupe.module.rules;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/** IP literals as Go's {@code net.ParseIP} reads them, in its 16-byte form (IPv4 as {@code ::ffff:a.b.c.d}); no DNS. */
public final class IpLiterals {
    private IpLiterals() {}

    /** The 16-byte form of {@code s}, or {@code null} when it is not an IPv4 or IPv6 literal. */
    public static byte[] parse(String s) {
        if (s == null || s.isEmpty()) {
            return null;
        }
        if (s.indexOf(':') < 0) {
            byte[] v4 = parseV4(s);
            return v4 == null ? null : mapped(v4);
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            // hex digits, colons and an embedded IPv4 tail only: never a host name, so never a lookup
            if (!(Character.digit(c, 16) >= 0 || c == ':' || c == '.')) {
                return null;
            }
        }
        try {
            InetAddress a = InetAddress.getByName(s);
            return a instanceof Inet6Address ? a.getAddress() : mapped(a.getAddress());
        } catch (UnknownHostException | IllegalArgumentException e) {
            return null;
        }
    }

    /** The 16-byte form of an address's raw bytes (4 or 16). */
    public static byte[] of(InetAddress a) {
        byte[] b = a.getAddress();
        return b.length == 4 ? mapped(b) : b;
    }

    /** Whether a 16-byte address is an IPv4 one. */
    public static boolean isV4(byte[] ip16) {
        for (int i = 0; i < 10; i++) {
            if (ip16[i] != 0) {
                return false;
            }
        }
        return ip16[10] == (byte) 0xff && ip16[11] == (byte) 0xff;
    }

    /** Unsigned comparison of two 16-byte addresses. */
    public static int compare(byte[] a, byte[] b) {
        return java.util.Arrays.compareUnsigned(a, b);
    }

    private static byte[] parseV4(String s) {
        String[] parts = s.split("\\.", -1);
        if (parts.length != 4) {
            return null;
        }
        byte[] out = new byte[4];
        for (int i = 0; i < 4; i++) {
            String p = parts[i];
            // Go rejects empty parts, more than three digits and leading zeros
            if (p.isEmpty() || p.length() > 3 || p.length() > 1 && p.charAt(0) == '0') {
                return null;
            }
            int v = 0;
            for (int j = 0; j < p.length(); j++) {
                int d = p.charAt(j) - '0';
                if (d < 0 || d > 9) {
                    return null;
                }
                v = v * 10 + d;
            }
            if (v > 255) {
                return null;
            }
            out[i] = (byte) v;
        }
        return out;
    }

    private static byte[] mapped(byte[] v4) {
        byte[] out = new byte[16];
        out[10] = (byte) 0xff;
        out[11] = (byte) 0xff;
        System.arraycopy(v4, 0, out, 12, 4);
        return out;
    }
}
