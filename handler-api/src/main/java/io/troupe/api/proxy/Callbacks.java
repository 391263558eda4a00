package io.troupe.api.proxy;

/**
 * Where a module registers its filters (BFE's {@code BfeCallbacks.AddFilter}). Each point takes one filter
 * type; registering the wrong type for a point throws {@link IllegalArgumentException}. Filters of one
 * point run in the fixed module order, not in registration order.
 *
 * <p>The overloads mirror BFE's single {@code AddFilter}. Method references resolve to the right overload by
 * the referenced method's signature, and so do lambdas whose parameter type is written out; an implicitly
 * typed one-parameter lambda ({@code r -> ...}) is ambiguous and does not compile, so write its type or cast:
 * <pre>{@code
 * callbacks.addFilter(CallbackPoint.ACCEPT, this::onAccept);                 // ReturnCode onAccept(Session)
 * callbacks.addFilter(CallbackPoint.BEFORE_LOCATION, this::checkRequest);    // FilterResult checkRequest(Request)
 * callbacks.addFilter(CallbackPoint.FORWARD, (Request r) -> ReturnCode.GO_ON);
 * callbacks.addFilter(CallbackPoint.AFTER_LOCATION, (Request r) -> FilterResult.GO_ON);
 * callbacks.addFilter(CallbackPoint.REQUEST_FINISH, (req, resp) -> ReturnCode.GO_ON); // two parameters: unambiguous
 * }</pre>
 */
public interface Callbacks {

    /** Registers a connection filter at {@link CallbackPoint#ACCEPT}, {@link CallbackPoint#HANDSHAKE} or {@link CallbackPoint#FINISH}. */
    void addFilter(CallbackPoint point, SessionFilter filter);

    /** Registers a request filter at {@link CallbackPoint#BEFORE_LOCATION}, {@link CallbackPoint#FOUND_PRODUCT} or {@link CallbackPoint#AFTER_LOCATION}. */
    void addFilter(CallbackPoint point, RequestFilter filter);

    /** Registers a filter at {@link CallbackPoint#FORWARD}. */
    void addFilter(CallbackPoint point, ForwardFilter filter);

    /** Registers a response filter at {@link CallbackPoint#READ_RESPONSE} or {@link CallbackPoint#REQUEST_FINISH}. */
    void addFilter(CallbackPoint point, ResponseFilter filter);

    /**
     * Asks the proxy to read each request body whole, up to {@code maxBytes}, before the request filters run,
     * so that they can read and replace it ({@link Request#body()}, {@link Request#setBody(byte[])}). A body
     * larger than the largest limit any module asked for is answered with 413 and the connection closes.
     * Without this call bodies stream to the backend and {@link Request#body()} is {@code null}.
     *
     * @throws IllegalArgumentException when {@code maxBytes} is not positive
     */
    default void bufferRequestBody(int maxBytes) {
        throw new UnsupportedOperationException("bufferRequestBody");
    }
}
