package io.troupe.booster.handler;

import io.troupe.api.booster.Command;
import java.util.List;

/**
 * A built-in handler that may give a sub-work an input another sub-work made (the cc handler's shared
 * preprocessing): {@code --stats_json} says which sub-works had one.
 */
public interface SharedInputs {

    /** Whether an input of {@code commands}, as PreExecute returned them, was made by an earlier sub-work. */
    boolean sharesInput(List<Command> commands);
}
