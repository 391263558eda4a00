package io.troupe.booster.worker;

import io.troupe.booster.handler.cc.CompilerNames;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * The worker's own check of a compiler command line: the allowlist names the compiler, but some flags make a
 * compiler run or load another program of the client's choosing ({@code gcc -wrapper /bin/sh,-c,...}). A
 * remote sub-work only compiles, so such a command is refused whoever sent it, whatever the cc handler decided.
 * Which program is a compiler comes from {@link CompilerNames}, by the name asked for and by the file it
 * resolves to (so {@code cc} as a link to {@code gcc-12} counts). Pure apart from resolving that link.
 */
public final class CompilerArgvCheck {

    /** Flags (exact, or a prefix when they end in {@code =} or take a joined value) and why each is refused. */
    private static final List<String[]> PREFIXES = List.of(
            new String[] {"-fplugin", "loads a compiler plugin"},
            new String[] {"-iplugindir", "loads compiler plugins from a directory"},
            new String[] {"-fpass-plugin", "loads a compiler plugin"},
            new String[] {"-specs", "reads a spec file, which can make the compiler run other programs"},
            new String[] {"--specs", "reads a spec file, which can make the compiler run other programs"},
            new String[] {"-B", "makes the compiler run its parts from another directory"},
            new String[] {"--gcc-toolchain", "makes the compiler run tools of another directory"},
            new String[] {"-gcc-toolchain", "makes the compiler run tools of another directory"},
            new String[] {"--gcc-install-dir", "makes the compiler run tools of another directory"},
            new String[] {"--sysroot", "makes the compiler look for its tools under another root"},
            new String[] {"-isysroot", "makes the compiler look for its tools under another root"},
            new String[] {"--config", "reads a clang configuration file, which can hold any flag"},
            new String[] {"-ccc-", "changes where clang finds its programs"},
            new String[] {"--ld-path", "runs another program as the linker"});
    /** Flags that hand their argument to another tool; refused when that argument loads a plugin. */
    private static final Set<String> PASS_ON = Set.of("-Xclang", "-mllvm", "-Xlinker", "-Xassembler");

    private CompilerArgvCheck() {}

    /**
     * Why the worker refuses to run {@code executable} with {@code params}, or null when it may (or when the
     * program is not a C/C++ compiler).
     *
     * @param executable the program as it will run: a plain name looked up on PATH, or a path
     */
    public static String refusal(String executable, List<String> params) {
        if (!isCompiler(executable)) {
            return null;
        }
        for (int i = 0; i < params.size(); i++) {
            String why = refusal(params.get(i), i + 1 < params.size() ? params.get(i + 1) : null);
            if (why != null) {
                return "the worker refuses '" + executable + "' with '" + params.get(i) + "': it " + why
                        + " (a remote sub-work only compiles)";
            }
        }
        return null;
    }

    private static String refusal(String arg, String next) {
        if (arg.startsWith("@") && arg.length() > 1) {
            return "reads a response file, which can hold any flag";
        }
        if (arg.equals("-wrapper") || arg.startsWith("-wrapper=")) {
            return "runs another program around the compiler's parts";
        }
        if (arg.startsWith("-fuse-ld=") && arg.indexOf('/') >= 0) {
            return "runs another program as the linker";
        }
        if ((arg.startsWith("-Wl,") || arg.startsWith("--for-linker")) && loadsPlugin(arg)) {
            return "loads a linker plugin";
        }
        if (PASS_ON.contains(arg) && next != null && loadsPlugin(next)) {
            return "loads a plugin through " + arg + " " + next;
        }
        for (String[] prefix : PREFIXES) {
            if (arg.startsWith(prefix[0])) {
                return prefix[1];
            }
        }
        return null;
    }

    private static boolean loadsPlugin(String arg) {
        return arg.contains("plugin") || arg.startsWith("-load") || arg.contains(",-load");
    }

    /** Whether the program is a compiler driver by its own name or by the file a link leads to. */
    static boolean isCompiler(String executable) {
        if (CompilerNames.isCompiler(executable)) {
            return true;
        }
        Path found = onPath(executable);
        if (found == null) {
            return false;
        }
        try {
            return CompilerNames.isCompiler(found.toRealPath().getFileName().toString());
        } catch (IOException e) {
            return false; // it will not start either
        }
    }

    private static Path onPath(String executable) {
        if (executable == null || executable.isEmpty()) {
            return null;
        }
        if (executable.indexOf('/') >= 0) {
            return Path.of(executable);
        }
        String path = System.getenv("PATH");
        for (String dir : (path == null ? "" : path).split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, executable))) {
                return Path.of(dir, executable);
            }
        }
        return null;
    }
}
