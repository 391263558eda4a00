package io.troupe.booster.handler.cc;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The gcc driver's own preprocess command, run without the driver: {@code gcc -E} is a driver that execs
 * {@code cc1 -E} with options from its specs (target, multiarch, the file names it derives), and starting that
 * driver is about a fifth of a trivial preprocess (1.2 ms of 5.4 here). The driver prints the command it would run
 * with {@code -###}; that is learnt once per command shape (the command line with the source's and the output's
 * file stems, and the values of {@code -MF}, {@code -MT} and {@code -MQ}, taken out), checked against the driver's
 * answer for the real command, and reused for every later command of the shape with their names put back.
 * docs/booster-execution.md, "Preprocessing without the driver", lists the conditions.
 *
 * <p>A shape is used only when the driver runs exactly one program for it, {@code cc1} or {@code cc1plus} with
 * {@code -E}, prints no message, and its command for the real names is the learnt one with the names put back.
 * Anything else (clang, another driver, a shape whose names the driver transforms in other ways) keeps the driver.
 */
final class DirectPreprocess {
    /** Environment variable of the build that turns it off ({@code off}): every preprocess then runs the driver. */
    static final String SWITCH = "TROUPE_CC_DIRECT_PREPROCESS";
    /** The shapes one JVM keeps (a controller serves many builds); all are forgotten when more come. */
    static final int SHAPES = 1024;
    /** Variables the driver reads to find its programs and specs: a shape learnt under other values is another. */
    private static final List<String> DRIVER_ENV = List.of("PATH", "COMPILER_PATH", "LIBRARY_PATH");
    private static final String TOKEN = "TrOuPe";
    private static final String SOURCE_STEM = TOKEN + "S0x";
    private static final String OUTPUT_STEM = TOKEN + "O0x";
    private static final long PROBE_TIMEOUT_SECONDS = 30;
    private static final java.util.regex.Pattern ASSIGNMENT = java.util.regex.Pattern.compile("[A-Z_][A-Z0-9_]*=.*");

    /** The command to run and what to add to the build's environment, as the driver would. */
    record Direct(List<String> argv, Map<String, String> env) {}

    /** A learnt shape: the driver's command and environment with the tokens still in. */
    private record Learnt(List<String> argv, Map<String, String> env) {}

    record Templated(List<String> argv, Map<String, String> values) {}

    /** What the driver printed for one command under {@code -###}, or empty when it is not a single cc1 -E. */
    record DriverCommand(List<String> argv, Map<String, String> env) {}

    static final DirectPreprocess SHARED = new DirectPreprocess();

    private final Map<String, Optional<Learnt>> shapes = new ConcurrentHashMap<>();
    private final AtomicLong probes = new AtomicLong();

    /** How many times a driver was asked with {@code -###} (two per new shape): for tests. */
    long probes() {
        return probes.get();
    }

    /**
     * The command that does what {@code compiler argv} does, without the driver; empty to run the driver.
     *
     * @param argv the driver's arguments after the program: the preprocess flags, {@code -E}, {@code -o <unit>}
     * @param source the input file as {@code argv} names it (once)
     * @param toolchain the compiler binary's identity (a reinstalled compiler is another shape)
     */
    Optional<Direct> commandFor(Path compiler, String toolchain, List<String> argv, String source, Path cwd,
            Map<String, String> env) throws InterruptedException {
        if ("off".equals(env.get(SWITCH))) {
            return Optional.empty();
        }
        Templated templated = template(argv, source);
        if (templated == null) {
            return Optional.empty();
        }
        StringBuilder key = new StringBuilder(compiler.toString()).append('\0').append(toolchain).append('\0')
                .append(cwd).append('\0');
        env.forEach((name, value) -> {
            if (DRIVER_ENV.contains(name) || name.startsWith("GCC_")) {
                key.append(name).append('=').append(value).append('\0');
            }
        });
        templated.argv().forEach(arg -> key.append(arg).append('\0'));
        String shape = key.toString();
        Optional<Learnt> learnt = shapes.get(shape);
        if (learnt == null) {
            learnt = learn(compiler, argv, templated, cwd, env);
            if (shapes.size() >= SHAPES) {
                shapes.clear();
            }
            shapes.putIfAbsent(shape, learnt);
        }
        return learnt.map(l -> new Direct(substitute(l.argv(), templated.values()), substitute(l.env(), templated.values())));
    }

    /**
     * The command line with the source's and output's stems and the dependency names replaced by tokens; null when
     * it cannot be (the source not named once, no {@code -o} last, a name with no stem, a token already in it).
     */
    static Templated template(List<String> argv, String source) {
        int n = argv.size();
        if (n < 3 || !argv.get(n - 2).equals("-o") || argv.stream().anyMatch(arg -> arg.contains(TOKEN))) {
            return null;
        }
        Map<String, String> values = new HashMap<>();
        List<String> out = new ArrayList<>(n);
        int sources = 0;
        for (int i = 0; i < n; i++) {
            String arg = argv.get(i);
            if (i == n - 1) {
                arg = stemToken(arg, OUTPUT_STEM, values);
            } else if (arg.equals(source)) {
                sources++;
                arg = stemToken(arg, SOURCE_STEM, values);
            } else if (i > 0 && isDependencyName(argv.get(i - 1))) {
                String token = TOKEN + "A" + i + "x";
                values.put(token, arg);
                arg = token;
            }
            if (arg == null) {
                return null;
            }
            out.add(arg);
        }
        return sources == 1 ? new Templated(out, values) : null;
    }

    private static boolean isDependencyName(String option) {
        return option.equals("-MF") || option.equals("-MT") || option.equals("-MQ");
    }

