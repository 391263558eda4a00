package io.troupe.api.condition;

/** Builds conditions from BFE's condition language. */
public final class Conditions {
    private Conditions() {}

    /**
     * Parses and compiles an expression.
     *
     * @throws ConditionException with the position and reason when it does not build
     */
    public static Condition build(String expression) throws ConditionException {
        throw new ConditionException(0, "the condition language is not built yet");
    }
}
