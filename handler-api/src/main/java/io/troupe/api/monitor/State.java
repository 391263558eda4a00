package io.troupe.api.monitor;

/**
 * A string-valued state such as a config version (BFE's {@code metrics.State}). Shown by {@code format=json}
 * and {@code kv}; Prometheus has no string samples, so {@code format=prometheus} leaves states out, as BFE does.
 */
public final class State {

    private volatile String value = "";

    /** Creates an empty state. Fields of a state class may be left {@code null}; {@link Metrics#init} fills them. */
    public State() {
    }

    /** Sets the state; {@code null} is stored as the empty string. */
    public void set(String v) {
        value = v == null ? "" : v;
    }

    /** The current state, the empty string when never set. */
    public String get() {
        return value;
    }

    @Override
    public String toString() {
        return value;
    }
}
