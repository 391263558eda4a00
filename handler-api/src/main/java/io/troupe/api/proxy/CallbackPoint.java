package io.troupe.api.proxy;

/**
 * The fixed points of the proxy where modules hook filters, in the order a connection and its requests
 * pass them (BFE's callback points).
 */
public enum CallbackPoint {
    /** A client connection was accepted. Filter type: {@link SessionFilter}. */
    ACCEPT,
    /** A TLS handshake finished. Filter type: {@link SessionFilter}. */
    HANDSHAKE,
    /** A request arrived, before host/product lookup. Filter type: {@link RequestFilter}. */
    BEFORE_LOCATION,
    /** The request's product is known. Filter type: {@link RequestFilter}. */
    FOUND_PRODUCT,
    /** The request's cluster is known. Filter type: {@link RequestFilter}. */
    AFTER_LOCATION,
    /** A backend was chosen, just before forwarding. Filter type: {@link ForwardFilter}. */
    FORWARD,
    /** The backend's response head arrived. Filter type: {@link ResponseFilter}. */
    READ_RESPONSE,
    /** The response was sent to the client. Filter type: {@link ResponseFilter}. */
    REQUEST_FINISH,
    /** The client connection closed. Filter type: {@link SessionFilter}. */
    FINISH
}