    /** {@code dir/stem.ext} as {@code dir/<token>.ext}, the stem remembered; null without one (a name like {@code .c}). */
    private static String stemToken(String path, String token, Map<String, String> values) {
        int slash = path.lastIndexOf('/');
        String name = path.substring(slash + 1);
        int dot = name.lastIndexOf('.');
        String stem = dot > 0 ? name.substring(0, dot) : name;
        if (stem.isEmpty() || name.startsWith(".") || name.startsWith("-") || name.startsWith("@")) {
            return null;
        }
        values.put(token, stem);
        return path.substring(0, slash + 1) + token + name.substring(stem.length());
    }

    private Optional<Learnt> learn(Path compiler, List<String> argv, Templated templated, Path cwd,
            Map<String, String> env) throws InterruptedException {
        Optional<DriverCommand> shaped = ask(compiler, templated.argv(), cwd, env);
        if (shaped.isEmpty()) {
            return Optional.empty();
        }
        Learnt learnt = new Learnt(shaped.get().argv(), shaped.get().env());
        // the driver's answer for the real names must be the learnt one with them put back: else it derives them otherwise
        Optional<DriverCommand> real = ask(compiler, argv, cwd, env);
        if (real.isEmpty() || !real.get().argv().equals(substitute(learnt.argv(), templated.values()))
                || !real.get().env().equals(substitute(learnt.env(), templated.values()))) {
            return Optional.empty();
        }
        return Optional.of(learnt);
    }

    /** Runs {@code compiler -### argv} as the preprocess would run, in the C locale so that its lines parse. */
    private Optional<DriverCommand> ask(Path compiler, List<String> argv, Path cwd, Map<String, String> env)
            throws InterruptedException {
        probes.incrementAndGet();
        List<String> command = new ArrayList<>();
        command.add(compiler.toString());
        command.add("-###");
        command.addAll(argv);
        ProcessBuilder builder = new ProcessBuilder(command).directory(cwd.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true);
        builder.environment().clear();
        builder.environment().putAll(env);
        builder.environment().put("LC_ALL", "C");
        String printed;
        try {
            Process process = builder.start();
            byte[] bytes = process.getInputStream().readAllBytes();
            if (!process.waitFor(PROBE_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return Optional.empty();
            }
            if (process.exitValue() != 0) {
                return Optional.empty();
            }
            printed = new String(bytes, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return Optional.empty();
        }
        return parse(printed);
    }

    /**
     * The one command of a {@code -###} answer and the variables the driver sets for it; empty for none, more
     * than one, one that is not {@code cc1}/{@code cc1plus} with {@code -E}, or any message from the driver.
     */
    static Optional<DriverCommand> parse(String printed) {
        List<String> command = null;
        Map<String, String> env = new HashMap<>();
        for (String line : printed.split("\n")) {
            if (line.startsWith(" ")) {
                if (command != null || line.strip().equals("|")) {
                    return Optional.empty(); // a second program, or a pipe to one
                }
                command = words(line);
                if (command == null) {
                    return Optional.empty();
                }
            } else if (command == null && ASSIGNMENT.matcher(line).matches()) {
                // what the driver puts in its programs' environment (COLLECT_GCC, COLLECT_GCC_OPTIONS, OFFLOAD_...)
                int eq = line.indexOf('=');
                env.put(line.substring(0, eq), line.substring(eq + 1));
            } else if (line.matches("^\\S*: (warning|error|fatal error|note): .*")) {
                return Optional.empty();
            }
        }
        if (command == null || command.isEmpty() || !command.contains("-E") || !command.get(0).startsWith("/")) {
            return Optional.empty();
        }
        String program = command.get(0).substring(command.get(0).lastIndexOf('/') + 1);
        if (!program.equals("cc1") && !program.equals("cc1plus")) {
            return Optional.empty();
        }
        return Optional.of(new DriverCommand(List.copyOf(command), Map.copyOf(env)));
    }

    /**
     * The words of one {@code -###} command line: bare words end at a space; a quoted one runs to its closing quote,
     * with a backslash escaping the next character (how the driver prints {@code "}, {@code \} and {@code $}).
     */
    static List<String> words(String line) {
        List<String> words = new ArrayList<>();
        int i = 0;
        int n = line.length();
        while (i < n) {
            char c = line.charAt(i);
            if (c == ' ') {
                i++;
            } else if (c == '"') {
                StringBuilder word = new StringBuilder();
                i++;
                while (i < n && line.charAt(i) != '"') {
                    if (line.charAt(i) == '\\' && i + 1 < n) {
                        i++;
                    }
                    word.append(line.charAt(i++));
                }
                if (i >= n) {
                    return null; // no closing quote
                }
                i++;
                words.add(word.toString());
            } else {
                int end = line.indexOf(' ', i);
                end = end < 0 ? n : end;
                words.add(line.substring(i, end));
                i = end;
            }
        }
        return words;
    }

    private static List<String> substitute(List<String> words, Map<String, String> values) {
        List<String> out = new ArrayList<>(words.size());
        for (String word : words) {
            out.add(substitute(word, values));
        }
        return out;
    }

    private static Map<String, String> substitute(Map<String, String> env, Map<String, String> values) {
        Map<String, String> out = new HashMap<>();
        env.forEach((name, value) -> out.put(name, substitute(value, values)));
        return out;
    }

    private static String substitute(String word, Map<String, String> values) {
        if (!word.contains(TOKEN)) {
            return word;
        }
        String out = word;
        for (Map.Entry<String, String> value : values.entrySet()) {
            out = out.replace(value.getKey(), value.getValue());
        }
        return out;
    }
}
