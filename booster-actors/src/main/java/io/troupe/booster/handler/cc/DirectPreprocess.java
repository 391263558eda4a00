package io.troupe.booster.handler.cc;

import io.troupe.booster.toolchain.DriverCommands;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
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
 * with {@code -###}; that is learnt once per command shape ({@link DriverCommands}), checked against the driver's
 * answer for the real command, and reused for every later command of the shape with its names put back.
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
    private static final long PROBE_TIMEOUT_SECONDS = 30;

    /** The command to run and what to add to the build's environment, as the driver would. */
    record Direct(List<String> argv, Map<String, String> env) {}

    static final DirectPreprocess SHARED = new DirectPreprocess();

    private final Map<String, Optional<DriverCommands.Printed>> shapes = new ConcurrentHashMap<>();
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
        DriverCommands.Templated templated = argv.size() >= 2 && argv.get(argv.size() - 2).equals("-o")
                ? DriverCommands.template(argv, source) : null;
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
        Optional<DriverCommands.Printed> learnt = shapes.get(shape);
        if (learnt == null) {
            learnt = learn(compiler, argv, templated, cwd, env);
            if (shapes.size() >= SHAPES) {
                shapes.clear();
            }
            shapes.putIfAbsent(shape, learnt);
        }
        return learnt.map(l -> new Direct(DriverCommands.substitute(l.commands().get(0), templated.values()),
                DriverCommands.substitute(l.env(), templated.values())));
    }

    private Optional<DriverCommands.Printed> learn(Path compiler, List<String> argv, DriverCommands.Templated templated,
            Path cwd, Map<String, String> env) throws InterruptedException {
        Optional<DriverCommands.Printed> learnt = onlyCc1(ask(compiler, templated.argv(), cwd, env));
        if (learnt.isEmpty()) {
            return learnt;
        }
        // the driver's answer for the real names must be the learnt one with them put back: else it derives them otherwise
        Optional<DriverCommands.Printed> real = ask(compiler, argv, cwd, env);
        if (real.isEmpty() || !DriverCommands.sameOnceFilled(learnt.get(), real.get(), templated.values())) {
            return Optional.empty();
        }
        return learnt;
    }

    /** Runs {@code compiler -### argv} as the preprocess would run, in the C locale so that its lines parse. */
    private Optional<DriverCommands.Printed> ask(Path compiler, List<String> argv, Path cwd, Map<String, String> env)
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
        return DriverCommands.parse(printed);
    }

    /** The driver's answer when it is one {@code cc1}/{@code cc1plus} with {@code -E} at an absolute path; else empty. */
    static Optional<DriverCommands.Printed> onlyCc1(Optional<DriverCommands.Printed> printed) {
        return printed.filter(p -> p.commands().size() == 1
                && (p.program(0).equals("cc1") || p.program(0).equals("cc1plus"))
                && p.commands().get(0).get(0).startsWith("/")
                && p.commands().get(0).contains("-E"));
    }
}
