package io.troupe.api.booster;

import java.util.List;

/**
 * What to run remotely for one sub-work (TBS {@code BKDistCommand}): usually one command.
 *
 * @param commands the commands, run in order in the same sandbox
 */
public record DistCommand(List<Command> commands) {
    public DistCommand {
        commands = List.copyOf(commands);
    }

    /** One command. */
    public static DistCommand of(Command command) {
        return new DistCommand(List.of(command));
    }
}
