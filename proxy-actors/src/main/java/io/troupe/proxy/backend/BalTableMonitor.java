package io.troupe.proxy.backend;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.troupe.api.proxy.WebHandlers;
import io.troupe.proxy.route.Backend;
import io.troupe.proxy.route.ClusterSpec;
import io.troupe.proxy.route.RouteHolder;
import io.troupe.proxy.route.RouteTables;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * {@code /monitor/bal_table} (BFE's monitor of the same name): every cluster's sub-clusters with their gslb
 * weight and every backend's weight, health and counters, plus the route table versions.
 * {@code format=json} (default), {@code kv} or {@code prometheus}.
 */
public final class BalTableMonitor {
    public static final String NAME = "bal_table";
    private static final ObjectMapper JSON = new ObjectMapper();

    private BalTableMonitor() {}

    /**
     * Registers {@code /monitor/bal_table} and BFE's table monitors: {@code host_table_status},
     * {@code host_table_version}, {@code cluster_table_version}, {@code bal_table_version} (BFE's fields, in
     * {@code format=json} or {@code kv}) and {@code bal_table_status} ({@code ?cluster_name=} answers BFE's
     * {@code {"status": ...}}; without it, the {@code bal_table} view).
     */
    public static void register(WebHandlers web, RouteHolder routes, BackendHealth health) {
        web.registerMonitor(NAME, params -> render(routes.get(), health, format(params)));
        web.registerMonitor("bal_table_status", params -> {
            List<String> cluster = params == null ? null : params.get("cluster_name");
            if (cluster == null || cluster.isEmpty() || cluster.get(0).isEmpty()) {
                return render(routes.get(), health, format(params));
            }
            return JSON.writeValueAsString(Map.of("status", routes.get().balTableStatus(cluster.get(0))));
        });
        web.registerMonitor("host_table_status", params -> fields(routes.get().hostTableStatus(), format(params)));
        web.registerMonitor("host_table_version", params -> fields(routes.get().hostTableVersion(), format(params)));
        web.registerMonitor("cluster_table_version",
                params -> fields(routes.get().clusterTableVersion(), format(params)));
        web.registerMonitor("bal_table_version", params -> fields(routes.get().balTableVersion(), format(params)));
    }

    private static String format(Map<String, List<String>> params) {
        List<String> f = params == null ? null : params.get("format");
        return f == null || f.isEmpty() ? "json" : f.get(0);
    }

    /** A flat BFE struct: JSON, or go-lib's kv ({@code Name:value} lines). */
    static String fields(Map<String, Object> fields, String format) throws Exception {
        switch (format) {
            case "json":
                return JSON.writeValueAsString(fields);
            case "kv": {
                StringBuilder sb = new StringBuilder();
                fields.forEach((k, v) -> sb.append(k).append(':').append(v).append('\n'));
                return sb.toString();
            }
            default:
                throw new IllegalArgumentException("invalid format:" + format);
        }
    }

    static String render(RouteTables tables, BackendHealth health, String format) throws Exception {
        List<ClusterSpec> clusters = tables.clusters().stream()
                .sorted(Comparator.comparing(ClusterSpec::name)).toList();
        switch (format) {
            case "json":
                return json(tables, clusters, health);
            case "kv":
                return kv(tables, clusters, health);
            case "prometheus":
                return prometheus(clusters, health);
            default:
                throw new IllegalArgumentException("format must be json, kv or prometheus, not " + format);
        }
    }

    private static String json(RouteTables tables, List<ClusterSpec> clusters, BackendHealth health) throws Exception {
        ObjectNode root = JSON.createObjectNode();
        root.put("Version", tables.version());
        ObjectNode out = root.putObject("Clusters");
        for (ClusterSpec c : clusters) {
            ObjectNode cn = out.putObject(c.name());
            for (Map.Entry<String, Integer> sub : c.subClusterWeights().entrySet()) {
                ObjectNode sn = cn.putObject(sub.getKey());
                sn.put("Weight", sub.getValue());
                ArrayNode bs = sn.putArray("Backends");
                for (Backend b : c.backends()) {
                    if (b.subCluster().equals(sub.getKey())) {
                        ObjectNode bn = bs.addObject();
                        bn.put("Name", b.name());
                        bn.put("Addr", b.address());
                        bn.put("Weight", b.weight());
                        bn.put("Avail", health.isAvailable(b));
                        bn.put("FailNum", health.consecutiveFailures(b));
                        bn.put("Active", health.activeRequests(b));
                    }
                }
            }
        }
        return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root);
    }

    private static String kv(RouteTables tables, List<ClusterSpec> clusters, BackendHealth health) {
        StringBuilder sb = new StringBuilder("version=").append(tables.version()).append('\n');
        for (ClusterSpec c : clusters) {
            for (Backend b : c.backends()) {
                String key = c.name() + "." + b.subCluster() + "." + b.address();
                sb.append(key).append(".avail=").append(health.isAvailable(b) ? 1 : 0).append('\n');
                sb.append(key).append(".fail_num=").append(health.consecutiveFailures(b)).append('\n');
                sb.append(key).append(".active=").append(health.activeRequests(b)).append('\n');
            }
        }
        return sb.toString();
    }

    private static String prometheus(List<ClusterSpec> clusters, BackendHealth health) {
        StringBuilder sb = new StringBuilder("# TYPE troupe_proxy_backend_up gauge\n");
        for (ClusterSpec c : clusters) {
            for (Backend b : c.backends()) {
                sb.append("troupe_proxy_backend_up{cluster=\"").append(escape(c.name())).append("\",sub_cluster=\"")
                        .append(escape(b.subCluster())).append("\",backend=\"").append(escape(b.address()))
                        .append("\"} ").append(health.isAvailable(b) ? 1 : 0).append('\n');
            }
        }
        return sb.toString();
    }

    private static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
