package io.troupe.api.booster;

import java.util.List;
import java.util.Optional;

/**
 * A booster handler: the six hooks of the TBS custom-handler interface, plus defaulted extras.
 *
 * <p>A work (a whole build, say {@code make}) runs many sub-works (say each {@code gcc -c}). The booster
 * calls {@link #preWork} once before the work command starts, {@link #getPreloadConfig} to learn which
 * commands to intercept, then for every intercepted sub-work {@link #preExecute} (describe what to run
 * remotely), remote execution, {@link #postExecute} (judge the remote result) and {@link #finalExecute};
 * and {@link #postWork} once after the work command exits.
 *
 * <p>Sub-work hooks are called concurrently from several threads; keep them thread-safe. A hook reports
 * failure by throwing: a failing {@code preExecute} or {@code postExecute} makes the booster run the
 * sub-work locally (unless the user asked for {@code --no_local}).
 *
 * <p>Every call is bounded: {@code preWork}, {@code getPreloadConfig} and {@code postWork} by the booster's
 * {@code troupe.booster.handler-timeout}, each sub-work hook by {@code troupe.booster.sub-work-hook-timeout}. Past
 * its bound a call counts as failed (a {@code postExecute} that hangs leaves the remote result unused) and its
 * thread is interrupted: a hook that blocks should block interruptibly.
 *
 * <p>Plugins (custom type 1) implement this interface in a jar with a
 * {@code META-INF/services/io.troupe.api.booster.Handler} entry naming the class.
 */
public interface Handler {

    /**
     * Called once before the work command starts; receives the booster's full settings.
     *
     * @throws Exception to degrade the whole work to local execution (or fail it under {@code --no_local})
     */
    default void preWork(BoosterConfig config) throws Exception {}

    /**
     * Called once after the work command has exited.
     *
     * @throws Exception reported as a warning; the work's exit code is kept
     */
    default void postWork(BoosterConfig config) throws Exception {}

    /**
     * Which commands to intercept, in the TBS rules format ({@code src_command} → {@code target_command}).
     * The default returns the rules of {@code --hook_config} when given, else no rules.
     */
    default PreloadConfig getPreloadConfig(BoosterConfig config) throws Exception {
        return config.hookConfig().isPresent()
                ? PreloadConfig.fromFile(config.hookConfig().get())
                : PreloadConfig.empty();
    }

    /**
     * Describes how to run one intercepted sub-work remotely.
     *
     * @param command the sub-work's argv as the build invoked it ({@code command.get(0)} is the program)
     * @return the remote command(s), their input files and the result files to bring back
     * @throws Exception when the sub-work cannot run remotely; the booster then runs it locally
     */
    DistCommand preExecute(List<String> command) throws Exception;

    /**
     * Like {@link #preExecute(List)}, with the sub-work's working directory and environment (TBS
     * {@code InitSandbox}). The booster calls this one; the default calls {@link #preExecute(List)}, so a handler
     * that needs the directory or environment overrides this and may answer {@link #preExecute(List)} for the
     * booster's own working directory.
     * A command whose {@link Command#workDir()} is {@code null} runs in a sandbox standing for {@code sandbox.dir()}.
     *
     * @throws Exception when the sub-work cannot run remotely; its message is recorded as the reason
     */
    default DistCommand preExecute(List<String> command, Sandbox sandbox) throws Exception {
        return preExecute(command);
    }

    /**
     * Judges the remote result. Returning normally accepts it; throwing rejects it, and the booster retries
     * (remotely up to {@link #remoteRetryTimes()}, then locally). Throwing {@link DeterministicFailure} skips
     * the remaining remote attempts and goes straight to the local re-run.
     */
    default void postExecute(DistResult result) throws Exception {
        if (result == null || result.results().isEmpty() || result.results().get(0).retCode() != 0) {
            throw new Exception("remote execute error");
        }
    }

    /**
     * The handler that serves one sub-work: the booster calls this once per sub-work, on the actor that runs it
     * (so it must only make an object, quickly), and then every per-sub-work call on what it returns
     * ({@code needRemoteResource}, {@code preExecute}, {@code postExecute}, {@code onRemoteFail},
     * {@code localExecute}, {@code finalExecute}, {@code remoteRetryTimes}, {@code localLockWeight}). TBS makes a
     * new handler for every job, so a ported handler may keep what {@code preExecute} worked out in its fields for
     * {@code postExecute}: return a fresh instance here. The default, this instance for every sub-work, suits handlers without
     * per-sub-work state; it must be safe to call from several threads at once.
     */
    default Handler forSubWork() {
        return this;
    }

    /** Called once per sub-work after it finished, whichever way it ran. */
    default void finalExecute(List<String> command) {}

    /**
     * Like {@link #finalExecute(List)}, with the sub-work's directory and environment, so that a handler can tell
     * apart the same command line run in two directories. The booster calls this one; the default calls
     * {@link #finalExecute(List)}.
     */
    default void finalExecute(List<String> command, Sandbox sandbox) {
        finalExecute(command);
    }

    /** Remote attempts per sub-work before the local retry; a negative value means the booster's {@code --remote_retry_times}. */
    default int remoteRetryTimes() {
        return -1;
    }

    /** Weight of this sub-work in the local slots when it runs locally (heavier commands take more). */
    default int localLockWeight(List<String> command) {
        return 1;
    }

    /** Whether this sub-work should go remote at all; {@code false} runs it locally straight away. */
    default boolean needRemoteResource(List<String> command) {
        return true;
    }

    /** Told when a remote attempt of this sub-work failed, before any retry. */
    default void onRemoteFail(List<String> command) {}

    /**
     * Runs the sub-work locally the handler's own way. Empty (the default) lets the booster run the
     * command as given.
     */
    default Optional<Result> localExecute(List<String> command) throws Exception {
        return Optional.empty();
    }
}
