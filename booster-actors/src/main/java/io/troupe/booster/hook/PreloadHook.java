package io.troupe.booster.hook;

import io.troupe.api.booster.HookRule;
import io.troupe.api.booster.PreloadConfig;
import io.troupe.booster.exec.BoosterExecLocation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The LD_PRELOAD hook mode: {@code libtroupe-hook.so} (src/main/c/troupe-hook.c) in the work command's
 * LD_PRELOAD, and the rules in {@code BK_DIST_HOOK_CONFIG_CONTENT_RAW} in TBS's flattened form
 * {@code src,target|src,target|}, so the library never reads a file on the exec path.
 *
 * <p>Looked up in this order: {@code --hook_preload_library}, system property {@code troupe.hook-library},
 * {@code <troupe.home>/lib/libtroupe-hook.so}.
 */
public final class PreloadHook {

    /** The file name of the library. */
    public static final String LIBRARY_NAME = "libtroupe-hook.so";
    /** System property naming the library explicitly. */
    public static final String LIBRARY_PROPERTY = "troupe.hook-library";
    /** The rules, flattened (TBS's variable and format). */
    public static final String RULES_ENV = "BK_DIST_HOOK_CONFIG_CONTENT_RAW";
    /** Set in a hooked command's environment, so its descendants are not hooked again (TBS's name). */
    public static final String MARKER_ENV = "BK_PARENT_PROCESS_HOOKED";

    private PreloadHook() {}

    /** This installation's library, if it was built. */
    public static Optional<Path> locate() {
        String explicit = System.getProperty(LIBRARY_PROPERTY);
        if (explicit != null && !explicit.isBlank()) {
            Path path = Path.of(explicit);
            return Files.isRegularFile(path) ? Optional.of(path.toAbsolutePath()) : Optional.empty();
        }
        return BoosterExecLocation.home()
                .map(home -> home.resolve("lib").resolve(LIBRARY_NAME))
                .filter(Files::isRegularFile)
                .map(Path::toAbsolutePath);
    }

    /**
     * {@code baseEnv} plus what the work command needs for the library to hook {@code rules}: the library
     * first in LD_PRELOAD, the flattened rules, and no inherited marker (a booster run under a hooked
     * command would otherwise hook nothing).
     *
     * @throws IOException naming the rule that cannot be passed to the library
     */
    public static Map<String, String> environment(Path library, PreloadConfig rules, Map<String, String> baseEnv,
            BoosterExecLocation boosterExec) throws IOException {
        Map<String, String> env = new HashMap<>(baseEnv);
        String preload = baseEnv.get("LD_PRELOAD");
        env.put("LD_PRELOAD", preload == null || preload.isBlank() ? library.toString() : library + ":" + preload);
        env.put(RULES_ENV, flatten(rules, boosterExec));
        env.remove(MARKER_ENV);
        return env;
    }

    /**
     * The rules as {@code src,target|...}; a target naming booster-exec gets this installation's.
     *
     * @throws IOException naming a rule whose text the flat form cannot carry
     */
    static String flatten(PreloadConfig rules, BoosterExecLocation boosterExec) throws IOException {
        StringBuilder out = new StringBuilder();
        List<HookRule> hooks = rules.hooks();
        for (int i = 0; i < hooks.size(); i++) {
            HookRule rule = hooks.get(i);
            String src = rule.srcCommand() == null ? "" : rule.srcCommand().trim();
            String target = rule.targetCommand() == null ? "" : rule.targetCommand().trim();
            String where = "hook rule " + i + " (src_command \"" + rule.srcCommand() + "\")";
            if (src.isEmpty() || src.contains(",") || src.contains("|") || src.chars().anyMatch(Character::isWhitespace)) {
                throw new IOException(where + ": src_command must be a name, path or glob without blanks, ',' or '|'");
            }
            if (target.isEmpty() || target.contains("|")) {
                throw new IOException(where + ": target_command must be non-empty and without '|'");
            }
            // booster-exec is this installation's, wherever the rules file thought it was
            target = Hooks.replaceWords(target, Hooks::namesBoosterExec, String.join(" ", boosterExec.command()));
            out.append(src).append(',').append(target).append('|');
        }
        return out.toString();
    }
}
