package io.troupe.proxy.route;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A small but complete routing config in a directory, BFE layout, with each file replaceable.
 * Products: "shop" (shop.example.org, *.shop.example.org; BasicRule + ProductRule), "blog"
 * (blog.example.org; DefaultProduct), "nothing" (no.route.example.org; only ADVANCED_MODE basic rule).
 */
public final class TestConf {
    public String hostRule = """
            {"Version": "h1",
             "DefaultProduct": "blog",
             "Hosts": {"shopTag": ["shop.example.org", "*.shop.example.org", "Upper.Example.ORG"],
                       "blogTag": ["blog.example.org"],
                       "noTag": ["no.route.example.org"]},
             "HostTags": {"shop": ["shopTag"], "blog": ["blogTag"], "nothing": ["noTag"]}}
            """;
    public String routeRule = """
            {"Version": "r1",
             "BasicRule": {
               "shop": [
                 {"Hostname": ["shop.example.org", "*.shop.example.org"], "Path": ["/static*"], "ClusterName": "c_static"},
                 {"Hostname": ["shop.example.org"], "Path": ["/exact"], "ClusterName": "c_static"},
                 {"Hostname": ["shop.example.org"], "Path": ["/api*"], "ClusterName": "ADVANCED_MODE"}
               ],
               "blog": [ {"Path": ["*"], "ClusterName": "c_blog"} ],
               "nothing": [ {"Path": ["*"], "ClusterName": "ADVANCED_MODE"} ]
             }}
            """;
    public String clusterConf = """
            {"Version": "cc1",
             "Config": {
               "c_static": {"CheckConf": {"FailNum": 2, "CheckInterval": 100}},
               "c_blog": {"BackendConf": {"TimeoutConnSrv": 1500, "RetryLevel": 1}},
               "c_default": {},
               "c_nogslb": {}
             }}
            """;
    public String clusterTable = """
            {"Version": "t1",
             "Config": {
               "c_static": {"s1": [{"Name": "a", "Addr": "127.0.0.1", "Port": 9001, "Weight": 1},
                                   {"Name": "b", "Addr": "127.0.0.1", "Port": 9002, "Weight": 1}]},
               "c_blog": {"s1": [{"Name": "a", "Addr": "127.0.0.1", "Port": 9101, "Weight": 1}]},
               "c_default": {"s1": [{"Name": "a", "Addr": "127.0.0.1", "Port": 9201, "Weight": 1}]}
             }}
            """;
    public String gslb = """
            {"Clusters": {"c_static": {"s1": 100, "GSLB_BLACKHOLE": 0},
                          "c_blog": {"s1": 100},
                          "c_default": {"s1": 1}},
             "Hostname": "", "Ts": "g1"}
            """;

    /** Writes the five files under {@code root/server_data_conf} and {@code root/cluster_conf}. */
    public Path write(Path root) {
        try {
            Path server = Files.createDirectories(root.resolve("server_data_conf"));
            Path cluster = Files.createDirectories(root.resolve("cluster_conf"));
            Files.writeString(server.resolve("host_rule.data"), hostRule);
            Files.writeString(server.resolve("route_rule.data"), routeRule);
            Files.writeString(server.resolve("cluster_conf.data"), clusterConf);
            Files.writeString(cluster.resolve("cluster_table.data"), clusterTable);
            Files.writeString(cluster.resolve("gslb.data"), gslb);
            return root;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
