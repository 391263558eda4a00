package io.troupe.proxy.route;

import io.troupe.proxy.config.ConfNode;
import io.troupe.proxy.config.ConfigException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code host_rule.data}: host → host tag → product, plus DefaultProduct. Hosts are exact names or
 * {@code *.suffix} wildcards, compared lower-cased after stripping {@code :port} from the request's Host.
 * As in BFE's label trie, {@code *.example.com} matches {@code a.example.com} and {@code a.b.example.com} but
 * not {@code example.com}; the deepest matching wildcard wins and an exact host beats any wildcard.
 */
final class HostRules {
    static final Set<String> FIELDS = Set.of("Version", "DefaultProduct", "Hosts", "HostTags");

    final String file;
    final String version;
    final String defaultProduct;
    /** host tag → product. */
    final Map<String, String> tagToProduct;
    /** Products that own at least one host tag (BFE checks route rules against these). */
    final Set<String> productsWithTags;
    /** All products named in HostTags (DefaultProduct must be one). */
    final Set<String> products;
    private final Node root;
    /** Hosts without a wildcard label, trailing dot removed: the trie's answer for them, without splitting labels. */
    private final Map<String, HostMatch> exact;

    private HostRules(String file, String version, String defaultProduct, Map<String, String> tagToProduct,
                      Set<String> products, Node root, Map<String, HostMatch> exact) {
        this.file = file;
        this.version = version;
        this.defaultProduct = defaultProduct;
        this.tagToProduct = tagToProduct;
        this.productsWithTags = new LinkedHashSet<>(tagToProduct.values());
        this.products = products;
        this.root = root;
        this.exact = exact;
    }

    record HostMatch(String product, String tag) {}

    static HostRules parse(Path file, List<String> warnings) throws ConfigException {
        ConfNode rootNode = ConfNode.read(file);
        rootNode.warnUnknown(FIELDS, warnings);
        ConfNode versionNode = rootNode.field("Version");
        String version = versionNode.asString();
        if (version == null) {
            throw versionNode.error("missing (BFE: no Version)");
        }
        ConfNode hostsNode = rootNode.field("Hosts");
        Map<String, ConfNode> hosts = hostsNode.entries();
        if (hosts == null) {
            throw hostsNode.error("missing (BFE: no Hosts)");
        }
        ConfNode tagsNode = rootNode.field("HostTags");
        Map<String, ConfNode> hostTags = tagsNode.entries();
        if (hostTags == null) {
            throw tagsNode.error("missing (BFE: no HostTags)");
        }
        Map<String, String> tagToProduct = new LinkedHashMap<>();
        for (Map.Entry<String, ConfNode> e : hostTags.entrySet()) {
            List<String> tags = e.getValue().asStringList();
            if (tags == null) {
                throw e.getValue().error("no host tag list for product " + e.getKey());
            }
            for (String tag : tags) {
                // BFE keeps the last product listing a tag; map order makes that arbitrary there, so we refuse
                String before = tagToProduct.put(tag, e.getKey());
                if (before != null && !before.equals(e.getKey())) {
                    throw e.getValue().error("host tag " + tag + " belongs to two products: " + before
                            + " and " + e.getKey());
                }
            }
        }
        Map<String, HostMatch> hostToMatch = new HashMap<>();
        Node trie = new Node();
        Map<String, HostMatch> exact = new HashMap<>();
        for (Map.Entry<String, ConfNode> e : hosts.entrySet()) {
            String tag = e.getKey();
            List<ConfNode> names = e.getValue().elements();
            if (names == null) {
                throw e.getValue().error("no host list for host tag " + tag);
            }
            if (!tagToProduct.containsKey(tag)) {
                throw e.getValue().error("host tag " + tag + " in Hosts must also appear in HostTags");
            }
            for (ConfNode nameNode : names) {
                String raw = nameNode.asString();
                if (raw == null) {
                    throw nameNode.error("expected a host name, got null");
                }
                String host = raw.toLowerCase(Locale.ROOT);
                HostMatch match = new HostMatch(tagToProduct.get(tag), tag);
                if (hostToMatch.putIfAbsent(host, match) != null) {
                    throw nameNode.error("host " + raw + " is listed twice (BFE: host duplicate)");
                }
                String[] labels = reversedLabels(host);
                for (int i = 0; i < labels.length - 1; i++) {
                    if (labels[i].equals("*")) {
                        throw nameNode.error("host " + raw + ": '*' is only allowed as the first label (*.example.com)");
                    }
                }
                trie.set(labels, 0, match);
                if (!List.of(labels).contains("*")) {
                    exact.put(String.join(".", reversed(labels)), match); // same overwrite order as the trie
                }
            }
        }
        ConfNode defaultNode = rootNode.field("DefaultProduct");
        String defaultProduct = defaultNode.asString();
        if (defaultProduct != null && !hostTags.containsKey(defaultProduct)) {
            throw defaultNode.error("default product " + defaultProduct + " must exist in HostTags");
        }
        if (defaultProduct != null && defaultProduct.isEmpty()) {
            defaultProduct = null; // BFE treats "" as no default product
        }
        return new HostRules(file.toString(), version, defaultProduct, tagToProduct, new LinkedHashSet<>(hostTags.keySet()), trie, exact);
    }

    /** The product for a Host header value (port stripped, lower-cased), or {@code null}. */
    HostMatch lookup(String hostHeader) {
        String host = stripPort(hostHeader == null ? "" : hostHeader).toLowerCase(Locale.ROOT);
        // an exact entry is the trie's deepest match, so the map gives the same answer on the per-request path
        HostMatch found = exact.get(host.endsWith(".") ? host.substring(0, host.length() - 1) : host);
        return found != null ? found : root.get(reversedLabels(host), 0);
    }

    /** BFE strips everything from the first ':' (so a bare IPv6 literal loses all but its first group). */
    static String stripPort(String host) {
        int colon = host.indexOf(':');
        return colon < 0 ? host : host.substring(0, colon);
    }

    /** Labels from the top-level domain down; one trailing dot is ignored as in BFE. */
    private static String[] reversedLabels(String host) {
        String h = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
        String[] labels = h.split("\\.", -1);
        for (int i = 0, j = labels.length - 1; i < j; i++, j--) {
            String t = labels[i];
            labels[i] = labels[j];
            labels[j] = t;
        }
        return labels;
    }

    private static List<String> reversed(String[] labels) {
        List<String> l = new java.util.ArrayList<>(List.of(labels));
        java.util.Collections.reverse(l);
        return l;
    }

    /** A label trie; {@code splat} is the value of a {@code *} child, used when no deeper entry matches. */
    private static final class Node {
        final Map<String, Node> children = new HashMap<>();
        HostMatch entry;
        HostMatch splat;

        void set(String[] labels, int i, HostMatch value) {
            if (i == labels.length) {
                entry = value;
                return;
            }
            if (labels[i].equals("*")) {
                splat = value;
            }
            children.computeIfAbsent(labels[i], k -> new Node()).set(labels, i + 1, value);
        }

        HostMatch get(String[] labels, int i) {
            if (i == labels.length) {
                return entry;
            }
            Node child = children.get(labels[i]);
            HostMatch found = child == null ? null : child.get(labels, i + 1);
            return found != null ? found : splat;
        }
    }
}
