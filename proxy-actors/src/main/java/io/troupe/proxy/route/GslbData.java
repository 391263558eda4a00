package io.troupe.proxy.route;

import io.troupe.proxy.config.ConfNode;
import io.troupe.proxy.config.ConfigException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The {@code gslb_data_conf} pair: {@code cluster_table.data} (cluster → sub-cluster → instances) and
 * {@code gslb.data} (cluster → sub-cluster → weight). Reloaded together, as in BFE.
 */
final class GslbData {
    static final String BLACKHOLE = "GSLB_BLACKHOLE";
    static final Set<String> TABLE_FIELDS = Set.of("Version", "Config");
    static final Set<String> BACKEND_FIELDS = Set.of("Name", "Addr", "Port", "Weight");
    static final Set<String> GSLB_FIELDS = Set.of("Clusters", "Hostname", "Ts");

    final String tableVersion;
    final String gslbTs;
    /** gslb.data's Hostname: the GSLB scheduler the file came from (BFE's GslbConfSrc). */
    final String gslbSrc;
    /** cluster → sub-cluster (sorted by name) → weight. */
    final Map<String, TreeMap<String, Integer>> weights;
    /** cluster → sub-cluster → backends sorted by address. */
    final Map<String, Map<String, List<Backend>>> backends;
    final String gslbFile;
    /** Warnings found while parsing these two files. */
    final List<String> warnings;

    private GslbData(String tableVersion, String gslbTs, String gslbSrc,
                     Map<String, TreeMap<String, Integer>> weights, Map<String, Map<String, List<Backend>>> backends,
                     String gslbFile, List<String> warnings) {
        this.warnings = List.copyOf(warnings);
        this.tableVersion = tableVersion;
        this.gslbTs = gslbTs;
        this.gslbSrc = gslbSrc;
        this.weights = weights;
        this.backends = backends;
        this.gslbFile = gslbFile;
    }

    String version() {
        return "cluster_table=" + tableVersion + ",gslb=" + gslbTs;
    }

    static GslbData parse(Path gslbFile, Path tableFile) throws ConfigException {
        List<String> warnings = new ArrayList<>();
        // gslb first, as BFE's BalTableConfLoad does
        ConfNode g = ConfNode.read(gslbFile);
        g.warnUnknown(GSLB_FIELDS, warnings);
        Map<String, ConfNode> clusters = g.requiredEntries("Clusters");
        ConfNode hostnameNode = g.field("Hostname");
        if (hostnameNode.asString() == null) { // required as in BFE, though nothing reads it
            throw hostnameNode.error("missing (BFE: no HostName)");
        }
        String ts = g.requiredString("Ts");
        Map<String, TreeMap<String, Integer>> weights = new LinkedHashMap<>();
        for (Map.Entry<String, ConfNode> c : clusters.entrySet()) {
            Map<String, ConfNode> subs = c.getValue().entries();
            TreeMap<String, Integer> w = new TreeMap<>();
            int total = 0;
            if (subs != null) {
                for (Map.Entry<String, ConfNode> s : subs.entrySet()) {
                    Integer weight = s.getValue().asInt();
                    w.put(s.getKey(), weight == null ? 0 : weight);
                    total += Math.max(0, weight == null ? 0 : weight);
                }
            }
            if (total <= 0) {
                throw c.getValue().error("total weight of sub-clusters is " + total + ", must be > 0");
            }
            weights.put(c.getKey(), w);
        }

        ConfNode t = ConfNode.read(tableFile);
        t.warnUnknown(TABLE_FIELDS, warnings);
        String version = t.requiredString("Version");
        Map<String, ConfNode> table = t.requiredEntries("Config");
        Map<String, Map<String, List<Backend>>> backends = new LinkedHashMap<>();
        for (Map.Entry<String, ConfNode> c : table.entrySet()) {
            Map<String, List<Backend>> subs = new LinkedHashMap<>();
            Map<String, ConfNode> subNodes = c.getValue().entries();
            if (subNodes != null) {
                for (Map.Entry<String, ConfNode> s : subNodes.entrySet()) {
                    subs.put(s.getKey(), parseSub(c.getKey(), s.getKey(), s.getValue(), warnings));
                }
            }
            backends.put(c.getKey(), subs);
        }
        for (Map.Entry<String, ConfNode> c : clusters.entrySet()) {
            Map<String, List<Backend>> subs = backends.get(c.getKey());
            if (subs == null) {
                throw c.getValue().error("cluster " + c.getKey() + " has no instances in " + tableFile
                        + " (BFE: no backend conf)");
            }
            for (String sub : weights.get(c.getKey()).keySet()) {
                if (!sub.equals(BLACKHOLE) && !subs.containsKey(sub) && weights.get(c.getKey()).get(sub) > 0) {
                    warnings.add(gslbFile + ": Clusters." + c.getKey() + "." + sub + ": sub-cluster has no instances in "
                            + tableFile + "; requests sent there fail with NO_BACKEND");
                }
            }
        }
        return new GslbData(version, ts, hostnameNode.asString(), weights, backends, gslbFile.toString(), warnings);
    }

    private static List<Backend> parseSub(String cluster, String sub, ConfNode node, List<String> warnings)
            throws ConfigException {
        List<ConfNode> items = node.elements();
        List<Backend> out = new ArrayList<>();
        boolean avail = false;
        if (items != null) {
            for (ConfNode item : items) {
                if (!item.present()) {
                    throw item.error("instance is null");
                }
                item.warnUnknown(BACKEND_FIELDS, warnings);
                String name = item.required("Name").asString();
                String addr = item.required("Addr").asString();
                ConfNode portNode = item.required("Port");
                int port = portNode.asInt();
                if (port < 1 || port > 65535) {
                    throw portNode.error("port " + port + " is out of range 1..65535");
                }
                int weight = item.required("Weight").asInt();
                avail |= weight > 0;
                out.add(new Backend(name, addr, port, weight, sub, cluster));
            }
        }
        if (!avail) {
            throw node.error("no instance with Weight > 0 (BFE: no avail backend)");
        }
        out.sort(Comparator.comparing(Backend::host).thenComparingInt(Backend::port));
        return List.copyOf(out);
    }
}
