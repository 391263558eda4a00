package io.troupe.module.trustclientip;

import io.troupe.api.proxy.config.ConfigFileException;
import io.troupe.api.proxy.config.DataFile;
import io.troupe.module.rules.IpLiterals;
import io.troupe.module.rules.RuleFiles;
import io.troupe.module.rules.RuleFiles.At;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * BFE's {@code trust_client_ip.data}: {@code {"Version", "Config": {label: [{"Begin": ip, "End": ip}, ...]}}}.
 * An entry whose Begin equals its End is a single address; others are ranges. Immutable; lookups need no lock.
 */
public final class TrustIpTable {
    private final String version;
    private final Set<Key> singles;
    /** Sorted by begin, overlapping ranges merged at load: one binary search answers a lookup. */
    private final byte[][] begins;
    private final byte[][] ends;
    private final int labels;

    private TrustIpTable(String version, Set<Key> singles, List<byte[][]> ranges, int labels) {
        this.version = version;
        this.singles = singles;
        ranges.sort(Comparator.comparing((byte[][] r) -> r[0], IpLiterals::compare));
        List<byte[][]> merged = new ArrayList<>();
        for (byte[][] r : ranges) {
            byte[][] lastRange = merged.isEmpty() ? null : merged.get(merged.size() - 1);
            if (lastRange != null && IpLiterals.compare(r[0], lastRange[1]) <= 0) {
                if (IpLiterals.compare(r[1], lastRange[1]) > 0) {
                    lastRange[1] = r[1];
                }
            } else {
                merged.add(new byte[][] {r[0], r[1]});
            }
        }
        begins = new byte[merged.size()][];
        ends = new byte[merged.size()][];
        for (int i = 0; i < merged.size(); i++) {
            begins[i] = merged.get(i)[0];
            ends[i] = merged.get(i)[1];
        }
        this.labels = labels;
    }

    /** Loads and checks a whole file; errors name the file and the field ({@code Config.inner-idc[0].Begin}). */
    public static TrustIpTable load(Path file) throws ConfigFileException {
        DataFile f = DataFile.load(file);
        if (!f.config().isObject()) {
            throw f.error("Config", "must be an object of label → address list");
        }
        Set<Key> singles = new HashSet<>();
        List<byte[][]> ranges = new ArrayList<>();
        int labels = 0;
        for (Map.Entry<String, com.fasterxml.jackson.databind.JsonNode> e : f.config().properties()) {
            At list = new At(e.getValue(), "Config." + e.getKey());
            if (list.absent()) {
                throw f.error(list.path(), "no address list for label " + e.getKey());
            }
            labels++;
            for (At scope : RuleFiles.elements(f, list)) {
                byte[] begin = ip(f, scope, "Begin");
                byte[] end = ip(f, scope, "End");
                int c = IpLiterals.compare(begin, end);
                if (c == 0) {
                    singles.add(new Key(begin));
                    continue;
                }
                if (IpLiterals.isV4(begin) != IpLiterals.isV4(end)) {
                    throw f.error(scope.path(), "Begin and End mix IPv4 and IPv6");
                }
                if (c > 0) {
                    throw f.error(scope.path(), "Begin is after End");
                }
                ranges.add(new byte[][] {begin, end});
            }
        }
        return new TrustIpTable(f.version(), Set.copyOf(singles), ranges, labels);
    }

    private static byte[] ip(DataFile f, At scope, String name) throws ConfigFileException {
        String s = RuleFiles.string(f, scope, name);
        byte[] ip = IpLiterals.parse(s);
        if (ip == null) {
            throw f.error(scope.path() + "." + name, "not an IP address: \"" + s + "\"");
        }
        return ip;
    }

    /** Whether the address is in the table. */
    public boolean contains(InetAddress address) {
        byte[] ip = IpLiterals.of(address);
        if (singles.contains(new Key(ip))) {
            return true;
        }
        // the last range starting at or before ip: merged at load, no earlier range reaches further
        int lo = 0;
        int hi = begins.length - 1;
        int last = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (IpLiterals.compare(begins[mid], ip) <= 0) {
                last = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return last >= 0 && IpLiterals.compare(ip, ends[last]) <= 0;
    }

    public String version() {
        return version;
    }

    /** How many labels the file has. */
    public int labels() {
        return labels;
    }

    private record Key(byte[] ip) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && java.util.Arrays.equals(ip, k.ip);
        }

        @Override
        public int hashCode() {
            return java.util.Arrays.hashCode(ip);
        }
    }
}
