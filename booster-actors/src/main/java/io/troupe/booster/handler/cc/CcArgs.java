package io.troupe.booster.handler.cc;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads a gcc/clang command line and decides how the cc handler runs it (a {@link CcPlan}): remote (local
 * preprocess, remote compile of the unit) or local with a reason. Pure apart from reading {@code @response} files
 * through the given reader, so it is tested with a table of command lines.
 */
public final class CcArgs {

    /** Reads a response file ({@code @file}). */
    @FunctionalInterface
    public interface ResponseFiles {
        String read(Path file) throws IOException;
    }

    /** Preprocessor options with a value, separate ({@code -I dir}) or joined ({@code -Idir}); dropped remotely. */
    static final List<String> PRE_WITH_VALUE = List.of("-iwithprefixbefore", "-iwithprefix", "-iwithsysroot",
            "-isystem-after", "-idirafter", "-iframework", "-imultilib", "-imultiarch", "-include-pch", "-isysroot",
            "-isystem", "-imacros", "-include", "-iprefix", "-iquote", "--sysroot", "-Xpreprocessor", "-I", "-D", "-U");
    /** gcc's spelled-out -M, -MM, -MD, -MMD and -MG, which it also takes abbreviated. */
    private static final List<String> LONG_DEPENDENCY_OPTIONS = List.of("--dependencies", "--user-dependencies",
            "--write-dependencies", "--write-user-dependencies", "--print-missing-file-dependencies");

    /** Whether {@code arg} is one of {@link #LONG_DEPENDENCY_OPTIONS}, or an abbreviation of one. */
    static boolean isLongDependencyOption(String arg) {
        String name = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
        return name.length() > 3 && LONG_DEPENDENCY_OPTIONS.stream().anyMatch(option -> option.startsWith(name));
    }

    /** Of those, the ones that also take a joined value. */
    private static final List<String> PRE_JOINED = List.of("-iwithprefixbefore", "-iwithprefix", "-iwithsysroot",
            "-idirafter", "-iframework", "-imultilib", "-isysroot", "-isystem", "-iprefix", "-iquote", "--sysroot=",
            "-I", "-D", "-U",
            // the preprocessed unit is in UTF-8 already: a remote compile would convert it a second time
            "-finput-charset=");
    /** Preprocessor-only options without a value; dropped remotely. */
    private static final Set<String> PRE_FLAGS = Set.of("-nostdinc", "-nostdinc++", "-undef", "-C", "-CC", "-H",
            "-trigraphs", "-fworking-directory", "-fno-working-directory", "-remap", "-traditional-cpp", "-MD", "-MMD",
            "-MP", "-MG");
    /**
     * Preprocessor flags that only shape {@code -E} output: a compile ignores them, but the local {@code -E} that
     * makes the unit would obey them ({@code -P} drops the line markers, {@code -dM} leaves only the macros).
     */
    private static final Set<String> E_OUTPUT_ONLY = Set.of("-P", "-dM", "-dD", "-dN", "-dI", "-dU");
    /** Options with a separate value that the compile needs as well; kept on both sides. */
    static final Set<String> BOTH_WITH_VALUE = Set.of("-Xassembler", "-Xlinker", "-L", "-l", "-T", "-u", "-z",
            "--param", "-target", "-arch", "-mllvm", "-Xclang", "-Xanalyzer", "-dumpbase", "-dumpdir", "-dumpbase-ext",
            "-Xopenmp-target");
    /**
     * Options that make the compiler read something of the client's, or write files of unknown names. Those that
     * make it run or load another program are {@link OtherProgramFlags}'.
     */
    private static final List<String[]> LOCAL_PREFIXES = List.of(
            new String[] {"-fprofile-use", "profile data lives on the client"},
            new String[] {"-fauto-profile", "profile data lives on the client"},
            new String[] {"-fprofile-sample-use", "profile data lives on the client"},
            new String[] {"-fprofile-instr-use", "profile data lives on the client"},
            new String[] {"-fprofile-remapping-file", "profile data lives on the client"},
            new String[] {"-fprofile-generate", "coverage and profile data record the compiling directory"},
            new String[] {"-save-temps", "-save-temps writes intermediate files of its own"},
            new String[] {"-fdump-", "dump files have names the handler does not know"},
            new String[] {"-fcallgraph-info", "-fcallgraph-info writes files the handler does not bring back"},
            new String[] {"-fsave-optimization-record", "optimization records are files the handler does not bring back"},
            new String[] {"-ftime-trace", "-ftime-trace writes files the handler does not bring back"},
            new String[] {"-fmodules", "modules need module files of the client"},
            new String[] {"-fmodule-", "modules need module files of the client"},
            new String[] {"-fcxx-modules", "modules need module files of the client"},
            new String[] {"-fprebuilt-module-path", "modules need module files of the client"},
            new String[] {"-fsanitize-blacklist=", "the flag names a file of the client"},
            new String[] {"-fsanitize-ignorelist=", "the flag names a file of the client"},
            new String[] {"-fprofile-list=", "the flag names a file of the client"},
            new String[] {"-fxray-attr-list=", "the flag names a file of the client"},
            new String[] {"-fxray-always-instrument=", "the flag names a file of the client"},
            new String[] {"-fxray-never-instrument=", "the flag names a file of the client"});
    private static final Set<String> COVERAGE = Set.of("--coverage", "-fprofile-arcs", "-ftest-coverage",
            "-fcondition-coverage");
    private static final Set<String> NATIVE = Set.of("-march=native", "-mtune=native", "-mcpu=native");
    private static final Set<String> RECORDS_COMMAND_LINE = Set.of("-frecord-gcc-switches", "-frecord-command-line",
            "-grecord-command-line");
    private static final Pattern DEBUG = Pattern.compile("-g(gdb|dwarf|dwarf-[0-9]|line-tables-only|line-directives-only|full|codeview)?([0-9])?");
    private static final int MAX_RESPONSE_DEPTH = 10;

