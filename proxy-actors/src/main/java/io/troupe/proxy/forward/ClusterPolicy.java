package io.troupe.proxy.forward;

/**
 * How requests to one cluster are forwarded (BFE's BackendConf and RetryConf, in milliseconds).
 *
 * @param connectTimeoutMs TimeoutConnSrv: connecting to an instance
 * @param responseHeaderTimeoutMs TimeoutResponseHeader: from the request being sent to the response head
 * @param maxIdlePerHost MaxIdleConnsPerHost, per event loop
 * @param retryMax how many other instances to try after the first one fails
 * @param retryLevel {@link #RETRY_CONNECT} or {@link #RETRY_GET}
 */
public record ClusterPolicy(int connectTimeoutMs, int responseHeaderTimeoutMs, int maxIdlePerHost,
                            int retryMax, int retryLevel) {

    /** Retry only when connecting fails (BFE RetryLevel 0). */
    public static final int RETRY_CONNECT = 0;
    /** Also retry body-less GETs that fail after being sent (BFE RetryLevel 1). */
    public static final int RETRY_GET = 1;

    /** BFE's defaults. */
    public static final ClusterPolicy DEFAULT = new ClusterPolicy(2_000, 60_000, 2, 2, RETRY_CONNECT);
}
