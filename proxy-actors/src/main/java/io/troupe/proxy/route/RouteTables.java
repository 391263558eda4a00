package io.troupe.proxy.route;

import io.troupe.api.proxy.Request;
import io.troupe.proxy.config.ConfNode;
import io.troupe.proxy.config.ConfigException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One immutable snapshot of all routing files: host rules, VIP rules, route rules, cluster settings and the
 * balancers built from gslb.data and cluster_table.data. Built whole and validated across files; a request
 * keeps the snapshot it started with, so a reload never changes a request in flight.
 */
public final class RouteTables {
    private final ServerData server;
    private final GslbData gslb;
    private final Map<String, ClusterSpec> clusters;
    private final List<String> warnings;
    private final String version;

    /** The {@code server_data_conf} group: host, VIP and route rules and cluster_conf.data. */
    private record ServerData(HostRules hosts, VipRules vips, RouteRules routes, Map<String, ClusterConf> clusterConfs,
                              String clusterConfVersion, String clusterConfFile, List<String> warnings) {
        String version() {
            return "host_rule=" + hosts.version + ",route_rule=" + routes.version + ",cluster_conf="
                    + clusterConfVersion + (vips == VipRules.NONE ? "" : ",vip_rule=" + vips.version);
        }
    }

    private RouteTables(ServerData server, GslbData gslb) throws ConfigException {
        this.server = server;
        this.gslb = gslb;
        List<String> warn = new ArrayList<>(server.warnings());
        warn.addAll(gslb.warnings);
        validate(server, warn);
        Map<String, ClusterSpec> specs = new LinkedHashMap<>();
        for (ClusterConf conf : server.clusterConfs().values()) {
            var weights = gslb.weights.get(conf.name());
            if (weights == null) {
                warn.add(server.clusterConfFile() + ": Config." + conf.name() + ": cluster has no entry in "
                        + gslb.gslbFile + "; requests routed to it fail with NO_CLUSTER (BFE: no balancer)");
                continue;
            }
            specs.put(conf.name(), new ClusterSpec(conf, weights, gslb.backends.get(conf.name())));
        }
        Set<String> routed = server.hosts().productsWithTags;
        for (String product : server.hosts().products) {
            if (!server.routes().productRefs.containsKey(product) && routed.contains(product)) {
                warn.add(server.hosts().file + ": HostTags." + product + ": product has hosts but no route rules in"
                        + " route_rule.data; its requests fail with NO_ROUTE");
            }
        }
        this.clusters = Map.copyOf(specs);
        this.warnings = List.copyOf(warn);
        this.version = server.version() + ";" + gslb.version();
    }

    /** Loads {@code confRoot/server_data_conf/*} and {@code confRoot/cluster_conf/*}. */
    public static RouteTables load(Path confRoot) throws ConfigException {
        return load(RouteFiles.standard(confRoot));
    }

    /** Loads the six files named explicitly (vip_rule.data may be absent). */
    public static RouteTables load(RouteFiles files) throws ConfigException {
        ServerData server = loadServerData(files);
        return new RouteTables(server, GslbData.parse(files.gslb(), files.clusterTable()));
    }

    /** A new snapshot with the server_data_conf files re-read from {@code files}, gslb data kept. */
    public RouteTables reloadServerData(RouteFiles files) throws ConfigException {
        return new RouteTables(loadServerData(files), gslb);
    }

    /** A new snapshot with gslb.data and cluster_table.data re-read from {@code files}, the rest kept. */
    public RouteTables reloadGslbData(RouteFiles files) throws ConfigException {
        return new RouteTables(server, GslbData.parse(files.gslb(), files.clusterTable()));
    }

    private static ServerData loadServerData(RouteFiles files) throws ConfigException {
        List<String> warn = new ArrayList<>();
        HostRules hosts = HostRules.parse(files.hostRule(), warn);
        VipRules vips = files.hasVipRule() ? VipRules.parse(files.vipRule(), warn) : VipRules.NONE;
        RouteRules routes = RouteRules.parse(files.routeRule(), warn);
        ConfNode root = ConfNode.read(files.clusterConf());
        root.warnUnknown(Set.of("Version", "Config"), warn);
        String version = root.requiredString("Version");
        Map<String, ConfNode> config = root.requiredEntries("Config");
        Map<String, ClusterConf> confs = new LinkedHashMap<>();
        for (Map.Entry<String, ConfNode> e : config.entrySet()) {
            confs.put(e.getKey(), ClusterConf.parse(e.getKey(), e.getValue(), warn));
        }
        return new ServerData(hosts, vips, routes, Map.copyOf(confs), version, files.clusterConf().toString(),
                List.copyOf(warn));
    }

    /** BFE's ServerDataConf.check: route products must own hosts; routed clusters must be in cluster_conf. */
    private static void validate(ServerData s, List<String> warn) throws ConfigException {
        for (Map.Entry<String, RouteRules.ConfNodeRef> p : s.routes().productRefs.entrySet()) {
            if (!s.hosts().productsWithTags.contains(p.getKey())) {
                throw new ConfigException(p.getValue().file(), p.getValue().field(), "product " + p.getKey()
                        + " has route rules but owns no host tag in host_rule.data HostTags (BFE: product in route"
                        + " should exist in host)");
            }
        }
        for (RouteRules.ClusterRef ref : s.routes().clusterRefs) {
            if (!s.clusterConfs().containsKey(ref.cluster())) {
                throw new ConfigException(ref.file(), ref.field(), "cluster " + ref.cluster()
                        + " does not exist in " + s.clusterConfFile() + " Config");
            }
        }
    }

