package io.troupe.booster.client;

import java.io.PrintStream;

/**
 * Where a work's own lines go ({@code [booster] ...}, the progress line, the summary), and whether that is a
 * terminal (the progress line is redrawn in place on one). The booster's stderr, or — when a controller runs the
 * work — the client's connection, with the client's terminal.
 *
 * @param err the stream, autoflushed line by line
 * @param terminal whether a redrawn progress line shows as one
 */
public record WorkConsole(PrintStream err, boolean terminal) {

    /** The booster's stderr, as it is when asked (tests replace {@link System#err}). */
    public static WorkConsole stderr() {
        return new WorkConsole(System.err, ProgressReporter.stderrIsTerminal());
    }
}
