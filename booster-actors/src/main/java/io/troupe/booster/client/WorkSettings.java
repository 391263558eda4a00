package io.troupe.booster.client;

import io.troupe.booster.hook.HookSettings;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Everything the booster CLI was told, after parsing and validation.
 *
 * @param type handler type ({@code -bt}): echo, custom, cc
 * @param projectId {@code -p}
 * @param buildId unique id of this work
 * @param command the work command ({@code -a}), still containing {@code @BK_JOBS}
 * @param hook {@code --hook}: intercept sub-works
 * @param hookConfig {@code --hook_config}, or {@code null}
 * @param local {@code --local}: run everything locally
 * @param noLocal {@code --no_local}: never fall back to local execution
 * @param remoteRetryTimes {@code --remote_retry_times}
 * @param maxLocalTotalJobs {@code --max_local_total_jobs}: local slot total (0 = CPUs - 1, at least 1)
 * @param maxJobs {@code --max_jobs}: cap of {@code @BK_JOBS} (0 = no cap)
 * @param ioTimeoutSecs {@code --io_timeout_secs}: longest a remote attempt may go without progress (no answer and
 *     no worker heartbeat)
 * @param clusterSeeds {@code --cluster host:port}; empty = embedded worker in-process
 * @param workDir directory the work command runs in
 * @param env environment of the booster
 * @param statsJson {@code --stats_json}, or {@code null}
 * @param remoteTimeoutSecs {@code --remote_timeout_secs}: longest run of a remote process (0 = no limit of the
 *     booster's; the worker's {@code troupe.worker.timeout} still applies)
 * @param maxFallbackRatio {@code --max_fallback_ratio}: the work fails when more than this share of its sub-works
 *     fell back (1 = never)
 * @param hookSettings {@code --hook_mode} and {@code --hook_preload_library}
 * @param jobLimits {@code --jobs}, {@code --preset_jobs}, {@code --max_degraded_jobs} and
 *     {@code --max_local_exe_jobs}/{@code _pre_}/{@code _post_}
 * @param configOverrides config values the flags set ({@code --max_file_size} →
 *     {@code troupe.booster.max-file-size}, ...), over the loaded config of this work only: no JVM-wide state,
 *     so two boosters in one JVM keep their own
 * @param console where the booster's own lines ({@code [booster] ...}, the progress line, the summary) go: stderr,
 *     or the client's connection when a controller runs the work ({@code --controller}); null = stderr
 */
