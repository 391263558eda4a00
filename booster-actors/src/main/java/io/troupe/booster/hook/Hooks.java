package io.troupe.booster.hook;

import io.troupe.api.booster.PreloadConfig;
import io.troupe.booster.exec.BoosterExecLocation;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/** Installs a work's hook rules in the mode {@code --hook_mode} asks for (or the best one available). */
public final class Hooks {

    /** Compiler variables whose absolute value PATH shims cannot catch. */
    static final List<String> COMPILER_VARIABLES = List.of("CC", "CXX");

    private static final Pattern GLOB = Pattern.compile("[*?\\[\\]]");

    private Hooks() {}

    /**
     * The hooks as installed.
     *
     * @param env the work command's environment
     * @param mode the mode used
     * @param warnings what the user should know, one line each
     */
    public record Installed(Map<String, String> env, HookMode mode, List<String> warnings) {
        public Installed {
            env = Map.copyOf(env);
            warnings = List.copyOf(warnings);
        }
    }

    /** Installs {@code rules} for a work whose environment is {@code baseEnv}. */
    public static Installed install(HookSettings settings, PreloadConfig rules, Map<String, String> baseEnv)
            throws IOException {
        return install(settings, rules, baseEnv, BoosterExecLocation.locate(), PreloadHook.locate());
    }

    /** As {@link #install(HookSettings, PreloadConfig, Map)}, with explicit booster-exec and library. */
    public static Installed install(HookSettings settings, PreloadConfig rules, Map<String, String> baseEnv,
            BoosterExecLocation boosterExec, Optional<Path> builtLibrary) throws IOException {
        Optional<Path> library = settings.preloadLibrary() != null ? Optional.of(settings.preloadLibrary()) : builtLibrary;
        HookMode mode = settings.mode() != null ? settings.mode() : library.isPresent() ? HookMode.PRELOAD : HookMode.SHIMS;
        List<String> warnings = new ArrayList<>();
        if (mode == HookMode.PRELOAD) {
            if (library.isEmpty()) {
                throw new IOException("--hook_mode preload: no " + PreloadHook.LIBRARY_NAME + " in this installation"
                        + " (it is built only where a C compiler exists); give --hook_preload_library PATH"
                        + " or use --hook_mode shims");
            }
            return new Installed(PreloadHook.environment(library.get(), rules, baseEnv, boosterExec), mode, warnings);
        }
        for (int i = 0; i < rules.hooks().size(); i++) {
            String src = rules.hooks().get(i).srcCommand();
            if (src != null && (src.contains("/") || GLOB.matcher(src).find())) {
                warnings.add("hook rule " + i + " (src_command \"" + src + "\"): paths and globs are caught only by"
                        + " --hook_mode preload; PATH shims skip this rule");
            }
        }
        for (String variable : COMPILER_VARIABLES) {
            String value = baseEnv.get(variable);
            String program = value == null || value.isBlank() ? "" : value.trim().split("\\s+")[0];
            if (program.startsWith("/")) {
                warnings.add(variable + "=" + value + " is an absolute path, which PATH shims cannot catch: compiles"
                        + " through it are not boosted; use --hook_mode preload (or " + variable + "="
                        + program.substring(program.lastIndexOf('/') + 1) + ")");
            }
        }
        Path dir = ShimCache.directory(rules, boosterExec, baseEnv);
        return new Installed(PathShims.install(dir, rules, baseEnv, boosterExec), mode, warnings);
    }
}
