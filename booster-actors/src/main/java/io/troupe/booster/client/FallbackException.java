package io.troupe.booster.client;

/**
 * A step of the booster (reading inputs, sending them, choosing a worker) that cannot run a sub-work remotely
 * for a known reason: thrown from there, it makes the sub-work fall back with {@link #reason()}, and a
 * {@link FallbackReason#permanent() permanent} reason skips the remaining remote attempts.
 */
public class FallbackException extends Exception {

    private static final long serialVersionUID = 1L;

    private final FallbackReason reason;

    /** {@code message} names the file, limit or worker at fault. */
    public FallbackException(FallbackReason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public FallbackReason reason() {
        return reason;
    }
}
