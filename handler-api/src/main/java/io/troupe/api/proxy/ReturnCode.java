package io.troupe.api.proxy;

/** What a filter tells the chain runner to do next. A chain stops at the first code that is not {@link #GO_ON}. */
public enum ReturnCode {
    /** Continue with the next filter, then with normal processing. */
    GO_ON,
    /** Close the connection at once, sending nothing. */
    CLOSE,
    /** Send the filter's response, then close the connection. */
    FINISH,
    /**
     * Send the redirect carried by the filter's result, built with
     * {@link FilterResult#redirect(int, String) FilterResult.redirect(status, location)}; the connection stays
     * open. Only request filters can send one, since only they return a {@link FilterResult}.
     */
    REDIRECT,
    /** Send the filter's response as if the backend had produced it; the connection stays open. */
    RESPONSE,
    /**
     * The verdict needs blocking work (Troupe's, not BFE's): the proxy runs the work carried by the filter's result,
     * built with {@link FilterResult#blocking(java.util.function.Supplier) FilterResult.blocking(work)}, off the
     * event loop and takes its result as the verdict. Only request filters can return it; from any other filter
     * it closes the connection.
     */
    BLOCKING
}
