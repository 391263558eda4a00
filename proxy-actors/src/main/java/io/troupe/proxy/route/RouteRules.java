package io.troupe.proxy.route;

import io.troupe.api.condition.Condition;
import io.troupe.api.condition.ConditionException;
import io.troupe.api.condition.Conditions;
import io.troupe.api.proxy.Request;
import io.troupe.proxy.config.ConfNode;
import io.troupe.proxy.config.ConfigException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code route_rule.data}: per product, BasicRule (host + path → cluster, looked up first) and the ordered
 * ProductRule list ({@code Cond} → cluster, first match wins). A BasicRule whose ClusterName is
 * {@code ADVANCED_MODE} sends matching requests on to the ProductRule list.
 */
final class RouteRules {
    static final String ADVANCED_MODE = "ADVANCED_MODE";
    static final Set<String> FIELDS = Set.of("Version", "BasicRule", "ProductRule");
    static final Set<String> BASIC_FIELDS = Set.of("Hostname", "Path", "ClusterName");
    static final Set<String> PRODUCT_FIELDS = Set.of("Cond", "ClusterName");

    final String version;
    final Map<String, BasicTree> basic;
    final Map<String, List<ProductRule>> advanced;
    /** Every ClusterName with the field it came from, for the cross-file check. */
    final List<ClusterRef> clusterRefs;
    /** Every product with the field it came from, for the cross-file check. */
    final Map<String, ConfNodeRef> productRefs;

    record ProductRule(String cond, Condition condition, String cluster) {}

    record ClusterRef(String cluster, String file, String field) {}

    record ConfNodeRef(String file, String field) {}

    private RouteRules(String version, Map<String, BasicTree> basic, Map<String, List<ProductRule>> advanced,
                       List<ClusterRef> clusterRefs, Map<String, ConfNodeRef> productRefs) {
        this.version = version;
        this.basic = basic;
        this.advanced = advanced;
        this.clusterRefs = clusterRefs;
        this.productRefs = productRefs;
    }

    static RouteRules parse(Path file, List<String> warnings) throws ConfigException {
        ConfNode root = ConfNode.read(file);
        root.warnUnknown(FIELDS, warnings);
        String version = root.requiredString("Version");
        Map<String, ConfNode> basicNodes = root.field("BasicRule").entries();
        Map<String, ConfNode> productNodes = root.field("ProductRule").entries();
        if (basicNodes == null && productNodes == null) {
            throw root.error("neither BasicRule nor ProductRule is set (BFE: no product rule)");
        }
        List<ClusterRef> refs = new ArrayList<>();
        Map<String, ConfNodeRef> products = new LinkedHashMap<>();
        Map<String, BasicTree> basic = new HashMap<>();
        if (basicNodes != null) {
            for (Map.Entry<String, ConfNode> e : basicNodes.entrySet()) {
                products.putIfAbsent(e.getKey(), new ConfNodeRef(file.toString(), e.getValue().path()));
                basic.put(e.getKey(), parseBasic(e.getValue(), refs, warnings));
            }
        }
        Map<String, List<ProductRule>> advanced = new HashMap<>();
        if (productNodes != null) {
            for (Map.Entry<String, ConfNode> e : productNodes.entrySet()) {
                products.putIfAbsent(e.getKey(), new ConfNodeRef(file.toString(), e.getValue().path()));
                advanced.put(e.getKey(), parseAdvanced(e.getValue(), refs, warnings));
            }
        }
        return new RouteRules(version, basic, advanced, refs, products);
    }

    private static BasicTree parseBasic(ConfNode rulesNode, List<ClusterRef> refs, List<String> warnings)
            throws ConfigException {
        BasicTree tree = new BasicTree();
        List<ConfNode> rules = rulesNode.elements();
        if (rules == null) {
            return tree;
        }
        for (ConfNode rule : rules) {
            rule.warnUnknown(BASIC_FIELDS, warnings);
            ConfNode clusterNode = rule.field("ClusterName");
            String cluster = clusterNode.asString();
            if (cluster == null) {
                throw clusterNode.error("missing (BFE: no cluster name in basic route rule)");
            }
            ConfNode hostNode = rule.field("Hostname");
            ConfNode pathNode = rule.field("Path");
            List<String> hosts = hostNode.asStringList();
            List<String> paths = pathNode.asStringList();
            if ((hosts == null || hosts.isEmpty()) && (paths == null || paths.isEmpty())) {
                throw rule.error("neither Hostname nor Path is set (BFE: no hostname or path in basic route rule)");
            }
            hosts = hosts == null || hosts.isEmpty() ? List.of("*") : hosts;
            paths = paths == null || paths.isEmpty() ? List.of("*") : paths;
            for (int i = 0; i < hosts.size(); i++) {
                String problem = checkHost(hosts.get(i));
                if (problem != null) {
                    throw new ConfigException(rule.file(), hostNode.path() + "[" + i + "]", problem);
                }
            }
            for (int i = 0; i < paths.size(); i++) {
                String problem = checkPath(paths.get(i));
                if (problem != null) {
                    throw new ConfigException(rule.file(), pathNode.path() + "[" + i + "]", problem);
                }
            }
            for (String host : hosts) {
                PathTable table = tree.hostTable(host);
                for (String path : paths) {
                    String existing = table.insert(path, cluster);
                    if (existing != null) {
                        throw pathNode.error("path " + path + " is duplicated for host " + host
                                + ", existing cluster: " + existing);
                    }
                }
            }
            if (!ADVANCED_MODE.equals(cluster)) {
                refs.add(new ClusterRef(cluster, rule.file(), clusterNode.path()));
            }
        }
        return tree;
    }

