package io.troupe.proxy.route;

/**
 * One backend instance from {@code cluster_table.data}: {@code name} is the instance's Name field, {@code host}
 * its Addr, {@code weight} its Weight inside the sub-cluster.
 */
public record Backend(String name, String host, int port, int weight, String subCluster, String cluster) {

    /** {@code host:port} (BFE's AddrInfo). */
    public String address() {
        return host + ":" + port;
    }

    /** The identity health state is kept under; stays the same when only the weight or name changes. */
    public BackendId id() {
        return new BackendId(cluster, subCluster, host, port);
    }

    /** Identity of a backend across reloads: cluster, sub-cluster and address. */
    public record BackendId(String cluster, String subCluster, String host, int port) {
        @Override
        public String toString() {
            return cluster + "/" + subCluster + "/" + host + ":" + port;
        }
    }
}
