package io.troupe.api.proxy;

/**
 * A filter on a request before forwarding ({@link CallbackPoint#BEFORE_LOCATION},
 * {@link CallbackPoint#FOUND_PRODUCT}, {@link CallbackPoint#AFTER_LOCATION}).
 */
@FunctionalInterface
public interface RequestFilter {
    /**
     * Runs on the connection's event loop; must not block. Work that may block goes into
     * {@link FilterResult#blocking}, which the proxy runs off the event loop.
     *
     * @return {@link FilterResult#GO_ON}, or a code with the response to send, or blocking work that decides
     */
    FilterResult filter(Request request);
}
