package io.troupe.api.booster;

import java.util.List;

/**
 * The remote outcome of one sub-work (TBS {@code BKDistResult}), one {@link Result} per command.
 *
 * @param results the results in command order
 */
public record DistResult(List<Result> results) {
    public DistResult {
        results = List.copyOf(results);
    }
}
