package io.troupe.booster.handler.cc;

import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which program names are C/C++ compiler drivers: gcc, g++, cc, c++, clang, clang++, bare or absolute, with a
 * version suffix ({@code gcc-12}, {@code clang++-16}) and/or a target triplet prefix ({@code x86_64-linux-gnu-g++-12}).
 */
public final class CompilerNames {

    /** The plain driver names, in the order the worker probes them. */
    public static final List<String> PLAIN = List.of("gcc", "g++", "cc", "c++", "clang", "clang++");

    // a triplet has at least two dash-separated parts before the driver name, so c89-gcc or gcc-ar-12 do not match
    private static final Pattern NAME = Pattern.compile(
            "(?:[A-Za-z0-9_]+(?:-[A-Za-z0-9_.]+){1,4}-)?(gcc|g\\+\\+|cc|c\\+\\+|clang|clang\\+\\+)(?:-[0-9]+(?:\\.[0-9]+)*)?");

    /** The kind of driver: it decides a few flags (clang needs {@code -fdebug-compilation-dir}). */
    public enum Family { GCC, CLANG }

    /**
     * A recognised driver.
     *
     * @param base the driver without triplet and version ({@code g++})
     * @param family gcc or clang
     * @param cxx whether it is a C++ driver (g++, c++, clang++), which compiles {@code .c} files as C++
     */
    public record Driver(String base, Family family, boolean cxx) {}

    private CompilerNames() {}

    /** The driver {@code program} names (a bare name or a path), or empty when it is not a C/C++ compiler. */
    public static Optional<Driver> driver(String program) {
        if (program == null || program.isEmpty()) {
            return Optional.empty();
        }
        String name = program.substring(program.lastIndexOf('/') + 1);
        Matcher matcher = NAME.matcher(name);
        if (!matcher.matches()) {
            return Optional.empty();
        }
        String base = matcher.group(1);
        return Optional.of(new Driver(base, base.startsWith("clang") ? Family.CLANG : Family.GCC, base.endsWith("++")));
    }

    /** Whether {@code program} names a C/C++ compiler driver. */
    public static boolean isCompiler(String program) {
        return driver(program).isPresent();
    }
}
