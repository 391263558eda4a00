package io.troupe.proxy.route;

/**
 * Where a request goes: product and cluster, or the kind of error and a detail line for logs.
 * {@code product} and {@code hostTag} are set whenever a product was found, even if routing failed later.
 */
public record RouteDecision(String product, String hostTag, String cluster, ErrorKind error, String detail) {

    static RouteDecision ok(String product, String hostTag, String cluster) {
        return new RouteDecision(product, hostTag, cluster, null, null);
    }

    static RouteDecision fail(String product, String hostTag, ErrorKind kind, String detail) {
        return new RouteDecision(product, hostTag, null, kind, detail);
    }

    /** Whether a cluster was found. */
    public boolean ok() {
        return error == null;
    }
}
