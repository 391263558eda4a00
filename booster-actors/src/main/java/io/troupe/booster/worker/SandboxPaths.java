package io.troupe.booster.worker;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/** Path rules of a sandbox: every file a sub-work sends or brings back lives under the sandbox directory. */
public final class SandboxPaths {
    private SandboxPaths() {}

    /**
     * Checks a relative path given by a client, without touching the disk.
     *
     * @param what names the path in the error, e.g. "input file" or "result file"
     * @throws IllegalArgumentException naming the path when it is empty, absolute or escapes with {@code ..}
     */
    public static Path check(String relative, String what) {
        if (relative == null || relative.isBlank()) {
            throw new IllegalArgumentException(what + " path is empty");
        }
        if (relative.indexOf('\0') >= 0) {
            throw new IllegalArgumentException(what + " path '" + relative.replace('\0', '?') + "' contains a NUL byte");
        }
        Path path = Path.of(relative);
        if (path.isAbsolute() || relative.startsWith("/")) {
            throw new IllegalArgumentException(what + " path '" + relative
                    + "' is absolute; paths must be relative to the sandbox");
        }
        for (Path part : path) {
            if (part.toString().equals("..")) {
                throw new IllegalArgumentException(what + " path '" + relative + "' escapes the sandbox with '..'");
            }
        }
        return path.normalize();
    }

    /** {@link #check} and resolve against the sandbox. */
    public static Path resolve(Path sandbox, String relative, String what) {
        return sandbox.resolve(check(relative, what));
    }

    /**
     * Resolves an existing file and makes sure symbolic links do not lead it out of the sandbox (a command may
     * have created {@code out -> /etc/passwd}).
     *
     * @throws IOException naming the path when it resolves outside the sandbox
     */
    public static Path resolveExisting(Path sandbox, String relative, String what) throws IOException {
        Path file = resolve(sandbox, relative, what);
        Path real = file.toRealPath();
        if (!real.startsWith(sandbox.toRealPath(LinkOption.NOFOLLOW_LINKS))) {
            throw new IOException(what + " path '" + relative + "' resolves outside the sandbox (to " + real + ")");
        }
        if (!Files.isRegularFile(real)) {
            throw new IOException(what + " path '" + relative + "' is not a regular file");
        }
        return real;
    }
}
