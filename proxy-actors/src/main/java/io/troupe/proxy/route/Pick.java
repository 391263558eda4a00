package io.troupe.proxy.route;

/** The outcome of choosing a backend: the backend, or why there is none. */
public record Pick(Backend backend, Failure failure, String subCluster, String detail) {

    /** Why no backend was chosen (BFE: ErrBkNoSubCluster, ErrGslbBlackhole, ErrBkNoBackend). */
    public enum Failure {
        /** No sub-cluster has a positive gslb weight. */
        NO_SUB_CLUSTER,
        /** gslb chose the {@code GSLB_BLACKHOLE} sub-cluster: the request is to be refused. */
        BLACKHOLE,
        /** The chosen sub-cluster (and, with CrossRetry, the others) has no healthy, non-excluded backend. */
        NO_BACKEND
    }

    static Pick of(Backend b) {
        return new Pick(b, null, b.subCluster(), null);
    }

    static Pick fail(Failure f, String subCluster, String detail) {
        return new Pick(null, f, subCluster, detail);
    }

    public boolean ok() {
        return backend != null;
    }

    /** How the failure is counted: always {@link ErrorKind#NO_BACKEND}; {@code null} on success. */
    public ErrorKind errorKind() {
        return failure == null ? null : ErrorKind.NO_BACKEND;
    }
}