    private static List<ProductRule> parseAdvanced(ConfNode rulesNode, List<ClusterRef> refs, List<String> warnings)
            throws ConfigException {
        List<ProductRule> out = new ArrayList<>();
        List<ConfNode> rules = rulesNode.elements();
        if (rules == null) {
            return out;
        }
        for (ConfNode rule : rules) {
            rule.warnUnknown(PRODUCT_FIELDS, warnings);
            ConfNode clusterNode = rule.field("ClusterName");
            String cluster = clusterNode.asString();
            if (cluster == null) {
                throw clusterNode.error("missing (BFE: no cluster name)");
            }
            ConfNode condNode = rule.field("Cond");
            String cond = condNode.asString();
            if (cond == null) {
                throw condNode.error("missing (BFE: no cond)");
            }
            Condition condition;
            try {
                condition = Conditions.build(cond);
            } catch (ConditionException e) {
                throw condNode.error(e.getMessage());
            } catch (RuntimeException e) {
                throw condNode.error("condition does not build: " + e);
            }
            out.add(new ProductRule(cond, condition, cluster));
            refs.add(new ClusterRef(cluster, rule.file(), clusterNode.path()));
        }
        return List.copyOf(out);
    }

    /** BFE's checkHostInBasicRule: non-empty, at most one '*', and only as "*" or a "*." prefix. */
    private static String checkHost(String host) {
        if (host.isEmpty()) {
            return "hostname is empty";
        }
        int stars = host.length() - host.replace("*", "").length();
        if (stars > 1) {
            return "host " + host + ": only one * is allowed in a hostname";
        }
        if (stars == 1 && !host.equals("*") && !host.startsWith("*.")) {
            return "host " + host + ": a wildcard host must be * or start with *.";
        }
        return null;
    }

    /** BFE's checkPathInBasicRule: non-empty, at most one '*', and only at the end. */
    private static String checkPath(String path) {
        if (path.isEmpty()) {
            return "path is empty";
        }
        int stars = path.length() - path.replace("*", "").length();
        if (stars > 1) {
            return "path " + path + ": only one * is allowed in a path";
        }
        if (stars == 1 && path.charAt(path.length() - 1) != '*') {
            return "path " + path + ": * must be the last character";
        }
        return null;
    }

    /** The cluster a product's BasicRule gives for a {@link HostRules#normalize normalized} host and path. */
    static String basicLookup(BasicTree tree, String host, String path) {
        PathTable table = tree.find(host);
        return table == null ? null : table.find(path == null ? "" : path);
    }

    /** The first ProductRule whose condition matches, or {@code null}. */
    static String advancedLookup(List<ProductRule> rules, Request req) {
        for (ProductRule rule : rules) {
            if (rule.condition().match(req)) {
                return rule.cluster();
            }
        }
        return null;
    }

    /**
     * Host level of BFE's basic rule tree: exact hosts first, then the wildcard {@code *.suffix} that covers
     * exactly one more label; a host deeper than one label below a wildcard only matches {@code *}.
     */
    static final class BasicTree {
        private final Map<String, PathTable> exact = new HashMap<>();
        /** Keyed by the suffix with its leading dot (".example.com"); "" is the bare "*". */
        private final Map<String, PathTable> wildcard = new HashMap<>();
        /** Whether some {@code *.suffix} is listed: without one, a lookup cuts no suffix out of the host. */
        private boolean suffixes;

        PathTable hostTable(String host) {
            String h = host.toLowerCase(Locale.ROOT);
            if (h.startsWith("*")) {
                suffixes |= h.length() > 1;
                return wildcard.computeIfAbsent(h.substring(1), k -> new PathTable());
            }
            return exact.computeIfAbsent(h, k -> new PathTable());
        }

        PathTable find(String host) {
            PathTable t = exact.get(host);
            if (t != null) {
                return t;
            }
            int dot = suffixes ? host.indexOf('.') : -1;
            if (dot >= 0) {
                t = wildcard.get(host.substring(dot));
                if (t != null) {
                    return t;
                }
            }
            return wildcard.get("");
        }
    }

    /**
     * Path level: exact paths first, then the longest {@code prefix*}; {@code /foo*} matches {@code /foo},
     * {@code /foo/} and {@code /foo/bar} but not {@code /foobar}; {@code *} matches every path.
     */
    static final class PathTable {
        private final Map<String, String> exact = new HashMap<>();
        private final Map<String, String> prefix = new HashMap<>();
        /** Length of the longest non-empty prefix key (0: none), so a lookup tries no longer prefix. */
        private int longestPrefix;

        /** Adds a path; returns the cluster already there for the same key, or {@code null}. */
        String insert(String path, String cluster) {
            if (path.endsWith("*")) {
                String key = path.substring(0, path.length() - 1);
                if (!key.isEmpty() && !key.endsWith("/")) {
                    key = key + "/";
                }
                longestPrefix = Math.max(longestPrefix, key.length());
                return prefix.putIfAbsent(key, cluster);
            }
            return exact.putIfAbsent(path, cluster);
        }

        String find(String path) {
            String c = exact.isEmpty() ? null : exact.get(path);
            if (c != null) {
                return c;
            }
            // the appended '/' matters only to a prefix longer than the path; without one, no copy is made
            String p = path.endsWith("/") || longestPrefix <= path.length() ? path : path + "/";
            for (int i = Math.min(p.length(), longestPrefix) - 1; i >= 0; i--) {
                if (p.charAt(i) == '/') {
                    c = prefix.get(p.substring(0, i + 1));
                    if (c != null) {
                        return c;
                    }
                }
            }
            return prefix.get("");
        }
    }
}
