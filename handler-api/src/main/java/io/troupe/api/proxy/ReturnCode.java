package io.troupe.api.proxy;

/** What a filter tells the chain runner to do next. A chain stops at the first code that is not {@link #GO_ON}. */
public enum ReturnCode {
    /** Continue with the next filter, then with normal processing. */
    GO_ON,
    /** Close the connection at once, sending nothing. */
    CLOSE,
    /** Send the filter's response, then close the connection. */
    FINISH,
    /** Send the redirect the filter set on the request ({@link Request#redirect}). */
    REDIRECT,
    /** Send the filter's response as if the backend had produced it; the connection stays open. */
    RESPONSE
}
