package io.troupe.api.proxy;

/** A filter on a response ({@link CallbackPoint#READ_RESPONSE}, {@link CallbackPoint#REQUEST_FINISH}). */
@FunctionalInterface
public interface ResponseFilter {
    /** Runs on the connection's event loop; must not block. The response head may be changed in place. */
    ReturnCode filter(Request request, Response response);
}
