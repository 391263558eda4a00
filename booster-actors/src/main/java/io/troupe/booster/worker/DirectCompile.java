package io.troupe.booster.worker;

import io.troupe.booster.handler.cc.CompilerNames;
import io.troupe.booster.toolchain.DriverCommands;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A remote gcc compile run as the driver would run it, without the driver: {@code gcc -pipe -c x.i -o x.o} is a
 * driver that runs {@code cc1 ... -o - | as ... -o x.o}, and starting the driver is about a millisecond of a trivial
 * compile. The pipeline is learnt once per command shape from the driver's {@code -###} answer, asked in the slot
 * sandbox itself ({@link DriverCommands}; checked against its answer for the real names), and the slot's launcher
 * runs it ({@link SlotSandbox#startPipe}). docs/booster-execution.md, "Without the driver", lists the conditions.
 */
final class DirectCompile {
    private static final Logger LOG = LoggerFactory.getLogger(DirectCompile.class);
    /** The shapes one JVM keeps; all are forgotten when more come. */
    static final int SHAPES = 1024;
    /** Variables the driver reads to find its programs: a shape learnt under other values is another. */
    private static final List<String> DRIVER_ENV = List.of("PATH", "COMPILER_PATH", "LIBRARY_PATH");

    /** Asks the driver: runs {@code argv} (the driver, {@code -###}, its arguments) and gives what it printed, or null. */
    @FunctionalInterface
    interface Probe {
        String ask(List<String> argv) throws IOException, InterruptedException;
    }

    /** The commands, piped, and what the driver adds to their environment (names put back). */
    record Pipeline(List<List<String>> commands, Map<String, String> env) {}

    static final DirectCompile SHARED = new DirectCompile();

    private final Map<String, Optional<DriverCommands.Printed>> shapes = new ConcurrentHashMap<>();
    private final AtomicLong probes = new AtomicLong();

    /** How many times a driver was asked (two per new shape): for tests. */
    long probes() {
        return probes.get();
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
        StringBuilder key = new StringBuilder(exe).append('\0');
        try {
            // a compiler replaced in place is another shape
            BasicFileAttributes binary = Files.readAttributes(Path.of(exe), BasicFileAttributes.class);
            key.append(binary.size()).append('/').append(binary.lastModifiedTime().toMillis()).append('\0');
        } catch (IOException e) {
            return Optional.empty();
        }
        env.forEach((name, value) -> {
            if (DRIVER_ENV.contains(name) || name.startsWith("GCC_")) {
                key.append(name).append('=').append(value).append('\0');
            }
        });
        templated.argv().forEach(arg -> key.append(arg).append('\0'));
        String shape = key.toString();
        Optional<DriverCommands.Printed> learnt = shapes.get(shape);
        if (learnt == null) {
            learnt = learn(exe, params, templated, probe);
            LOG.debug("{} {}: {}", exe, templated.argv(), learnt.isPresent() ? "runs without the driver" : "keeps the driver");
            if (shapes.size() >= SHAPES) {
                shapes.clear();
            }
            shapes.putIfAbsent(shape, learnt);
        }
        return learnt.map(l -> new Pipeline(DriverCommands.substituteAll(l.commands(), templated.values()),
                DriverCommands.substitute(l.env(), templated.values())));
    }

    private Optional<DriverCommands.Printed> learn(String exe, List<String> params, DriverCommands.Templated templated,
            Probe probe) throws InterruptedException {
        Optional<DriverCommands.Printed> learnt = cc1ToAs(ask(exe, templated.argv(), probe));
        if (learnt.isEmpty()) {
            return learnt;
        }
        Optional<DriverCommands.Printed> real = ask(exe, params, probe);
        if (real.isEmpty() || !DriverCommands.sameOnceFilled(learnt.get(), real.get(), templated.values())) {
            return Optional.empty();
        }
        return learnt;
    }

    private Optional<DriverCommands.Printed> ask(String exe, List<String> params, Probe probe) throws InterruptedException {
        probes.incrementAndGet();
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
     * The answer when it is {@code cc1}/{@code cc1plus} (absolute) writing to its stdout piped to {@code as}, and
     * nothing else: no temporary file, and no variables but the driver's own bookkeeping ({@code COLLECT_GCC*},
     * {@code OFFLOAD_TARGET_*}). Else empty.
     */
    static Optional<DriverCommands.Printed> cc1ToAs(Optional<DriverCommands.Printed> printed) {
        return printed.filter(p -> {
            if (!p.piped() || p.commands().size() != 2) {
                return false;
            }
            List<String> cc1 = p.commands().get(0);
            boolean compiler = (p.program(0).equals("cc1") || p.program(0).equals("cc1plus")) && cc1.get(0).startsWith("/")
                    && cc1.size() >= 3 && cc1.get(cc1.size() - 2).equals("-o") && cc1.get(cc1.size() - 1).equals("-");
            return compiler && p.program(1).equals("as") && onlyCollectVariables(p.env());
        });
    }

    private static boolean onlyCollectVariables(Map<String, String> env) {
        return env.keySet().stream().allMatch(name -> name.startsWith("COLLECT_GCC") || name.startsWith("OFFLOAD_TARGET_"));
    }
}
