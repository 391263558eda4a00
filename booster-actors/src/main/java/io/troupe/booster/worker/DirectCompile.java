package io.troupe.booster.worker;

import io.troupe.booster.handler.cc.CompilerNames;
import io.troupe.booster.toolchain.DriverCommands;
import io.troupe.booster.toolchain.DriverShapes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A remote gcc compile run as the driver would run it, without the driver: {@code gcc -pipe -c x.i -o x.o} is a
 * driver that runs {@code cc1 ... -o - | as ... -o x.o}, and starting the driver is about a millisecond of a trivial
 * compile. The pipeline is learnt once per command shape from the driver's {@code -###} answer, asked in the slot
 * sandbox itself ({@link DriverCommands}; checked against its answer for the real names), and the slot's launcher
 * runs it ({@link SlotSandbox#startPipe}). docs/booster-execution.md, "C and C++ compiles", lists the conditions.
 */
final class DirectCompile {
    /** The shapes one JVM keeps; all are forgotten when more come. */
    static final int SHAPES = 1024;

    /** Asks the driver: runs {@code argv} (the driver, {@code -###}, its arguments) and gives what it printed, or null. */
    @FunctionalInterface
    interface Probe {
        String ask(List<String> argv) throws IOException, InterruptedException;
    }

    /** The commands, piped, and what the driver adds to their environment (names put back). */
    record Pipeline(List<List<String>> commands, Map<String, String> env) {}

    static final DirectCompile SHARED = new DirectCompile();

    private final DriverShapes shapes = new DriverShapes(SHAPES);

    /** How many times a driver was asked (two per new shape): for tests. */
    long probes() {
        return shapes.asked();
    }

    /**
     * The two commands that do what {@code argv} does, or empty to run {@code argv} itself: only for a gcc-named
     * driver at an absolute path whose last argument is the input.
     */
    Optional<Pipeline> pipelineFor(List<String> argv, Map<String, String> env, Probe probe)
            throws InterruptedException {
        String exe = argv.get(0);
        Optional<CompilerNames.Driver> driver = CompilerNames.driver(exe);
        if (!exe.startsWith("/") || driver.isEmpty() || driver.get().family() != CompilerNames.Family.GCC
                || argv.size() < 4) {
            return Optional.empty();
        }
        List<String> params = argv.subList(1, argv.size());
        DriverCommands.Templated templated = DriverCommands.template(params, params.get(params.size() - 1));
        if (templated == null) {
            return Optional.empty();
        }
        String identity;
        try {
            // a compiler replaced in place is another shape
            BasicFileAttributes binary = Files.readAttributes(Path.of(exe), BasicFileAttributes.class);
            identity = binary.size() + "/" + binary.lastModifiedTime().toMillis();
        } catch (IOException e) {
            return Optional.empty();
        }
        return shapes.answerFor(exe, identity, env, params, templated, DirectCompile::isCc1ToAs, asked -> ask(exe, asked, probe))
                .map(answer -> new Pipeline(answer.commands(), answer.env()));
    }

    private static Optional<DriverCommands.Printed> ask(String exe, List<String> params, Probe probe)
            throws InterruptedException {
        List<String> argv = new ArrayList<>();
        argv.add(exe);
        argv.add("-###");
        argv.addAll(params);
        try {
            String printed = probe.ask(argv);
            return printed == null ? Optional.empty() : DriverCommands.parse(printed);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * Whether the answer is {@code cc1}/{@code cc1plus} (absolute) writing to its stdout piped to {@code as}, and
     * nothing else: no temporary file, and no variables but the driver's own bookkeeping ({@code COLLECT_*},
     * {@code OFFLOAD_TARGET_*}).
     */
    static boolean isCc1ToAs(DriverCommands.Printed p) {
        if (!p.piped() || p.commands().size() != 2) {
            return false;
        }
        List<String> cc1 = p.commands().get(0);
        boolean compiler = (p.program(0).equals("cc1") || p.program(0).equals("cc1plus")) && cc1.get(0).startsWith("/")
                && cc1.size() >= 3 && cc1.get(cc1.size() - 2).equals("-o") && cc1.get(cc1.size() - 1).equals("-");
        return compiler && p.program(1).equals("as") && onlyCollectVariables(p.env());
    }

    private static boolean onlyCollectVariables(Map<String, String> env) {
        return env.keySet().stream().allMatch(name -> name.startsWith("COLLECT_") || name.startsWith("OFFLOAD_TARGET_"));
    }
}
