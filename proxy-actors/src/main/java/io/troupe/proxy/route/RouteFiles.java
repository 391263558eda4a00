package io.troupe.proxy.route;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The six routing files. {@link #standard} is BFE's layout under a conf root; the {@code with...Dir} methods
 * implement {@code /reload/<name>?path=DIR}: as in BFE, the same file names are looked up in DIR.
 * {@code vip_rule.data} is optional (skipped when the file does not exist).
 */
public record RouteFiles(Path hostRule, Path vipRule, Path routeRule, Path clusterConf, Path clusterTable, Path gslb) {

    public static RouteFiles standard(Path confRoot) {
        Path server = confRoot.resolve("server_data_conf");
        Path cluster = confRoot.resolve("cluster_conf");
        return new RouteFiles(server.resolve("host_rule.data"), server.resolve("vip_rule.data"),
                server.resolve("route_rule.data"), server.resolve("cluster_conf.data"),
                cluster.resolve("cluster_table.data"), cluster.resolve("gslb.data"));
    }

    /** The {@code server_data_conf} files (host, vip, route, cluster conf) taken from {@code dir}. */
    public RouteFiles withServerDataDir(Path dir) {
        return new RouteFiles(dir.resolve(hostRule.getFileName()), dir.resolve(vipRule.getFileName()),
                dir.resolve(routeRule.getFileName()), dir.resolve(clusterConf.getFileName()), clusterTable, gslb);
    }

    /** The {@code gslb_data_conf} files (gslb, cluster table) taken from {@code dir}. */
    public RouteFiles withGslbDataDir(Path dir) {
        return new RouteFiles(hostRule, vipRule, routeRule, clusterConf,
                dir.resolve(clusterTable.getFileName()), dir.resolve(gslb.getFileName()));
    }

    boolean hasVipRule() {
        return Files.exists(vipRule);
    }
}
