package io.troupe.api.booster;

import java.util.List;

/**
 * One remote command (TBS {@code BKCommand}).
 *
 * @param workDir the client's working directory; the command runs in a sandbox that stands for it
 * @param exeName the program as named on the command line ({@code cat}, {@code gcc})
 * @param exePath an absolute path to the program on the worker, or {@code null} to look {@code exeName} up on PATH
 * @param params the arguments after the program
 * @param inputFiles files sent to the worker before the command runs
 * @param resultFiles paths (relative to the sandbox, the same as relative to {@code workDir}) to bring back
 * @param env extra environment entries {@code NAME=value} for the remote process, added to the worker's own
 *            (TBS's {@code Env} replaces it); a name on the worker's {@code troupe.worker.env-denylist}
 *            ({@code PATH}, {@code LD_*} and the like) makes the worker refuse the sub-work, which then runs locally
 * @param toolchain the toolchain key the worker must hold to run this command (a compiler's version, target and
 *                  binary digest, see {@code docs/booster-execution.md}), or {@code null} when any worker will do
 */
public record Command(
        String workDir,
        String exeName,
        String exePath,
        List<String> params,
        List<FileDesc> inputFiles,
        List<String> resultFiles,
        List<String> env,
        String toolchain) {

    public Command {
        params = params == null ? List.of() : List.copyOf(params);
        inputFiles = inputFiles == null ? List.of() : List.copyOf(inputFiles);
        resultFiles = resultFiles == null ? List.of() : List.copyOf(resultFiles);
        env = env == null ? List.of() : List.copyOf(env);
    }

    /** A command that any worker may run (no toolchain key). */
    public Command(String workDir, String exeName, String exePath, List<String> params, List<FileDesc> inputFiles,
                   List<String> resultFiles, List<String> env) {
        this(workDir, exeName, exePath, params, inputFiles, resultFiles, env, null);
    }

    /** A command with no files: the program and its arguments as given (the TBS guide's example). */
    public static Command of(String exeName, List<String> params) {
        return new Command(null, exeName, null, params, List.of(), List.of(), List.of());
    }
}
