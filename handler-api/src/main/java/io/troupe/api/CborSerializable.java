package io.troupe.api;

/**
 * Marker for every message that crosses cluster nodes.
 *
 * <p>The cluster runtime binds this interface to Jackson CBOR serialization, so a message type that
 * implements it can be sent to an actor on another node. It carries no methods and no dependency on
 * the actor runtime, which keeps this module free of Pekko.
 */
public interface CborSerializable {}
