package io.troupe.booster.client;

import java.util.Locale;

/**
 * Why a sub-work that the handler wanted remote ran locally (or failed under {@code --no_local}). Counted per
 * reason in the summary line and named per sub-work in {@code --stats_json} (docs/booster-execution.md).
 */
public enum FallbackReason {
    /** no usable worker: none in the cluster, all busy, or all already tried for this sub-work */
    NO_WORKER("no worker"),
    /** no worker known yet: the booster was still joining the cluster (or could not), or none has registered */
    NO_WORKER_YET("no worker yet"),
    /**
     * the handler refused it before any remote attempt (PreExecute failed: a link, {@code -E}, a configure probe); the
     * handler's choice, so not counted by {@code --max_fallback_ratio}
     */
    REFUSED("refused by the handler"),
    /** PostExecute rejected a remote result that exited 0 */
    REJECTED("result rejected by the handler"),
    /** the remote command exited non-zero (a compile error, say), or brought back no expected result */
    REMOTE_NONZERO("remote non-zero"),
    /** no progress from the worker for --io_timeout_secs, or the remote run passed --remote_timeout_secs */
    TIMEOUT("timeout"),
    /** the worker died, left the cluster or failed itself while running it */
    WORKER_LOST("worker lost"),
    /** its inputs or outputs exceed a size limit */
    TOO_LARGE("too large"),
    /** no worker holds the compiler (toolchain key) it needs */
    TOOLCHAIN_MISMATCH("toolchain mismatch"),
    /** its stdin is a pipe (or a file too large to forward), so only a local run can read it */
    STDIN("stdin"),
    /** the worker refused it: the executable is not on its allowlist, a path leaves the sandbox, a bad request */
    WORKER_REFUSED("refused by the worker"),
    /** a hook of the handler (PreExecute, PostExecute) did not return within troupe.booster.sub-work-hook-timeout */
    HOOK_TIMEOUT("hook timeout"),
    /** its command line holds a key of {@code --force_local_list}: the user's choice, so not counted by --max_fallback_ratio */
    FORCED_LOCAL("forced local");

    private final String label;

    FallbackReason(String label) {
        this.label = label;
    }

    /** The words of the summary line ("no worker"). */
    public String label() {
        return label;
    }

    /** The {@code --stats_json} value ("no_worker"). */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** A failure that would recur on any worker: no further remote attempt is made, the local run comes at once. */
    public boolean permanent() {
        // not TOOLCHAIN_MISMATCH: another worker may hold the key this one lacks (it was chosen from old reports)
        return this == REFUSED || this == REJECTED || this == TOO_LARGE || this == STDIN || this == WORKER_REFUSED || this == FORCED_LOCAL
                || this == HOOK_TIMEOUT; // a hook that hung once is not called again for it
    }

    /**
     * Whether {@code --max_fallback_ratio} counts it: not when the user asked for the local run, nor when the handler
     * kept it local from the start (a link is not a remote compile that failed).
     */
    public boolean countsAsFallback() {
        return this != FORCED_LOCAL && this != REFUSED;
    }
}
