package io.troupe.api.condition;

/**
 * Something in a condition that builds but probably does not mean what its author thinks.
 *
 * @param position 0-based character offset in the expression
 * @param message what is suspicious and how to say it unambiguously
 */
public record ConditionWarning(int position, String message) {

    @Override
    public String toString() {
        return "condition warning at position " + position + ": " + message;
    }
}
