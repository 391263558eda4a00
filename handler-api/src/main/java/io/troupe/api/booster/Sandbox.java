package io.troupe.api.booster;

import java.nio.file.Path;
import java.util.Map;

/**
 * Where an intercepted sub-work was started on the client (TBS {@code InitSandbox}): its working directory and
 * its environment, as the build gave them to the process.
 *
 * @param dir the sub-work's working directory on the client (absolute)
 * @param env the sub-work's environment
 */
public record Sandbox(Path dir, Map<String, String> env) {

    public Sandbox {
        env = env == null ? Map.of() : Map.copyOf(env);
    }

    /** A path of the command line resolved the way the sub-work sees it: absolute as is, else against {@link #dir()}. */
    public Path resolve(String path) {
        return dir.resolve(path);
    }
}