    /** Versions of every file: {@code host_rule=..,route_rule=..,cluster_conf=..;cluster_table=..,gslb=..}. */
    public String version() {
        return version;
    }

    /** BFE's {@code /monitor/host_table_version}: the versions of host_rule, vip_rule and route_rule. */
    public Map<String, Object> hostTableVersion() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("HostTag", server.hosts().version);
        m.put("Vip", server.vips().version);
        m.put("ProductRoute", server.routes().version);
        return m;
    }

    /** BFE's {@code /monitor/host_table_status}: the sizes of the host, host tag, VIP and product route tables. */
    public Map<String, Object> hostTableStatus() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("HostTableSize", server.hosts().hostCount());
        m.put("HostTagTableSize", server.hosts().tagCount);
        m.put("VipTableSize", server.vips().size());
        Set<String> routed = new java.util.HashSet<>(server.routes().basic.keySet());
        routed.addAll(server.routes().advanced.keySet());
        m.put("ProductRouteTableSize", routed.size());
        return m;
    }

    /** BFE's {@code /monitor/cluster_table_version}: the version of cluster_conf.data. */
    public Map<String, Object> clusterTableVersion() {
        return Map.of("ClusterConfVer", server.clusterConfVersion());
    }

    /** BFE's {@code /monitor/bal_table_version}: cluster_table.data's version, gslb.data's Ts and Hostname. */
    public Map<String, Object> balTableVersion() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ClusterTableConfVer", gslb.tableVersion);
        m.put("GslbConfTimeStamp", gslb.gslbTs);
        m.put("GslbConfSrc", gslb.gslbSrc);
        return m;
    }

    /** BFE's {@code /monitor/bal_table_status?cluster_name=}: {@code Exist}, {@code No SubCluster} or {@code Not Exist}. */
    public String balTableStatus(String clusterName) {
        ClusterSpec c = clusters.get(clusterName);
        if (c == null) {
            return "Not Exist";
        }
        return c.subClusterWeights().isEmpty() ? "No SubCluster" : "Exist";
    }

    /** The {@code server_data_conf} part of {@link #version()}. */
    public String serverDataVersion() {
        return server.version();
    }

    /** The {@code gslb_data_conf} part of {@link #version()}. */
    public String gslbDataVersion() {
        return gslb.version();
    }

    /** Things BFE accepts silently that Troupe reports: unknown fields, unreachable clusters, etc. */
    public List<String> warnings() {
        return warnings;
    }

    /**
     * Routes a request as BFE does: product by Host (exact, then wildcard), else by the VIP the client
     * connected to, else DefaultProduct; then the product's BasicRule tree (Host without port, path); then its
     * ProductRule conditions in order; finally the cluster must have a balancer.
     */
    public RouteDecision route(Request req) {
        String host = HostRules.normalize(req.host()); // once: both the host table and the BasicRule tree use it
        HostRules.HostMatch match = server.hosts().lookup(host);
        String product;
        String tag = "";
        if (match != null) {
            product = match.product();
            tag = match.tag();
        } else {
            InetSocketAddress local = req.session() == null ? null : req.session().localAddress();
            product = server.vips().lookup(local == null ? null : local.getAddress());
            if (product == null) {
                product = server.hosts().defaultProduct;
            }
        }
        if (product == null) {
            return RouteDecision.fail(null, null, ErrorKind.NO_PRODUCT, "no product for host " + req.host());
        }
        if (req instanceof HostTagged tagged) {
            tagged.hostTag(match == null ? null : tag); // as BFE's req.Route.HostTag, before the ProductRule conditions
        }
        String cluster = null;
        RouteRules.BasicTree tree = server.routes().basic.get(product);
        if (tree != null) {
            cluster = RouteRules.basicLookup(tree, host, req.path());
            if (RouteRules.ADVANCED_MODE.equals(cluster)) {
                cluster = null;
            }
        }
        if (cluster == null) {
            List<RouteRules.ProductRule> rules = server.routes().advanced.get(product);
            if (rules == null) {
                return RouteDecision.fail(product, tag, ErrorKind.NO_ROUTE,
                        "no route rule for product " + product + " matched host " + req.host() + " path " + req.path());
            }
            cluster = RouteRules.advancedLookup(rules, req);
            if (cluster == null) {
                return RouteDecision.fail(product, tag, ErrorKind.NO_ROUTE, "no rule of product " + product
                        + " matched host " + req.host() + " path " + req.path());
            }
        }
        if (!clusters.containsKey(cluster)) {
            return RouteDecision.fail(product, tag, ErrorKind.NO_CLUSTER, "cluster " + cluster
                    + " has no balancer (no gslb.data entry)");
        }
        return RouteDecision.ok(product, tag, cluster);
    }

    /**
     * A request that keeps the host tag routing found, so {@code req_host_tag_in} sees it in ProductRule
     * conditions and in the filters after FOUND_PRODUCT.
     */
    public interface HostTagged {
        void hostTag(String tag);
    }

    /** A routable cluster, or {@code null} when it has no cluster_conf.data or no gslb.data entry. */
    public ClusterSpec cluster(String name) {
        return clusters.get(name);
    }

    /** All routable clusters. */
    public Collection<ClusterSpec> clusters() {
        return clusters.values();
    }
}