public record WorkSettings(
        String type,
        String projectId,
        String buildId,
        String command,
        boolean hook,
        Path hookConfig,
        boolean local,
        boolean noLocal,
        int remoteRetryTimes,
        int maxLocalTotalJobs,
        int maxJobs,
        int ioTimeoutSecs,
        List<String> clusterSeeds,
        Path workDir,
        Map<String, String> env,
        Path statsJson,
        int remoteTimeoutSecs,
        double maxFallbackRatio,
        HookSettings hookSettings,
        JobLimits jobLimits,
        Map<String, String> configOverrides,
        WorkConsole console) {

    /**
     * The shell that runs the work command: bash, as TBS's bk-booster runs it ({@code /bin/bash -c}), so that
     * {@code source}, {@code [[ ]]} and {@code set -o pipefail} work; {@code /bin/sh} where there is no bash.
     */
    public static final String SHELL = java.nio.file.Files.isExecutable(java.nio.file.Path.of("/bin/bash"))
            ? "/bin/bash" : "/bin/sh";

    public WorkSettings {
        clusterSeeds = List.copyOf(clusterSeeds);
        env = Map.copyOf(env);
        hookSettings = hookSettings == null ? HookSettings.defaults() : hookSettings;
        jobLimits = jobLimits == null ? JobLimits.NONE : jobLimits;
        configOverrides = configOverrides == null ? Map.of() : Map.copyOf(configOverrides);
    }

    /** Printing to stderr. */
    public WorkSettings(String type, String projectId, String buildId, String command, boolean hook, Path hookConfig,
            boolean local, boolean noLocal, int remoteRetryTimes, int maxLocalTotalJobs, int maxJobs, int ioTimeoutSecs,
            List<String> clusterSeeds, Path workDir, Map<String, String> env, Path statsJson, int remoteTimeoutSecs,
            double maxFallbackRatio, HookSettings hookSettings, JobLimits jobLimits, Map<String, String> configOverrides) {
        this(type, projectId, buildId, command, hook, hookConfig, local, noLocal, remoteRetryTimes, maxLocalTotalJobs,
                maxJobs, ioTimeoutSecs, clusterSeeds, workDir, env, statsJson, remoteTimeoutSecs, maxFallbackRatio,
                hookSettings, jobLimits, configOverrides, null);
    }

    /** Where the booster's own lines go: {@link WorkConsole#stderr()} unless a controller's client set one. */
    @Override
    public WorkConsole console() {
        return console != null ? console : WorkConsole.stderr();
    }

    /** The same settings printing to {@code newConsole}. */
    public WorkSettings withConsole(WorkConsole newConsole) {
        return new WorkSettings(type, projectId, buildId, command, hook, hookConfig, local, noLocal, remoteRetryTimes,
                maxLocalTotalJobs, maxJobs, ioTimeoutSecs, clusterSeeds, workDir, env, statsJson, remoteTimeoutSecs,
                maxFallbackRatio, hookSettings, jobLimits, configOverrides, newConsole);
    }

    /** No config overrides. */
    public WorkSettings(String type, String projectId, String buildId, String command, boolean hook, Path hookConfig,
            boolean local, boolean noLocal, int remoteRetryTimes, int maxLocalTotalJobs, int maxJobs, int ioTimeoutSecs,
            List<String> clusterSeeds, Path workDir, Map<String, String> env, Path statsJson, int remoteTimeoutSecs,
            double maxFallbackRatio, HookSettings hookSettings, JobLimits jobLimits) {
        this(type, projectId, buildId, command, hook, hookConfig, local, noLocal, remoteRetryTimes, maxLocalTotalJobs,
                maxJobs, ioTimeoutSecs, clusterSeeds, workDir, env, statsJson, remoteTimeoutSecs, maxFallbackRatio,
                hookSettings, jobLimits, Map.of());
    }

    /** {@code base} with this work's {@link #configOverrides} over it (the flags win over files and -D). */
    public com.typesafe.config.Config config(com.typesafe.config.Config base) {
        return configOverrides.isEmpty() ? base
                : com.typesafe.config.ConfigFactory.parseMap(configOverrides, "booster flags").withFallback(base);
    }

    /** The same settings with {@code overrides} added to the config overrides (a later value of a key wins). */
    public WorkSettings withConfigOverrides(Map<String, String> overrides) {
        Map<String, String> merged = new java.util.HashMap<>(configOverrides);
        merged.putAll(overrides);
        return new WorkSettings(type, projectId, buildId, command, hook, hookConfig, local, noLocal, remoteRetryTimes,
                maxLocalTotalJobs, maxJobs, ioTimeoutSecs, clusterSeeds, workDir, env, statsJson, remoteTimeoutSecs,
                maxFallbackRatio, hookSettings, jobLimits, merged, console);
    }

    /** No TBS job-count flags. */
    public WorkSettings(String type, String projectId, String buildId, String command, boolean hook, Path hookConfig,
            boolean local, boolean noLocal, int remoteRetryTimes, int maxLocalTotalJobs, int maxJobs, int ioTimeoutSecs,
            List<String> clusterSeeds, Path workDir, Map<String, String> env, Path statsJson, int remoteTimeoutSecs,
            double maxFallbackRatio, HookSettings hookSettings) {
        this(type, projectId, buildId, command, hook, hookConfig, local, noLocal, remoteRetryTimes, maxLocalTotalJobs,
                maxJobs, ioTimeoutSecs, clusterSeeds, workDir, env, statsJson, remoteTimeoutSecs, maxFallbackRatio,
                hookSettings, JobLimits.NONE);
    }

    /** No remote run-time limit of the booster's, no fallback ratio limit, the default hook flags. */
    public WorkSettings(String type, String projectId, String buildId, String command, boolean hook, Path hookConfig,
            boolean local, boolean noLocal, int remoteRetryTimes, int maxLocalTotalJobs, int maxJobs, int ioTimeoutSecs,
            List<String> clusterSeeds, Path workDir, Map<String, String> env, Path statsJson) {
        this(type, projectId, buildId, command, hook, hookConfig, local, noLocal, remoteRetryTimes, maxLocalTotalJobs,
                maxJobs, ioTimeoutSecs, clusterSeeds, workDir, env, statsJson, 0, 1.0, HookSettings.defaults());
    }

    /** The default hook flags. */
    public WorkSettings(String type, String projectId, String buildId, String command, boolean hook, Path hookConfig,
            boolean local, boolean noLocal, int remoteRetryTimes, int maxLocalTotalJobs, int maxJobs, int ioTimeoutSecs,
            List<String> clusterSeeds, Path workDir, Map<String, String> env, Path statsJson, int remoteTimeoutSecs,
            double maxFallbackRatio) {
        this(type, projectId, buildId, command, hook, hookConfig, local, noLocal, remoteRetryTimes, maxLocalTotalJobs,
                maxJobs, ioTimeoutSecs, clusterSeeds, workDir, env, statsJson, remoteTimeoutSecs, maxFallbackRatio,
                HookSettings.defaults());
    }

    /** The same settings with {@code --remote_timeout_secs} and {@code --max_fallback_ratio} set. */
    public WorkSettings withFallbackLimits(int newRemoteTimeoutSecs, double newMaxFallbackRatio) {
        return new WorkSettings(type, projectId, buildId, command, hook, hookConfig, local, noLocal, remoteRetryTimes,
                maxLocalTotalJobs, maxJobs, ioTimeoutSecs, clusterSeeds, workDir, env, statsJson, newRemoteTimeoutSecs,
                newMaxFallbackRatio, hookSettings, jobLimits, configOverrides, console);
    }

    /** The same settings with {@code --hook_mode} and {@code --hook_preload_library} set. */
    public WorkSettings withHookSettings(HookSettings newHookSettings) {
        return new WorkSettings(type, projectId, buildId, command, hook, hookConfig, local, noLocal, remoteRetryTimes,
                maxLocalTotalJobs, maxJobs, ioTimeoutSecs, clusterSeeds, workDir, env, statsJson, remoteTimeoutSecs,
                maxFallbackRatio, newHookSettings, jobLimits, configOverrides, console);
    }

    /** The same settings with {@code --local} set to {@code local} (a failed join degrades a work to local). */
    public WorkSettings withLocal(boolean newLocal) {
        return new WorkSettings(type, projectId, buildId, command, hook, hookConfig, newLocal, noLocal,
                remoteRetryTimes, maxLocalTotalJobs, maxJobs, ioTimeoutSecs, clusterSeeds, workDir, env, statsJson,
                remoteTimeoutSecs, maxFallbackRatio, hookSettings, jobLimits, configOverrides, console);
    }

    /** The same settings with the TBS job-count flags set. */
    public WorkSettings withJobLimits(JobLimits newJobLimits) {
        return new WorkSettings(type, projectId, buildId, command, hook, hookConfig, local, noLocal, remoteRetryTimes,
                maxLocalTotalJobs, maxJobs, ioTimeoutSecs, clusterSeeds, workDir, env, statsJson, remoteTimeoutSecs,
                maxFallbackRatio, hookSettings, newJobLimits, configOverrides, console);
    }
}
