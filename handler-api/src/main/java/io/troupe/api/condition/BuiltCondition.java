package io.troupe.api.condition;

import java.util.List;

/**
 * A compiled condition together with the warnings found while building it.
 *
 * @param condition the compiled condition
 * @param warnings warnings in source order; empty when there are none
 */
public record BuiltCondition(Condition condition, List<ConditionWarning> warnings) {

    public BuiltCondition {
        warnings = List.copyOf(warnings);
    }
}