    private CcArgs() {}

    /**
     * Classifies one compiler command line.
     *
     * @param argv the command as the build ran it; {@code argv.get(0)} is the compiler
     * @param cwd the command's working directory (absolute)
     * @param responses reads {@code @file} arguments
     */
    public static CcPlan classify(List<String> argv, Path cwd, ResponseFiles responses) {
        if (argv == null || argv.isEmpty()) {
            return CcPlan.local(null, "empty command line");
        }
        Optional<CompilerNames.Driver> found = CompilerNames.driver(argv.get(0));
        if (found.isEmpty()) {
            return CcPlan.local(null, "'" + argv.get(0) + "' is not a C/C++ compiler the cc handler knows"
                    + " (gcc, g++, cc, c++, clang, clang++, versioned or with a target prefix)");
        }
        List<String> args;
        try {
            args = expand(argv.subList(1, argv.size()), cwd, responses, 0);
        } catch (IllegalArgumentException e) {
            return CcPlan.local(found.get(), e.getMessage());
        }
        return new Reader(found.get(), cwd, args).plan();
    }

    /** Expands {@code @file} arguments the way gcc does (whitespace-separated, quotes and backslashes). */
    static List<String> expand(List<String> args, Path cwd, ResponseFiles responses, int depth) {
        List<String> out = new ArrayList<>();
        for (String arg : args) {
            if (!arg.startsWith("@") || arg.length() == 1) {
                out.add(arg);
                continue;
            }
            if (depth >= MAX_RESPONSE_DEPTH) {
                throw new IllegalArgumentException("response file " + arg + " nests deeper than " + MAX_RESPONSE_DEPTH);
            }
            String text;
            try {
                text = responses.read(cwd.resolve(arg.substring(1)));
            } catch (IOException | RuntimeException e) {
                throw new IllegalArgumentException("response file " + arg + " cannot be read: " + e.getMessage());
            }
            out.addAll(expand(tokenize(text, arg), cwd, responses, depth + 1));
        }
        return out;
    }

