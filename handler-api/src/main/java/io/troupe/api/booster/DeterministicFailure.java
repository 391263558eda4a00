package io.troupe.api.booster;

/**
 * Thrown by {@link Handler#postExecute} when a remote failure would fail the same way on any machine (a compile
 * error, say). The booster then makes no further remote attempt and goes straight to the one local re-run, so
 * the user sees the tool's own diagnostics once, from the local run, and the work's exit code is the tool's.
 */
public class DeterministicFailure extends Exception {

    private static final long serialVersionUID = 1L;

    /** A deterministic failure described by {@code message}. */
    public DeterministicFailure(String message) {
        super(message);
    }
}
