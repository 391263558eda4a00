package io.troupe.booster.hook;

import io.troupe.api.booster.PreloadConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * PATH-shim hooks: a directory of small executables named after each plain {@code src_command}, put first
 * on PATH, each running the rule's {@code target_command} (normally booster-exec).
 *
 * <p>CONTRACT SKELETON: the booster-edge branch replaces the body; the signature below is agreed.
 */
public final class PathShims {
    private PathShims() {}

    /**
     * Writes the shims for {@code rules} into {@code shimDir} and returns the environment the work command
     * must run with ({@code baseEnv} plus PATH with {@code shimDir} first, and whatever booster-exec needs).
     *
     * @throws IOException naming the rule or file that could not be installed
     */
    public static Map<String, String> install(Path shimDir, PreloadConfig rules, Map<String, String> baseEnv)
            throws IOException {
        throw new IOException("PATH shims not built yet");
    }
}
