package io.troupe.booster.hook;

import io.troupe.api.booster.HookRule;
import io.troupe.api.booster.PreloadConfig;
import io.troupe.booster.exec.BoosterExec;
import io.troupe.booster.exec.BoosterExecLocation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PATH-shim hooks: a directory of small executables named after each plain {@code src_command}, put first
 * on PATH, each running the rule's {@code target_command} (normally booster-exec).
 *
 * <p>A rule whose target is just booster-exec ({@code booster-exec $SRC_CMD}, any path ending in
 * {@code /booster-exec}, or TBS's {@code bk-dist-executor}) becomes a symlink to the native booster-exec,
 * which reads the command name from how it was called: no shell, no extra process. Any other target
 * becomes a {@code /bin/sh} script that takes the shim directory off PATH and execs the target with
 * {@code $SRC_CMD} replaced by the original command line. Either way the real command is found on PATH
 * without the shim directory, so nothing recurses into a shim and children of a hooked command are not
 * hooked again. Globs and paths in {@code src_command} need the LD_PRELOAD mode and are skipped here
 * ({@link Hooks} warns about them).
 *
 * <p>The directory may be shared by concurrent boosters and outlive the work ({@link ShimCache}): a shim
 * that is already right is left alone, and a new one replaces the old by an atomic rename.
 */
public final class PathShims {

    /** The placeholder TBS rules use for the intercepted command line. */
    public static final String SRC_CMD = "$SRC_CMD";

    /** Looked up on first use: shims are made before the work command starts, logging's start (≈ 0.1 s) can wait. */
    private static Logger log() {
        return LoggerFactory.getLogger(PathShims.class);
    }
    private static final Pattern GLOB = Pattern.compile("[*?\\[\\]]");
    private static final String DEFAULT_PATH = "/usr/local/bin:/usr/bin:/bin";

    private PathShims() {}

    /**
     * Writes the shims for {@code rules} into {@code shimDir} and returns the environment the work command
     * must run with ({@code baseEnv} plus PATH with {@code shimDir} first, and whatever booster-exec needs).
     *
     * @throws IOException naming the rule or file that could not be installed
     */
    public static Map<String, String> install(Path shimDir, PreloadConfig rules, Map<String, String> baseEnv)
            throws IOException {
        return install(shimDir, rules, baseEnv, BoosterExecLocation.locate());
    }

    /** {@link #install(Path, PreloadConfig, Map)} with the rules read from {@code rulesFile}. */
    public static Map<String, String> installFromFile(Path shimDir, Path rulesFile, Map<String, String> baseEnv)
            throws IOException {
        return install(shimDir, PreloadConfig.fromFile(rulesFile), baseEnv);
    }

    /** As {@link #install(Path, PreloadConfig, Map)}, with an explicit booster-exec. */
    public static Map<String, String> install(Path shimDir, PreloadConfig rules, Map<String, String> baseEnv,
            BoosterExecLocation boosterExec) throws IOException {
        Path dir = shimDir.toAbsolutePath().normalize();
        Files.createDirectories(dir);
        Set<String> installed = new HashSet<>();
        List<HookRule> hooks = rules.hooks();
        for (int i = 0; i < hooks.size(); i++) {
            HookRule rule = hooks.get(i);
            String src = rule.srcCommand().trim();
            String where = "hook rule " + i + " (src_command \"" + rule.srcCommand() + "\")";
            if (src.contains("/") || GLOB.matcher(src).find()) {
                log().debug("{}: paths and globs need --hook_mode preload; skipped in PATH-shim mode", where);
                continue;
            }
            if (src.isEmpty() || src.equals(".") || src.equals("..") || src.chars().anyMatch(Character::isWhitespace)) {
                throw new IOException(where + ": not a command name");
            }
            if (!installed.add(src)) {
                log().warn("{}: an earlier rule already hooks {}; the first rule wins", where, src);
                continue;
            }
            try {
                installShim(dir, src, rule.targetCommand().trim(), boosterExec, i);
            } catch (IOException e) {
                throw new IOException(where + ": cannot write shim " + dir.resolve(src) + ": " + e.getMessage(), e);
            }
        }
        Map<String, String> env = new HashMap<>(baseEnv);
        env.put("PATH", dir + ":" + BoosterExec.cleanPath(baseEnv.getOrDefault("PATH", DEFAULT_PATH), dir.toString()));
        env.put(BoosterExec.SHIM_DIR_ENV, dir.toString());
        return env;
    }

    private static void installShim(Path dir, String src, String target, BoosterExecLocation boosterExec, int index)
            throws IOException {
        Path shim = dir.resolve(src);
        String[] words = target.split("\\s+");
        boolean plainBoosterExec = words.length == 2 && Hooks.namesBoosterExec(words[0]) && words[1].equals(SRC_CMD);
        if (plainBoosterExec && boosterExec.nativeBinary().isPresent()) {
            Path binary = boosterExec.nativeBinary().get();
            if (Files.isSymbolicLink(shim) && Files.readSymbolicLink(shim).equals(binary)) {
                return;
            }
            Path temp = dir.resolve("." + src + "." + ProcessHandle.current().pid() + "." + System.nanoTime() + ".tmp");
            Files.createSymbolicLink(temp, binary);
            Files.move(temp, shim, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return;
        }
        String script = script(dir, src, words, boosterExec, index);
        if (Files.isRegularFile(shim, LinkOption.NOFOLLOW_LINKS) && Files.isExecutable(shim)
                && script.equals(Files.readString(shim))) {
            return;
        }
        Path temp = Files.createTempFile(dir, "." + src, ".tmp");
        Files.writeString(temp, script);
        Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.move(temp, shim, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static String script(Path dir, String src, String[] words, BoosterExecLocation boosterExec,
            int index) {
        // booster-exec is this installation's, wherever the rules file thought it was
        String command = Hooks.replaceWords(String.join(" ", words), Hooks::namesBoosterExec,
                String.join(" ", boosterExec.command().stream().map(PathShims::quote).toList()));
        String original = quote(src) + " \"$@\"";
        command = command.contains(SRC_CMD) ? command.replace(SRC_CMD, original) : command;
        return "#!/bin/sh\n"
                + "# Troupe PATH shim for '" + src + "' (hook rule " + index + "); outside a booster it runs the real command.\n"
                + "# Takes the shim directory off PATH so the real command is found and its children are not hooked.\n"
                + "troupe_shims=" + quote(dir.toString()) + "\n"
                + "troupe_path=\n"
                + "troupe_rest=\"$PATH:\"\n"
                + "while [ -n \"$troupe_rest\" ]; do\n"
                + "  troupe_entry=\"${troupe_rest%%:*}\"\n"
                + "  troupe_rest=\"${troupe_rest#*:}\"\n"
                + "  [ \"$troupe_entry\" = \"$troupe_shims\" ] || [ \"$troupe_entry\" = \"$troupe_shims/\" ] || "
                + "troupe_path=\"${troupe_path:+$troupe_path:}$troupe_entry\"\n"
                + "done\n"
                + "PATH=\"$troupe_path\"; export PATH\n"
                + "exec " + command + "\n";
    }

    /** {@code s} as one single-quoted shell word. */
    static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }
}
