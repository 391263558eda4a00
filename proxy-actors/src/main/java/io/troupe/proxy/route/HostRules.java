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
    /** Products that own at least one host tag (BFE checks route rules against these). */
    final Set<String> productsWithTags;
    /** All products named in HostTags (DefaultProduct must be one). */
    final Set<String> products;
    private final Node root;
    /** Each configured host → what the trie answers for it, so a request for a listed host skips the trie walk. */
    private final Map<String, HostMatch> exact;
    /** Host tags in HostTags (BFE's HostTagTableSize). */
    final int tagCount;

    private HostRules(String file, String version, String defaultProduct, Set<String> productsWithTags,
                      Set<String> products, Node root, Map<String, HostMatch> exact, int tagCount) {
        this.file = file;
        this.version = version;
        this.defaultProduct = defaultProduct;
        this.productsWithTags = productsWithTags;
        this.products = products;
        this.root = root;
        this.exact = exact;
        this.tagCount = tagCount;
    }

    /** Hosts in Hosts (BFE's HostTableSize). */
    int hostCount() {
        return exact.size();
    }

    record HostMatch(String product, String tag) {}

    static HostRules parse(Path file, List<String> warnings) throws ConfigException {
        ConfNode rootNode = ConfNode.read(file);
        rootNode.warnUnknown(FIELDS, warnings);
        String version = rootNode.requiredString("Version");
        Map<String, ConfNode> hosts = rootNode.requiredEntries("Hosts");
        Map<String, ConfNode> hostTags = rootNode.requiredEntries("HostTags");
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
        // filled from the finished trie, so a hit answers exactly what the walk would
        Map<String, HostMatch> exact = new HashMap<>();
        for (String host : hostToMatch.keySet()) {
            exact.put(host, trie.get(reversedLabels(host), 0));
        }
        return new HostRules(file.toString(), version, defaultProduct, new LinkedHashSet<>(tagToProduct.values()),
                new LinkedHashSet<>(hostTags.keySet()), trie, Map.copyOf(exact), tagToProduct.size());
    }

    /** The product for a host already {@link #normalize normalized}, or {@code null}. */
    HostMatch lookup(String host) {
        HostMatch listed = exact.get(host);
        return listed != null ? listed : root.get(reversedLabels(host), 0);
    }

    /** A Host header value as both routing levels compare it: port stripped, lower-cased; null → "". */
    static String normalize(String hostHeader) {
        return stripPort(hostHeader == null ? "" : hostHeader).toLowerCase(Locale.ROOT);
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
