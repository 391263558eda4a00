package io.troupe.module.block;

import com.fasterxml.jackson.databind.JsonNode;
import io.troupe.api.proxy.config.ConfigFileException;
import io.troupe.api.proxy.config.DataFile;
import io.troupe.module.block.IpLiteral.Ip;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * mod_block's global IP blocklist ({@code ip_blocklist.data}, BFE's {@code ipdict} text format), immutable.
 *
 * <ul>
 *   <li>One entry per line, spaces and tabs around it trimmed; blank lines and lines starting with {@code #} skipped.</li>
 *   <li>An entry is one IPv4/IPv6 address, a CIDR block, or {@code START END} separated by spaces or tabs.</li>
 *   <li>A range with START after END, with one IPv4 and one IPv6 end, with a third token, or with an invalid
 *       address rejects the whole file, naming the line.</li>
 *   <li>An optional first line {@code # {"version": "...", "singleIPNum": N, "pairIPNum": M}} with a non-empty
 *       version and counts &gt;= 0 makes the counts capacities: more single addresses or more ranges than
 *       declared reject the file. Without it the counts are those of the file, and the version is empty.</li>
 * </ul>
 *
 * Lookups take the address in 16-byte form (IPv4 as {@code ::ffff:a.b.c.d}), so IPv4 and IPv6 share one table;
 * ranges are sorted and merged, so a lookup is two binary searches and allocates nothing.
 */
public final class IpBlocklist {

    /** An empty list (nothing blocked). */
    public static final IpBlocklist EMPTY = new IpBlocklist("", new long[0], new long[0], new long[0], new long[0],
            new long[0], new long[0], 0, 0);

    private final String version;
    // singles sorted by (hi, lo)
    private final long[] singleHi;
    private final long[] singleLo;
    // disjoint ranges sorted by start
    private final long[] startHi;
    private final long[] startLo;
    private final long[] endHi;
    private final long[] endLo;
    private final int singleLines;
    private final int pairLines;

    private IpBlocklist(String version, long[] singleHi, long[] singleLo, long[] startHi, long[] startLo,
                        long[] endHi, long[] endLo, int singleLines, int pairLines) {
        this.version = version;
        this.singleHi = singleHi;
        this.singleLo = singleLo;
        this.startHi = startHi;
        this.startLo = startLo;
        this.endHi = endHi;
        this.endLo = endLo;
        this.singleLines = singleLines;
        this.pairLines = pairLines;
    }

    /**
     * Loads and checks a whole file.
     *
     * @throws ConfigFileException naming the file and line when it is invalid or exceeds its declared capacities
     */
    public static IpBlocklist load(Path file) throws ConfigFileException {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigFileException(file, null, "cannot read: " + e, e);
        }
        return parse(file, lines);
    }

    static IpBlocklist parse(Path file, List<String> lines) throws ConfigFileException {
        String version = "";
        int maxSingle = Integer.MAX_VALUE;
        int maxPair = Integer.MAX_VALUE;
        Meta meta = lines.isEmpty() ? null : meta(lines.get(0));
        if (meta != null) {
            version = meta.version();
            maxSingle = meta.single();
            maxPair = meta.pair();
        }
        List<Ip> singles = new ArrayList<>();
        List<Ip[]> pairs = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = trim(lines.get(i));
            if (line.isEmpty() || line.charAt(0) == '#') {
                continue;
            }
            String where = "line " + (i + 1);
            Ip[] range = entry(line);
            if (range == null) {
                throw new ConfigFileException(file, where, "not an IP address, CIDR block or \"START END\" range: " + line);
            }
            Ip start = range[0];
            Ip end = range[1];
            if (start.equals(end)) {
                singles.add(start);
                if (singles.size() > maxSingle) {
                    throw new ConfigFileException(file, where, "more single addresses than the " + maxSingle
                            + " declared by singleIPNum in the first line");
                }
                continue;
            }
            if (start.v4() != end.v4()) {
                throw new ConfigFileException(file, where, "range mixes IPv4 and IPv6: " + line);
            }
            if (start.compareTo(end) > 0) {
                throw new ConfigFileException(file, where, "range start " + IpLiteral.format(start) + " is after its end "
                        + IpLiteral.format(end));
            }
            pairs.add(range);
            if (pairs.size() > maxPair) {
                throw new ConfigFileException(file, where, "more ranges than the " + maxPair
                        + " declared by pairIPNum in the first line");
            }
        }
        return build(version, singles, pairs);
    }

    private record Meta(String version, int single, int pair) {}

    /** The first-line metadata, or {@code null} when the line is not valid metadata (then counts are not capped). */
    private static Meta meta(String first) {
        String line = first.strip();
        if (!line.startsWith("#")) {
            return null;
        }
        int from = 0;
        int to = line.length();
        while (from < to && line.charAt(from) == '#') {
            from++;
        }
        while (to > from && line.charAt(to - 1) == '#') {
            to--;
        }
        try {
            // Go's json.Decoder reads the first value and ignores what follows it
            JsonNode n = DataFile.MAPPER.reader().without(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                    .readTree(line.substring(from, to));
            if (n == null || !n.isObject()) {
                return null;
            }
            JsonNode v = DataFile.field(n, "version");
            JsonNode s = DataFile.field(n, "singleIPNum");
            JsonNode p = DataFile.field(n, "pairIPNum");
            if (v == null || !v.isTextual() || v.asText().isEmpty() || s == null || !s.isInt() || p == null
                    || !p.isInt() || s.asInt() < 0 || p.asInt() < 0) {
                return null;
            }
            return new Meta(v.asText(), s.asInt(), p.asInt());
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** One entry as [start, end]: CIDR first, then "START END" split on spaces, then on tabs, as BFE does. */
    private static Ip[] entry(String line) {
        Ip[] cidr = IpLiteral.parseCidr(line);
        if (cidr != null) {
            return cidr;
        }
        Ip[] r = split(line, ' ');
        return r != null ? r : split(line, '\t');
    }

    private static Ip[] split(String line, char sep) {
        int at = line.indexOf(sep);
        String a = at < 0 ? line : trim(line.substring(0, at));
        String b = at < 0 ? line : trim(line.substring(at + 1));
        Ip start = IpLiteral.parse(a);
        Ip end = start == null ? null : IpLiteral.parse(b);
        return end == null ? null : new Ip[] {start, end};
    }

    private static String trim(String s) {
        int from = 0;
        int to = s.length();
        while (from < to && (s.charAt(from) == ' ' || s.charAt(from) == '\t')) {
            from++;
        }
        while (to > from && (s.charAt(to - 1) == ' ' || s.charAt(to - 1) == '\t' || s.charAt(to - 1) == '\r')) {
            to--;
        }
        return s.substring(from, to);
    }

    private static IpBlocklist build(String version, List<Ip> singles, List<Ip[]> pairs) {
        List<Ip> s = new ArrayList<>(singles);
        s.sort(IpLiteral.Ip::compareTo);
        long[] sh = new long[s.size()];
        long[] sl = new long[s.size()];
        int n = 0;
        for (Ip ip : s) {
            if (n > 0 && sh[n - 1] == ip.hi() && sl[n - 1] == ip.lo()) {
                continue;
            }
            sh[n] = ip.hi();
            sl[n] = ip.lo();
            n++;
        }
        List<Ip[]> p = new ArrayList<>(pairs);
        p.sort(Comparator.comparing((Ip[] r) -> r[0], IpLiteral.Ip::compareTo));
        List<Ip[]> merged = new ArrayList<>();
        for (Ip[] r : p) {
            Ip[] last = merged.isEmpty() ? null : merged.get(merged.size() - 1);
            if (last != null && r[0].compareTo(last[1]) <= 0) {
                if (r[1].compareTo(last[1]) > 0) {
                    last[1] = r[1];
                }
            } else {
                merged.add(new Ip[] {r[0], r[1]});
            }
        }
        long[] ah = new long[merged.size()];
        long[] al = new long[merged.size()];
        long[] bh = new long[merged.size()];
        long[] bl = new long[merged.size()];
        for (int i = 0; i < merged.size(); i++) {
            ah[i] = merged.get(i)[0].hi();
            al[i] = merged.get(i)[0].lo();
            bh[i] = merged.get(i)[1].hi();
            bl[i] = merged.get(i)[1].lo();
        }
        return new IpBlocklist(version, Arrays.copyOf(sh, n), Arrays.copyOf(sl, n), ah, al, bh, bl, singles.size(),
                pairs.size());
    }

    /** The version from the first-line metadata, or the empty string. */
    public String version() {
        return version;
    }

    /** Single-address entries in the file. */
    public int singleCount() {
        return singleLines;
    }

    /** Range entries (START END or CIDR) in the file. */
    public int pairCount() {
        return pairLines;
    }

    /** Whether the address is listed; {@code false} for an unresolved address. */
    public boolean contains(InetSocketAddress address) {
        if (address == null) {
            return false;
        }
        InetAddress ip = address.getAddress();
        return ip != null && contains(ip);
    }

    /** Whether the address is listed. */
    public boolean contains(InetAddress ip) {
        Ip k = IpLiteral.of(ip.getAddress());
        return contains(k.hi(), k.lo());
    }

    /** Whether the address is listed, given as a literal; {@code false} when it is not one. */
    public boolean contains(String literal) {
        Ip k = IpLiteral.parse(literal);
        return k != null && contains(k.hi(), k.lo());
    }

    private boolean contains(long hi, long lo) {
        // singles: exact match by binary search
        int a = 0;
        int b = singleHi.length - 1;
        while (a <= b) {
            int m = (a + b) >>> 1;
            int c = cmp(singleHi[m], singleLo[m], hi, lo);
            if (c == 0) {
                return true;
            }
            if (c < 0) {
                a = m + 1;
            } else {
                b = m - 1;
            }
        }
        // ranges: the last range starting at or before the address
        a = 0;
        b = startHi.length - 1;
        int found = -1;
        while (a <= b) {
            int m = (a + b) >>> 1;
            if (cmp(startHi[m], startLo[m], hi, lo) <= 0) {
                found = m;
                a = m + 1;
            } else {
                b = m - 1;
            }
        }
        return found >= 0 && cmp(hi, lo, endHi[found], endLo[found]) <= 0;
    }

    private static int cmp(long ah, long al, long bh, long bl) {
        int c = Long.compareUnsigned(ah, bh);
        return c != 0 ? c : Long.compareUnsigned(al, bl);
    }
}
