package io.troupe.api.proxy;

/** A filter on a connection ({@link CallbackPoint#ACCEPT}, {@link CallbackPoint#HANDSHAKE}, {@link CallbackPoint#FINISH}). */
@FunctionalInterface
public interface SessionFilter {
    /** Runs on the connection's event loop; must not block. */
    ReturnCode filter(Session session);
}
