package io.troupe.api.booster;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * The booster's settings as a handler sees them (TBS {@code BoosterConfig}).
 *
 * @param type the booster type given with {@code -bt} (for example {@code custom})
 * @param projectId the project given with {@code -p}
 * @param buildId a unique id of this work
 * @param args the work command given with {@code -a}, after {@code @BK_JOBS} substitution
 * @param workDir the directory the work command runs in
 * @param configDir where a handler finds its default files ({@code TROUPE_CONF_DIR}, else {@code /etc/troupe})
 * @param hookConfigFile the rules file given with {@code --hook_config}, or {@code null}
 * @param env the environment {@code bin/booster} was started with: this build's, also in a controller, whose own
 *     {@code System.getenv()} is that of the build that started it
 */
public record BoosterConfig(
        String type,
        String projectId,
        String buildId,
        String args,
        Path workDir,
        Path configDir,
        Path hookConfigFile,
        Map<String, String> env) {

    public BoosterConfig {
        env = env == null ? Map.of() : Map.copyOf(env);
    }

    /** The {@code --hook_config} file, if one was given. */
    public Optional<Path> hookConfig() {
        return Optional.ofNullable(hookConfigFile);
    }

    /** A handler's default file by name, looked up in {@link #configDir()} (TBS {@code dcConfig.GetFile}). */
    public Path configFile(String name) {
        return configDir.resolve(name);
    }
}
