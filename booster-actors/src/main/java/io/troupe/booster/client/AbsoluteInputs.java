package io.troupe.booster.client;

import java.util.ArrayList;
import java.util.List;

/**
 * Absolute input paths a handler declares ({@code FileDesc.remotePath} = {@code /usr/include/x.h}) live under
 * {@link #PREFIX} in the sandbox, and the command's arguments that name them, or a directory above them
 * ({@code -I/usr/include}), are rewritten to the sandbox-relative path (processes run in the sandbox).
 */
final class AbsoluteInputs {
    private AbsoluteInputs() {}

    /** Sandbox directory holding absolute inputs. */
    static final String PREFIX = "_abs";

    /**
     * The sandbox-relative path of an input's remote path: unchanged when relative, under {@link #PREFIX} when
     * absolute.
     *
     * @throws IllegalArgumentException when an absolute path has a {@code ..} component
     */
    static String sandboxPath(String remote) {
        if (remote == null || !remote.startsWith("/")) {
            return remote;
        }
        for (String part : remote.split("/")) {
            if (part.equals("..")) {
                throw new IllegalArgumentException("input file path '" + remote + "' escapes with '..'");
            }
        }
        return PREFIX + remote.replaceAll("/+", "/");
    }

    /**
     * Rewrites each argument that is, or ends in after an option prefix ({@code -I}, {@code --sysroot=}), one of
     * the {@code absolute} paths or a directory containing one.
     */
    static List<String> rewrite(List<String> params, List<String> absolute) {
        if (absolute.isEmpty() || params == null) {
            return params;
        }
        List<String> out = new ArrayList<>(params.size());
        for (String param : params) {
            int slash = param.indexOf('/');
            boolean optionPrefixed = slash > 0 && param.startsWith("-");
            if (slash == 0 || optionPrefixed) {
                String value = param.substring(slash);
                if (names(value, absolute)) {
                    out.add(param.substring(0, slash) + PREFIX + value);
                    continue;
                }
            }
            out.add(param);
        }
        return out;
    }

    private static boolean names(String value, List<String> absolute) {
        String dir = value.endsWith("/") ? value : value + "/";
        for (String path : absolute) {
            if (path.equals(value) || path.startsWith(dir)) {
                return true;
            }
        }
        return false;
    }
}
