package io.troupe.booster.client;

import java.util.EnumMap;
import java.util.Map;

/**
 * The TBS job-count flags: what {@code @BK_JOBS} stands for and how many local slots each kind of local work may
 * take. 0 everywhere means "not given".
 *
 * @param jobs {@code --jobs}: {@code @BK_JOBS} (still capped by {@code --max_jobs})
 * @param presetJobs {@code --preset_jobs}: {@code @BK_JOBS} when no worker was found (before {@code --jobs})
 * @param maxDegradedJobs {@code --max_degraded_jobs}: cap of {@code @BK_JOBS} for a work run wholly locally
 * @param maxLocalExeJobs {@code --max_local_exe_jobs}: local slots for local runs (fallbacks included)
 * @param maxLocalPreJobs {@code --max_local_pre_jobs}: local slots for handler pre-processing
 * @param maxLocalPostJobs {@code --max_local_post_jobs}: local slots for handler post-processing
 * @param limit {@code -l/--limit}: most sub-works of this work on one worker at once
 */
public record JobLimits(int jobs, int presetJobs, int maxDegradedJobs, int maxLocalExeJobs, int maxLocalPreJobs,
        int maxLocalPostJobs, int limit) {

    /** No flag given. */
    public static final JobLimits NONE = new JobLimits(0, 0, 0, 0, 0, 0, 0);

    /**
     * The value of {@code @BK_JOBS}, as TBS computes it.
     *
     * @param remoteSlots slots of the workers found (0 = none)
     * @param localTotal local slot total
     * @param degraded the whole work runs locally
     * @param maxJobs {@code --max_jobs} (0 = no cap)
     */
    public int bkJobs(int remoteSlots, int localTotal, boolean degraded, int maxJobs) {
        int n;
        if (degraded) {
            n = maxDegradedJobs > 0 ? Math.min(maxDegradedJobs, localTotal) : localTotal;
        } else if (remoteSlots == 0 && presetJobs > 0) {
            n = presetJobs;
        } else if (jobs > 0) {
            n = jobs;
        } else if (remoteSlots > 0) {
            n = Math.max(1, remoteSlots * 3 / 2); // TBS: 1.5 x the remote slots
        } else {
            n = localTotal;
        }
        return maxJobs > 0 ? Math.min(n, maxJobs) : n;
    }

    /** Per-kind local pool sizes for {@link LocalSlots#create}; a kind not given is left out. */
    public Map<LocalSlots.Kind, Integer> kindLimits() {
        Map<LocalSlots.Kind, Integer> limits = new EnumMap<>(LocalSlots.Kind.class);
        if (maxLocalExeJobs > 0) {
            limits.put(LocalSlots.Kind.EXE, maxLocalExeJobs);
        }
        if (maxLocalPreJobs > 0) {
            limits.put(LocalSlots.Kind.PRE, maxLocalPreJobs);
        }
        if (maxLocalPostJobs > 0) {
            limits.put(LocalSlots.Kind.POST, maxLocalPostJobs);
        }
        return limits;
    }
}
