package io.troupe.api.condition;

/** A condition expression that does not build: where (0-based character offset) and why. */
public final class ConditionException extends Exception {
    private final int position;
    private final String reason;

    public ConditionException(int position, String reason) {
        super("condition error at position " + position + ": " + reason);
        this.position = position;
        this.reason = reason;
    }

    /** 0-based character offset in the expression. */
    public int position() {
        return position;
    }

    /** What is wrong there. */
    public String reason() {
        return reason;
    }
}
