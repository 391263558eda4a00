package io.troupe.proxy.route;

/**
 * Why a request could not be given a backend. BFE answers 500 for each and counts them by kind
 * (its ErrBkFindProduct, ErrBkFindLocation, ErrBkNoCluster/ErrBkNoBalance, ErrBkNoBackend).
 */
public enum ErrorKind {
    /** No host rule, VIP rule or DefaultProduct gave a product. */
    NO_PRODUCT,
    /** The product has no route rules, or none matched. */
    NO_ROUTE,
    /** The routed cluster has no cluster_conf.data entry or no gslb.data entry (no balancer). */
    NO_CLUSTER,
    /** The balancer found no usable backend (all down or excluded, empty sub-cluster, blackhole). */
    NO_BACKEND
}
