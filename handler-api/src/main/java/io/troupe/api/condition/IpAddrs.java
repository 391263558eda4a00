package io.troupe.api.condition;

import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * IP addresses as Go's {@code net.IP} holds them: 16 bytes, IPv4 as {@code ::ffff:a.b.c.d}. Parsing
 * follows {@code net.ParseIP} (no host names, no zones, no leading zeros in IPv4 parts) and never
 * touches DNS; formatting follows {@code net.IP.String()}.
 */
final class IpAddrs {
    private IpAddrs() {}

    /** The 16-byte form of a literal address, or {@code null} when it is not one. */
    static byte[] parse(String s) {
        if (s.indexOf(':') < 0) {
            byte[] v4 = parseV4(s, 0, s.length());
            return v4 == null ? null : mapped(v4);
        }
        return parseV6(s);
    }

    /** Whether {@code net.ParseIP(s).To4() != nil}, BFE's test for "IPv4 address". */
    static boolean isV4(byte[] ip16) {
        for (int i = 0; i < 10; i++) {
            if (ip16[i] != 0) {
                return false;
            }
        }
        return ip16[10] == (byte) 0xff && ip16[11] == (byte) 0xff;
    }

    /**
     * The raw bytes (4 for IPv4, 16 for IPv6) of a socket address's IP, or {@code null} when there is
     * none (unresolved). One small copy; the hot path works on {@link #hi}/{@link #lo} from here.
     */
    static byte[] raw(InetSocketAddress address) {
        if (address == null) {
            return null;
        }
        InetAddress ip = address.getAddress();
        return ip == null ? null : ip.getAddress();
    }

    /** The upper 64 bits of the 16-byte form of a raw 4- or 16-byte address. */
    static long hi(byte[] raw) {
        return raw.length == 4 ? 0L : readLong(raw, 0);
    }

    /** The lower 64 bits of the 16-byte form (IPv4 as {@code ::ffff:a.b.c.d}). */
    static long lo(byte[] raw) {
        if (raw.length == 4) {
            return 0x0000_FFFF_0000_0000L | ((raw[0] & 0xffL) << 24) | ((raw[1] & 0xffL) << 16)
                    | ((raw[2] & 0xffL) << 8) | (raw[3] & 0xffL);
        }
        return readLong(raw, 8);
    }

    private static long readLong(byte[] b, int off) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (b[off + i] & 0xffL);
        }
        return v;
    }

    /** Unsigned comparison of two addresses given as (hi, lo). */
    static int compare(long hiA, long loA, long hiB, long loB) {
        return hiA != hiB ? Long.compareUnsigned(hiA, hiB) : Long.compareUnsigned(loA, loB);
    }

    private static byte[] mapped(byte[] v4) {
        byte[] ip = new byte[16];
        ip[10] = (byte) 0xff;
        ip[11] = (byte) 0xff;
        System.arraycopy(v4, 0, ip, 12, 4);
        return ip;
    }

    private static byte[] parseV4(String s, int from, int to) {
        byte[] out = new byte[4];
        int part = 0;
        int i = from;
        while (part < 4) {
            if (part > 0) {
                if (i >= to || s.charAt(i) != '.') {
                    return null;
                }
                i++;
            }
            int start = i;
            int value = 0;
            while (i < to && i - start < 4 && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
                value = value * 10 + (s.charAt(i) - '0');
                i++;
            }
            int len = i - start;
            if (len == 0 || len > 3 || value > 255 || (len > 1 && s.charAt(start) == '0')) {
                return null;
            }
            out[part++] = (byte) value;
        }
        return i == to ? out : null;
    }

    private static byte[] parseV6(String s) {
        byte[] ip = new byte[16];
        int ellipsis = -1;
        int i = 0;
        int n = s.length();
        if (n >= 2 && s.charAt(0) == ':' && s.charAt(1) == ':') {
            ellipsis = 0;
            i = 2;
            if (i == n) {
                return ip;
            }
        }
        int j = 0;
        while (j < 16) {
            int start = i;
            int value = 0;
            while (i < n && i - start < 5) {
                int d = Character.digit(s.charAt(i), 16);
                if (d < 0 || s.charAt(i) > 'f') {
                    break;
                }
                value = value * 16 + d;
                i++;
            }
            int len = i - start;
            if (len == 0 || len > 4) {
                return null;
            }
            if (i < n && s.charAt(i) == '.') {
                // embedded IPv4 in the last 32 bits
                if (ellipsis < 0 && j != 12) {
                    return null;
                }
                if (j + 4 > 16) {
                    return null;
                }
                byte[] v4 = parseV4(s, start, n);
                if (v4 == null) {
                    return null;
                }
                System.arraycopy(v4, 0, ip, j, 4);
                j += 4;
                i = n;
                break;
            }
            ip[j] = (byte) (value >> 8);
            ip[j + 1] = (byte) value;
            j += 2;
            if (i == n) {
                break;
            }
            if (s.charAt(i) != ':' || i + 1 == n) {
                return null;
            }
            i++;
            if (s.charAt(i) == ':') {
                if (ellipsis >= 0) {
                    return null;
                }
                ellipsis = j;
                i++;
                if (i == n) {
                    break;
                }
            }
        }
        if (i != n) {
            return null;
        }
        if (j < 16) {
            if (ellipsis < 0) {
                return null;
            }
            int shift = 16 - j;
            for (int k = j - 1; k >= ellipsis; k--) {
                ip[k + shift] = ip[k];
            }
            for (int k = ellipsis + shift - 1; k >= ellipsis; k--) {
                ip[k] = 0;
            }
        } else if (ellipsis >= 0) {
            return null; // "::" must stand for at least one group
        }
        return ip;
    }

    /** Go's {@code net.IP.String()} of a 4- or 16-byte address: dotted IPv4 (also for mapped), else IPv6. */
    static String format(byte[] ip) {
        if (ip.length == 4) {
            return (ip[0] & 0xff) + "." + (ip[1] & 0xff) + "." + (ip[2] & 0xff) + "." + (ip[3] & 0xff);
        }
        if (isV4(ip)) {
            return (ip[12] & 0xff) + "." + (ip[13] & 0xff) + "." + (ip[14] & 0xff) + "." + (ip[15] & 0xff);
        }
        // first longest run of zero groups, at least two groups long
        int bestStart = -1;
        int bestLen = 0;
        for (int g = 0; g < 8; ) {
            if (group(ip, g) == 0) {
                int start = g;
                while (g < 8 && group(ip, g) == 0) {
                    g++;
                }
                if (g - start > bestLen) {
                    bestStart = start;
                    bestLen = g - start;
                }
            } else {
                g++;
            }
        }
        if (bestLen < 2) {
            bestStart = -1;
        }
        StringBuilder b = new StringBuilder(39);
        for (int g = 0; g < 8; g++) {
            if (g == bestStart) {
                b.append("::");
                g += bestLen - 1;
                continue;
            }
            if (g > 0 && b.length() > 0 && b.charAt(b.length() - 1) != ':') {
                b.append(':');
            }
            b.append(Integer.toHexString(group(ip, g)));
        }
        return b.toString();
    }

    private static int group(byte[] ip, int g) {
        return ((ip[2 * g] & 0xff) << 8) | (ip[2 * g + 1] & 0xff);
    }
}
