package io.troupe.api.proxy;

/** A filter run after the backend was chosen, before the request is sent ({@link CallbackPoint#FORWARD}). */
@FunctionalInterface
public interface ForwardFilter {
    /** Runs on the connection's event loop; must not block. */
    ReturnCode filter(Request request);
}
