package io.troupe.proxy.forward;

/**
 * How requests to one cluster are forwarded (BFE's BackendConf and RetryConf, in milliseconds).
 *
 * @param connectTimeoutMs TimeoutConnSrv: connecting to an instance
 * @param responseHeaderTimeoutMs TimeoutResponseHeader: from the request being sent to the response head
 * @param maxIdlePerHost MaxIdleConnsPerHost, per event loop
 * @param retryMax how many other instances to try after the first one fails
 * @param retryLevel {@link #RETRY_CONNECT} or {@link #RETRY_GET}
 * @param readClientTimeoutMs ClusterBasic.TimeoutReadClient: from the cluster being known to the client's
 *     request body read in full
 * @param writeClientTimeoutMs ClusterBasic.TimeoutWriteClient: from the response head being written to the
 *     whole response written to the client
 * @param readClientAgainTimeoutMs ClusterBasic.TimeoutReadClientAgain: after the response, waiting for the
 *     next request on the keep-alive connection
 */
public record ClusterPolicy(int connectTimeoutMs, int responseHeaderTimeoutMs, int maxIdlePerHost,
                            int retryMax, int retryLevel, int readClientTimeoutMs, int writeClientTimeoutMs,
                            int readClientAgainTimeoutMs) {

    /** With BFE's default client timeouts (30 s body read, 60 s response write, 60 s keep-alive). */
    public ClusterPolicy(int connectTimeoutMs, int responseHeaderTimeoutMs, int maxIdlePerHost, int retryMax,
                         int retryLevel) {
        this(connectTimeoutMs, responseHeaderTimeoutMs, maxIdlePerHost, retryMax, retryLevel, 30_000, 60_000, 60_000);
    }

    /** Retry only when connecting fails (BFE RetryLevel 0). */
    public static final int RETRY_CONNECT = 0;
    /** Also retry body-less GETs that fail after being sent (BFE RetryLevel 1). */
    public static final int RETRY_GET = 1;

    /** BFE's defaults. */
    public static final ClusterPolicy DEFAULT = new ClusterPolicy(2_000, 60_000, 2, 2, RETRY_CONNECT);
}
