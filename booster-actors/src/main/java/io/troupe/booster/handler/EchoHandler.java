package io.troupe.booster.handler;

import io.troupe.api.booster.Command;
import io.troupe.api.booster.DistCommand;
import io.troupe.api.booster.Handler;
import java.util.List;

/**
 * Built-in {@code -bt echo}: runs an intercepted command unchanged on a worker, sending no files and bringing
 * none back (the TBS guide's example handler; {@code cat /etc/resolv.conf} prints the worker's file).
 */
public final class EchoHandler implements Handler {

    @Override
    public DistCommand preExecute(List<String> command) throws Exception {
        if (command == null || command.isEmpty()) {
            throw new IllegalArgumentException("invalid command and params: the sub-work's argv is empty");
        }
        return DistCommand.of(Command.of(command.get(0), command.subList(1, command.size())));
    }
}
