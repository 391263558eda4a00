package io.troupe.proxy.route;

/**
 * One backend instance from {@code cluster_table.data}: {@code name} is the instance's Name field, {@code host}
 * its Addr, {@code weight} its Weight inside the sub-cluster. {@code id} is derived from the others; use the
 * six-argument constructor.
 */
public record Backend(String name, String host, int port, int weight, String subCluster, String cluster,
                      BackendId id) {

    public Backend(String name, String host, int port, int weight, String subCluster, String cluster) {
        // built once here, not per call: health bookkeeping looks the id up several times per request
        this(name, host, port, weight, subCluster, cluster, new BackendId(cluster, subCluster, host, port));
    }

    /** {@code host:port} (BFE's AddrInfo). */
    public String address() {
        return host + ":" + port;
    }

    /** Identity of a backend across reloads: cluster, sub-cluster and address (not its weight or name). */
    public record BackendId(String cluster, String subCluster, String host, int port) {
        @Override
        public String toString() {
            return cluster + "/" + subCluster + "/" + host + ":" + port;
        }
    }
}
