package io.troupe.api.condition;

import io.troupe.api.proxy.Request;

/** A compiled BFE condition expression; immutable and safe to share across threads. */
@FunctionalInterface
public interface Condition {
    /** Whether the request satisfies the condition. */
    boolean match(Request request);
}
