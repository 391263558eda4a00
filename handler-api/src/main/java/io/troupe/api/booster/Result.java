package io.troupe.api.booster;

import java.util.List;

/**
 * The result of one command (TBS {@code Result}).
 *
 * @param retCode the process exit code
 * @param stdout what the process wrote to standard output
 * @param stderr what the process wrote to standard error
 * @param resultFiles the result files brought back, written on the client at their {@code localPath}
 */
public record Result(int retCode, byte[] stdout, byte[] stderr, List<FileDesc> resultFiles) {
    public Result {
        stdout = stdout == null ? new byte[0] : stdout;
        stderr = stderr == null ? new byte[0] : stderr;
        resultFiles = resultFiles == null ? List.of() : List.copyOf(resultFiles);
    }
}
