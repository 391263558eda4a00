package io.troupe.booster.handler.cc;

import java.util.List;
import java.util.Map;

/**
 * The one list of gcc/clang flags that make the compiler run or load a program other than its own parts
 * ({@code gcc -wrapper /bin/sh,-c,...}, plugins, spec files, another tool directory, response files). Two
 * users: the cc handler keeps such a command local with the reason, and the worker refuses it
 * ({@code worker.CompilerArgvCheck}) whatever the handler decided. Pure.
 */
public final class OtherProgramFlags {

    /**
     * A flag found on a command line.
     *
     * @param flag the flag as listed ({@code -B} for {@code -B/opt/bin}); for an option that hands its value to
     *     another tool, the option and that value ({@code -Xclang -load})
     * @param why what it makes the compiler do, a verb phrase ("loads a compiler plugin")
     * @param withValue whether the next argument belongs to it (its separate value)
     */
    public record Hit(String flag, String why, boolean withValue) {}

    /** A flag that matches as a prefix, and whether its exact form takes the next argument as its value. */
    private record Entry(String prefix, boolean separateValue, String why) {}

    private static final String PLUGIN = "loads a compiler plugin";
    private static final String SPECS = "reads a spec file, which can make the compiler run other programs";
    private static final String TOOLCHAIN = "makes the compiler use tools of a client directory";
    private static final String ROOT = "makes the compiler look for its tools under another root";
    private static final String LINKER = "runs another program as the linker";

    /** Prefix matches, longest first where one prefix starts another. */
    private static final List<Entry> ENTRIES = List.of(
            new Entry("-wrapper", true, "runs another program around the compiler's parts"),
            new Entry("-fplugin", false, PLUGIN),
            new Entry("-fpass-plugin", false, PLUGIN),
            new Entry("-iplugindir", true, "loads compiler plugins from a directory"),
            new Entry("-specs", true, SPECS),
            new Entry("--specs", true, SPECS),
            new Entry("-B", true, "points the compiler at programs in another directory"),
            new Entry("--gcc-toolchain", true, TOOLCHAIN),
            new Entry("-gcc-toolchain", true, TOOLCHAIN),
            new Entry("--gcc-install-dir", true, TOOLCHAIN),
            new Entry("--sysroot", true, ROOT),
            new Entry("-isysroot", true, ROOT),
            new Entry("--config", true, "reads a clang configuration file, which can hold any flag"),
            new Entry("-ccc-", false, "changes where clang finds its programs"),
            new Entry("--ld-path", true, LINKER));

    /** Options whose value goes to another tool, and what a plugin-loading value there loads. */
    private static final Map<String, String> PASS_ON = Map.of(
            "-Xclang", "loads a clang plugin",
            "-mllvm", "loads an LLVM plugin",
            "-Xlinker", "loads a linker plugin",
            "-Xassembler", "loads an assembler plugin");

    private OtherProgramFlags() {}

    /**
     * The flag at {@code args.get(i)} (with the next argument where that is its value), or null when it makes
     * the compiler run nothing else.
     */
    public static Hit find(List<String> args, int i) {
        String arg = args.get(i);
        String next = i + 1 < args.size() ? args.get(i + 1) : null;
        Hit listed = listed(arg);
        if (listed != null) {
            return listed;
        }
        if (arg.startsWith("-fuse-ld=") && arg.indexOf('/') >= 0) {
            return new Hit("-fuse-ld", LINKER, false);
        }
        if ((arg.startsWith("-Wl,") || arg.startsWith("--for-linker")) && loadsPlugin(arg)) {
            return new Hit(arg.startsWith("-Wl,") ? "-Wl" : "--for-linker", "loads a linker plugin", false);
        }
        if (arg.startsWith("-Wp,")) {
            // cc1 gets each item as an option of its own: -Wp,-fplugin=./p.so loads a plugin as -fplugin= would
            for (String item : arg.substring(4).split(",")) {
                Hit hit = ofItem(item);
                if (hit != null) {
                    return new Hit("-Wp," + hit.flag(), hit.why(), false);
                }
            }
        }
        if (arg.equals("-Xpreprocessor") && next != null) {
            Hit hit = ofItem(next);
            return hit == null ? null : new Hit("-Xpreprocessor " + hit.flag(), hit.why(), true);
        }
        String passOn = PASS_ON.get(arg);
        if (passOn != null) {
            return next != null && loadsPlugin(next) ? new Hit(arg + " " + next, passOn, true) : null;
        }
        return null;
    }

    /** A response file or a flag of {@link #ENTRIES} at {@code arg}, or null. */
    private static Hit listed(String arg) {
        if (arg.startsWith("@") && arg.length() > 1) {
            return new Hit("@file", "reads a response file, which can hold any flag", false);
        }
        for (Entry entry : ENTRIES) {
            if (arg.startsWith(entry.prefix())) {
                return new Hit(entry.prefix(), entry.why(), entry.separateValue() && arg.equals(entry.prefix()));
            }
        }
        return null;
    }

    /** A flag among the items another option hands to the preprocessor (no item takes the next one), or null. */
    private static Hit ofItem(String item) {
        Hit hit = listed(item);
        if (hit != null) {
            return new Hit(hit.flag(), hit.why(), false);
        }
        return loadsPlugin(item) ? new Hit(item, PLUGIN, false) : null;
    }

    /** Whether an argument handed to the linker, clang's frontend or LLVM loads a plugin. */
    private static boolean loadsPlugin(String arg) {
        return arg.contains("plugin") || arg.startsWith("-load") || arg.contains(",-load");
    }
}
