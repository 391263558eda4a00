package io.troupe.booster.worker;

import io.troupe.booster.handler.cc.CompilerNames;
import io.troupe.booster.handler.cc.OtherProgramFlags;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The worker's own check of a compiler command line: the allowlist names the compiler, but some flags make a
 * compiler run or load another program of the client's choosing ({@code gcc -wrapper /bin/sh,-c,...}). A
 * remote sub-work only compiles, so such a command is refused whoever sent it, whatever the cc handler decided.
 * Which flags those are comes from {@link OtherProgramFlags}, the list the cc handler keeps commands local by.
 * Which program is a compiler comes from {@link CompilerNames}, by the name asked for and by the file it
 * resolves to (so {@code cc} as a link to {@code gcc-12} counts). Pure apart from resolving that link.
 */
public final class CompilerArgvCheck {

    private CompilerArgvCheck() {}

    /**
     * Why the worker refuses to run {@code executable} with {@code params}, or null when it may (or when the
     * program is not a C/C++ compiler).
     *
     * @param executable the program as it will run: a plain name looked up on PATH, or a path
     */
    public static String refusal(String executable, List<String> params) {
        for (int i = 0; i < params.size(); i++) {
            OtherProgramFlags.Hit hit = OtherProgramFlags.find(params, i);
            if (hit == null) {
                continue;
            }
            // the flags first: only a command with one has its program looked up on PATH (a stat per directory)
            if (!isCompiler(executable)) {
                return null;
            }
            String arg = params.get(i);
            // a value handed on to another tool ("-Xclang -load") is named, the flag itself is in the quotes
            String through = hit.flag().startsWith(arg + " ") ? " through " + hit.flag() : "";
            return "the worker refuses '" + executable + "' with '" + arg + "': it " + hit.why() + through
                    + " (a remote sub-work only compiles)";
        }
        return null;
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
