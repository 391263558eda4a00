package io.troupe.booster.handler;

import java.util.List;

/**
 * A built-in handler that knows whether a command reads its standard input. Under {@code make -j} only one job
 * gets make's own stdin; every other job gets a pipe nobody writes to. A command that never reads stdin (a
 * compile of a named file) can run remotely whatever its stdin is; one that may read it cannot.
 */
public interface StdinUse {

    /** Whether {@code command} may read its standard input; when unsure, {@code true}. */
    boolean readsStdin(List<String> command);
}