    /** Splits a response file like libiberty's buildargv. */
    static List<String> tokenize(String text, String name) {
        List<String> tokens = new ArrayList<>();
        StringBuilder current = null;
        char quote = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quote == 0 && Character.isWhitespace(c)) {
                if (current != null) {
                    tokens.add(current.toString());
                    current = null;
                }
                continue;
            }
            if (current == null) {
                current = new StringBuilder();
            }
            if (c == '\\' && quote != '\'') {
                if (i + 1 >= text.length()) {
                    throw new IllegalArgumentException("response file " + name + " cannot be parsed: it ends in a backslash");
                }
                current.append(text.charAt(++i));
            } else if (quote != 0 && c == quote) {
                quote = 0;
            } else if (quote == 0 && (c == '\'' || c == '"')) {
                quote = c;
            } else {
                current.append(c);
            }
        }
        if (quote != 0) {
            throw new IllegalArgumentException("response file " + name + " cannot be parsed: unterminated " + quote + " quote");
        }
        if (current != null) {
            tokens.add(current.toString());
        }
        return tokens;
    }

    /** One pass over the arguments. */
    private static final class Reader {
        private final CompilerNames.Driver driver;
        private final Path cwd;
        private final List<String> args;
        private final List<String> pre = new ArrayList<>();
        private final List<String> both = new ArrayList<>();
        private final List<String> inputs = new ArrayList<>();
        private String reason;
        private String language;
        private String inputLanguage;
        private String output;
        private boolean compile;
        private boolean assemble;
        private boolean deps;
        private boolean depFile;
        private boolean depTarget;
        private boolean debug;
        private boolean noWorkingDirectory;
        private boolean splitDwarf;
        private boolean stackUsage;

        Reader(CompilerNames.Driver driver, Path cwd, List<String> args) {
            this.driver = driver;
            this.cwd = cwd;
            this.args = args;
        }

        private void local(String why) {
            if (reason == null) {
                reason = why;
            }
        }

        /**
         * Dependencies written to stdout or a device would go to the local preprocess's output, which nobody reads
         * ({@code /dev/null} is where they are meant to go).
         */
        private void checkDependencyFile(String file) {
            if (file.equals("-") || (CcHandler.isStdinOrDevice(file) && !file.equals("/dev/null"))) {
                local("-MF " + file + ": dependency output to a stream, not a file");
            }
        }

        /** The value after option {@code i}, or null (and a reason) when it is missing. */
        private String value(int i) {
            if (i + 1 >= args.size()) {
                local(args.get(i) + " at the end of the command line has no value");
                return null;
            }
            return args.get(i + 1);
        }

        CcPlan plan() {
            for (int i = 0; i < args.size(); i++) {
                i = read(i);
            }
            return finish();
        }

        /** Reads the argument at {@code i}; returns the index of the last argument it consumed. */
        private int read(int i) {
            String a = args.get(i);
            if (!preprocessOnly(a)) {
                // the same list the worker refuses by: such a command would only fail there
                OtherProgramFlags.Hit hit = OtherProgramFlags.find(args, i);
                if (hit != null) {
                    local(describe(hit, a));
                    return hit.withValue() ? i + 1 : i;
                }
            }
            switch (a) {
                case "-c":
                    compile = true;
                    return i;
                case "-S":
                    assemble = true;
                    return i;
                case "-E":
                    local("-E: preprocessing only, there is nothing to compile remotely");
                    return i;
                case "-M":
                case "-MM":
                    local(a + " without -MD: dependency output only, no object");
                    return i;
                case "-o":
                    output = value(i);
                    return i + 1;
                case "-x":
                    language = value(i);
                    addPre(a, language);
                    return i + 1;
                case "-":
                    inputs.add(a);
                    return i;
                case "-MF":
                case "-MT":
                case "-MQ":
                    depFile |= a.equals("-MF");
                    depTarget |= !a.equals("-MF");
                    if (a.equals("-MF") && i + 1 < args.size()) {
                        checkDependencyFile(args.get(i + 1));
                    }
                    addPre(a, value(i));
                    return i + 1;
                case "-MJ":
                case "-aux-info":
                    local(a + " writes a file the handler does not bring back");
                    return i + 1;
                default:
                    break;
            }
            if (a.startsWith("-o")) {
                output = a.substring(2);
            } else if (a.startsWith("-x")) {
                language = a.substring(2);
                pre.add(a);
            } else if (a.equals("-MD") || a.equals("-MMD")) {
                deps = true;
                pre.add(a);
            } else if (a.startsWith("-MF") || a.startsWith("-MT") || a.startsWith("-MQ")) {
                depFile |= a.startsWith("-MF");
                depTarget |= !a.startsWith("-MF");
                if (a.startsWith("-MF")) {
                    checkDependencyFile(a.substring(3));
                }
                pre.add(a);
            } else if (isLongDependencyOption(a)) {
                local(a + ": a spelled-out dependency option (the handler reads -M, -MD, -MMD and their -M* companions)");
            } else if (E_OUTPUT_ONLY.contains(a)) {
                return i; // as the compiler itself ignores it without -E
            } else if (a.equals("-Xpreprocessor") && i + 1 < args.size() && E_OUTPUT_ONLY.contains(args.get(i + 1))) {
                return i + 1;
            } else if (PRE_WITH_VALUE.contains(a)) {
                addPre(a, value(i));
                return i + 1;
            } else if (PRE_FLAGS.contains(a)) {
                noWorkingDirectory = a.equals("-fno-working-directory") || (noWorkingDirectory && !a.equals("-fworking-directory"));
                pre.add(a);
            } else if (a.startsWith("-Wp,")) {
                if (a.contains("-M")) {
                    local(a + ": dependency output through -Wp would name the preprocessed file as its target");
                }
                List<String> kept = new ArrayList<>();
                for (String item : a.substring(4).split(",")) {
                    if (!E_OUTPUT_ONLY.contains(item)) {
                        kept.add(item);
                    }
                }
                if (!kept.isEmpty()) {
                    pre.add("-Wp," + String.join(",", kept));
                }
            } else if (BOTH_WITH_VALUE.contains(a)) {
                if (a.equals("-Xassembler") && i + 1 < args.size()) {
                    assemblerOption(args.get(i + 1));
                }
                addBoth(a, value(i));
                return i + 1;
            } else if (startsWithAny(a, PRE_JOINED)) {
                pre.add(a);
            } else if (a.startsWith("-")) {
                option(a);
                pre.add(a);
                both.add(a);
            } else {
                inputs.add(a);
                inputLanguage = language == null || language.equals("none") ? null : language;
                pre.add(a);
            }
            return i;
        }

        /** Options only the local preprocess gets: what they name never reaches the worker. */
        private static boolean preprocessOnly(String a) {
            return PRE_WITH_VALUE.contains(a) || startsWithAny(a, PRE_JOINED) || a.startsWith("-Wp,");
        }

        /** An assembler option that writes a file of its own (a listing, gas's dependency file) stays local. */
        private void assemblerOption(String item) {
            if (item.startsWith("-a") || item.startsWith("--MD") || item.equals("-MD") || item.startsWith("--listing")) {
                local("assembler option " + item + " writes a file (or a listing) the handler does not bring back");
            }
        }

        private void option(String a) {
            if (a.startsWith("-Wa,")) {
                for (String item : a.substring(4).split(",")) {
                    assemblerOption(item);
                }
            }
            if (a.equals("-fverbose-asm")) {
                local("-fverbose-asm quotes source lines, which the worker does not have");
            }
            if (NATIVE.contains(a)) {
                local(a + ": the worker's CPU may differ from this machine's");
            } else if (COVERAGE.contains(a)) {
                local(a + ": coverage and profile data record the compiling directory");
            } else if (RECORDS_COMMAND_LINE.contains(a)) {
                local(a + " records the compiler's command line, which differs remotely, in the object");
            } else if (a.equals("-fsyntax-only")) {
                local("-fsyntax-only: no object to bring back");
            } else if (a.startsWith("-fopt-info") && a.contains("=")) {
                local(a + " writes a file the handler does not bring back");
            } else if (a.equals("-gsplit-dwarf") || a.startsWith("-gsplit-dwarf=")) {
                splitDwarf = true;
            } else if (a.equals("-fstack-usage")) {
                stackUsage = true;
            } else {
                var debugMatch = DEBUG.matcher(a);
                if (debugMatch.matches()) {
                    debug = !"0".equals(debugMatch.group(2));
                    return;
                }
                for (String[] prefix : LOCAL_PREFIXES) {
                    if (a.startsWith(prefix[0])) {
                        local(a + ": " + prefix[1]);
                        return;
                    }
                }
            }
        }

        private void addPre(String option, String value) {
            pre.add(option);
            if (value != null) {
                pre.add(value);
            }
        }

        private void addBoth(String option, String value) {
            addPre(option, value);
            both.add(option);
            if (value != null) {
                both.add(value);
            }
        }

        private static boolean startsWithAny(String a, List<String> prefixes) {
            for (String prefix : prefixes) {
                if (a.startsWith(prefix) && a.length() > prefix.length()) {
                    return true;
                }
            }
            return false;
        }

        private CcPlan finish() {
            if (reason == null) {
                checkShape();
            }
            String lang = reason == null ? languageOf(inputs.get(0)) : null;
            if (reason != null) {
                return CcPlan.local(driver, reason);
            }
            String source = inputs.get(0);
            String object = output != null ? output : stem(fileName(source)) + (assemble ? ".s" : ".o");
            if (object.endsWith(".gch") || object.endsWith(".pch")) {
                return CcPlan.local(driver, "precompiled header output (" + object + ")");
            }
            if (debug && noWorkingDirectory && driver.family() == CompilerNames.Family.GCC) {
                return CcPlan.local(driver, "-fno-working-directory with -g: DW_AT_comp_dir would name the worker's directory");
            }
            if (deps && !depFile) {
                pre.add("-MF");
                pre.add(stem(output != null ? output : fileName(source)) + ".d");
            }
            if (deps && !depTarget) {
                // with -E the default target would be named after the preprocessed file, not the object
                pre.add("-MQ");
                pre.add(object);
            }
            pre.add("-E");

            Path objectPath = Path.of(object).normalize();
            String workDir;
            String remoteObject;
            if (!objectPath.isAbsolute() && !objectPath.startsWith("..") && !objectPath.toString().isEmpty()) {
                workDir = cwd.toString();
                remoteObject = objectPath.toString();
            } else {
                if (splitDwarf) {
                    return CcPlan.local(driver, "-gsplit-dwarf with the object outside the working directory ("
                            + object + "): the .dwo name recorded in the object would differ");
                }
                Path absolute = cwd.resolve(object).normalize();
                workDir = absolute.getParent().toString();
                remoteObject = absolute.getFileName().toString();
            }
            String directory = remoteObject.contains("/") ? remoteObject.substring(0, remoteObject.lastIndexOf('/') + 1) : "";
            boolean cxx = lang.equals("c++");
            String remoteInput = directory + stem(fileName(source)) + (cxx ? ".ii" : ".i");
            List<String> results = new ArrayList<>();
            results.add(remoteObject);
            if (stackUsage) {
                results.add(stem(remoteObject) + ".su");
            }
            if (splitDwarf && !assemble) {
                results.add(stem(remoteObject) + ".dwo");
            }
            if (results.contains(remoteInput)) {
                remoteInput = remoteInput + ".troupe";
            }
            List<String> remote = new ArrayList<>(both);
            remote.add(assemble ? "-S" : "-c");
            if (!assemble && driver.family() == CompilerNames.Family.GCC && !both.contains("-pipe")) {
                // cc1 hands its assembly to as through a pipe, not a temporary file: ~1.7 ms less per compile, same object
                remote.add("-pipe");
            }
            remote.add("-o");
            remote.add(remoteObject);
            if (debug && driver.family() == CompilerNames.Family.CLANG) {
                // clang's preprocessed output carries no working-directory line, so say it explicitly
                remote.add("-fdebug-compilation-dir=" + cwd);
            }
            remote.add("-x");
            remote.add(cxx ? "c++-cpp-output" : "cpp-output");
            remote.add(remoteInput);
            for (int i = 0; i < remote.size(); i++) {
                // file names can look like such flags too ("-o -Bx.o"); the worker would refuse them
                OtherProgramFlags.Hit hit = OtherProgramFlags.find(remote, i);
                if (hit != null) {
                    return CcPlan.local(driver, "the remote compile would read '" + remote.get(i) + "' as a flag: "
                            + describe(hit, remote.get(i)));
                }
            }
            return new CcPlan(null, driver, pre, workDir, remoteInput, remote, results, source);
        }

        /** Reasons that depend on the whole command line. */
        private void checkShape() {
            if (inputs.isEmpty()) {
                local("no input file");
            } else if (inputs.size() > 1 && !compile && !assemble) {
                local("linking, or no -c/-S: only compiles run remotely"); // a link of several objects says so
            } else if (inputs.size() > 1) {
                local("more than one input file (" + String.join(" ", inputs) + ")");
            } else if (inputs.get(0).equals("-")) {
                local("input from stdin (-)");
            } else if (CcHandler.isStdinOrDevice(inputs.get(0))) {
                local("input from stdin or a device (" + inputs.get(0) + ")");
            } else if (!compile && !assemble) {
                local("linking, or no -c/-S: only compiles run remotely");
            } else if ("-".equals(output)) {
                local("output to stdout (-o -)");
            } else if (output != null && output.startsWith("/dev/")) {
                local("output to a device (" + output + ")");
            } else if (output != null && output.isEmpty()) {
                local("-o with an empty file name");
            } else if (fileName(inputs.get(0)).startsWith("conftest.")
                    || (output != null && fileName(output).startsWith("conftest."))) {
                local("configure test (conftest.*): runs where its results are used");
            }
        }

        /** "c" or "c++", or null with a reason. */
        private String languageOf(String source) {
            String lang = inputLanguage;
            if (lang == null) {
                String name = fileName(source);
                String ext = name.contains(".") ? name.substring(name.lastIndexOf('.') + 1) : "";
                lang = switch (ext) {
                    case "c" -> driver.cxx() ? "c++" : "c";
                    case "cc", "cp", "cxx", "cpp", "CPP", "c++", "C" -> "c++";
                    case "h", "H", "hh", "hp", "hxx", "hpp", "HPP", "h++", "tcc" -> driver.cxx() ? "c++-header" : "c-header";
                    case "i" -> "cpp-output";
                    case "ii" -> "c++-cpp-output";
                    case "s" -> "assembler";
                    case "S", "sx" -> "assembler-with-cpp";
                    case "m", "mi" -> "objective-c";
                    case "mm", "M", "mii" -> "objective-c++";
                    default -> null;
                };
                if (lang == null) {
                    local("input '" + source + "' is not a C or C++ source file");
                    return null;
                }
            }
            if (lang.equals("c") || lang.equals("c++")) {
                return lang;
            }
            if (lang.contains("header")) {
                local("precompiled header output (" + lang + " input " + source + ")");
            } else if (lang.endsWith("cpp-output")) {
                local("input '" + source + "' is already preprocessed (" + lang + ")");
            } else if (lang.startsWith("assembler")) {
                local("assembler input (" + source + ")");
            } else {
                local("language '" + lang + "' of " + source + " is not distributed (only C and C++)");
            }
            return null;
        }
    }

    /** A local reason for a flag of {@link OtherProgramFlags}: "-B points the compiler ... (-B/opt/bin)". */
    private static String describe(OtherProgramFlags.Hit hit, String arg) {
        boolean joined = arg.startsWith(hit.flag()) && !arg.equals(hit.flag());
        return hit.flag() + " " + hit.why() + " on the worker" + (joined ? " (" + arg + ")" : "");
    }

    private static String fileName(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }

    /** The path without the last extension of its file name ({@code obj/a.b.o} → {@code obj/a.b}). */
    static String stem(String path) {
        int slash = path.lastIndexOf('/');
        int dot = path.lastIndexOf('.');
        return dot > slash + 1 ? path.substring(0, dot) : path;
    }
}
