package io.troupe.booster.hook;

import io.troupe.api.booster.HookRule;
import io.troupe.api.booster.PreloadConfig;
import io.troupe.booster.exec.BoosterExecLocation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
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

    /** TBS's installer writes this into its rule templates where booster-exec's path goes. */
    static final String EXECUTOR_PLACEHOLDER = "$EXECUTORPATH";
    /** The names a rule's target may give booster-exec by (TBS's executor is bk-dist-executor). */
    private static final Set<String> BOOSTER_EXEC_NAMES = Set.of("booster-exec", "bk-dist-executor");

    /** Whether a word of a rule's target names booster-exec, bare or by a path. */
    static boolean namesBoosterExec(String word) {
        return BOOSTER_EXEC_NAMES.contains(word.substring(word.lastIndexOf('/') + 1));
    }

    /**
     * {@code target} with each word that {@code matches} replaced by {@code with}: booster-exec may stand anywhere,
     * after a chained tool too (TBS's templates: {@code $CCACHEPATH $EXECUTORPATH $SRC_CMD}).
     */
    static String replaceWords(String target, java.util.function.Predicate<String> matches, String with) {
        return String.join(" ", java.util.Arrays.stream(target.split("\\s+")).map(w -> matches.test(w) ? with : w).toList());
    }

    /**
     * The rules with TBS's {@code $EXECUTORPATH} as booster-exec (what TBS's installer substitutes), each target's
     * program checked as TBS checks it: an absolute path must be an executable file, a bare name must be on PATH.
     *
     * @throws IOException naming the rule, its target and what is wrong with it
     */
    static PreloadConfig checkedTargets(PreloadConfig rules, Map<String, String> env) throws IOException {
        List<HookRule> out = new ArrayList<>();
        List<HookRule> hooks = rules.hooks();
        for (int i = 0; i < hooks.size(); i++) {
            HookRule rule = hooks.get(i);
            String target = rule.targetCommand() == null ? "" : rule.targetCommand().trim();
            target = replaceWords(target, EXECUTOR_PLACEHOLDER::equals, "booster-exec");
            String program = target.isEmpty() ? "" : target.split("\\s+")[0];
            String name = program.substring(program.lastIndexOf('/') + 1);
            String where = "hook rule " + i + " (src_command \"" + rule.srcCommand() + "\"): target_command \""
                    + rule.targetCommand() + "\": ";
            if (program.startsWith("$")) {
                throw new IOException(where + program + " is a placeholder TBS's installer fills in; write the program's"
                        + " path (booster-exec stands for this installation's)");
            }
            if (!program.isEmpty() && !namesBoosterExec(program) && !runnable(program, env.get("PATH"))) {
                throw new IOException(where + program + (program.contains("/") ? " is not an executable file"
                        : " is not on PATH"));
            }
            out.add(new HookRule(rule.srcCommand(), target));
        }
        return new PreloadConfig(out);
    }

    private static boolean runnable(String program, String path) {
        if (program.contains("/")) {
            return Files.isRegularFile(Path.of(program)) && Files.isExecutable(Path.of(program));
        }
        for (String dir : (path == null ? "/usr/bin:/bin" : path).split(":")) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, program);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return true;
            }
        }
        return false;
    }

    /** As {@link #install(HookSettings, PreloadConfig, Map)}, with explicit booster-exec and library. */
    public static Installed install(HookSettings settings, PreloadConfig rules, Map<String, String> baseEnv,
            BoosterExecLocation boosterExec, Optional<Path> builtLibrary) throws IOException {
        rules = checkedTargets(rules, baseEnv);
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
