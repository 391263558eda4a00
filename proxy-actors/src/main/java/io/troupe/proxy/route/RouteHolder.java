package io.troupe.proxy.route;

/**
 * The current {@link RouteTables}, read by the data plane once per request with no ask and no lock. Only
 * {@link RouteTableActor} replaces it (a whole new snapshot at a time).
 */
public final class RouteHolder {
    private volatile RouteTables tables;

    public RouteHolder(RouteTables initial) {
        this.tables = initial;
    }

    /** The current snapshot; keep the reference for the whole request. */
    public RouteTables get() {
        return tables;
    }

    void set(RouteTables next) {
        this.tables = next;
    }
}
