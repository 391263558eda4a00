package io.troupe.booster.handler.cc;

import io.troupe.booster.toolchain.DriverCommands;
import io.troupe.booster.toolchain.DriverShapes;
import io.troupe.booster.toolchain.Toolchains;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

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

    /** The command to run and what to add to the build's environment, as the driver would. */
    record Direct(List<String> argv, Map<String, String> env) {}

    static final DirectPreprocess SHARED = new DirectPreprocess();

    private final DriverShapes shapes = new DriverShapes(SHAPES);

    /** How many times a driver was asked with {@code -###} (two per new shape): for tests. */
    long probes() {
        return shapes.asked();
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
        return shapes.answerFor(compiler.toString(), toolchain + "\0" + cwd, env, argv, templated, DirectPreprocess::isOneCc1,
                params -> ask(compiler, params, cwd, env))
                .map(answer -> new Direct(answer.commands().get(0), answer.env()));
    }

    /** Runs {@code compiler -### argv} as the preprocess would run; empty when it failed. */
    private static Optional<DriverCommands.Printed> ask(Path compiler, List<String> argv, Path cwd, Map<String, String> env) {
        List<String> command = new ArrayList<>();
        command.add(compiler.toString());
        command.add("-###");
        command.addAll(argv);
        try {
            return DriverCommands.parse(Toolchains.output(command, cwd, env));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Whether the driver's answer is one {@code cc1}/{@code cc1plus} with {@code -E} at an absolute path. */
    static boolean isOneCc1(DriverCommands.Printed p) {
        return p.commands().size() == 1 && (p.program(0).equals("cc1") || p.program(0).equals("cc1plus"))
                && p.commands().get(0).get(0).startsWith("/") && p.commands().get(0).contains("-E");
    }
}
