package io.troupe.booster.toolchain;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Learnt {@code -###} answers, one per command shape ({@link DriverCommands}): a shape is asked twice, with its names
 * taken out and with the real ones, and kept when the first answer is one the caller can run and the second is the
 * first with the names put back; else the refusal is kept, and that shape runs the driver.
 */
public final class DriverShapes {
    private static final Logger LOG = LoggerFactory.getLogger(DriverShapes.class);
    /** Variables the driver reads to find its programs and specs: a shape learnt under other values is another. */
    private static final List<String> DRIVER_ENV = List.of("PATH", "COMPILER_PATH", "LIBRARY_PATH");

    /** Asks the driver: its {@code -###} answer for these arguments (after the program), or empty when it failed. */
    @FunctionalInterface
    public interface Driver {
        Optional<DriverCommands.Printed> ask(List<String> params) throws InterruptedException;
    }

    private final int capacity;
    private final Map<String, Optional<DriverCommands.Printed>> shapes = new ConcurrentHashMap<>();
    private final AtomicLong asked = new AtomicLong();

    /** @param capacity the shapes kept; all are forgotten when more come */
    public DriverShapes(int capacity) {
        this.capacity = capacity;
    }

    /** How many times a driver was asked (two per new shape). */
    public long asked() {
        return asked.get();
    }

    /**
     * The answer for {@code params}, with their names put back, or empty to run the driver.
     *
     * @param program the driver as it is run: its answer must say so ({@code COLLECT_GCC}), or it came from another
     *     program a wrapper of that name ran (ccache's masquerade, a script), which running the answer would bypass
     * @param identity what else tells this driver from others (its binary, the directory when it matters)
     * @param runnable whether an answer (names taken out) is one the caller can run in the driver's stead
     */
    public Optional<DriverCommands.Printed> answerFor(String program, String identity, Map<String, String> env,
            List<String> params, DriverCommands.Templated templated, Predicate<DriverCommands.Printed> runnable,
            Driver driver) throws InterruptedException {
        StringBuilder key = new StringBuilder(program).append('\0').append(identity).append('\0');
        env.forEach((name, value) -> {
            if (DRIVER_ENV.contains(name) || name.startsWith("GCC_")) {
                key.append(name).append('=').append(value).append('\0');
            }
        });
        templated.argv().forEach(arg -> key.append(arg).append('\0'));
        String shape = key.toString();
        Optional<DriverCommands.Printed> learnt = shapes.get(shape);
        if (learnt == null) {
            learnt = learn(params, templated, runnable.and(answer -> program.equals(answer.env().get("COLLECT_GCC")))
                    .and(DriverShapes::notRelocated), driver);
            LOG.debug("{} {}: {}", program, templated.argv(), learnt.isPresent() ? "runs without the driver" : "keeps the driver");
            if (shapes.size() >= capacity) {
                shapes.clear();
            }
            shapes.putIfAbsent(shape, learnt);
        }
        return learnt.map(l -> l.filled(templated.values()));
    }

    /**
     * A driver installed elsewhere than it was configured for passes {@code -iprefix} and sets {@code GCC_EXEC_PREFIX}
     * for its programs without printing it under {@code -###}: its programs are run by the driver only.
     */
    static boolean notRelocated(DriverCommands.Printed answer) {
        return answer.commands().stream().noneMatch(command -> command.contains("-iprefix"));
    }

    private Optional<DriverCommands.Printed> learn(List<String> params, DriverCommands.Templated templated,
            Predicate<DriverCommands.Printed> runnable, Driver driver) throws InterruptedException {
        asked.incrementAndGet();
        Optional<DriverCommands.Printed> learnt = driver.ask(templated.argv()).filter(runnable);
        if (learnt.isEmpty()) {
            return learnt;
        }
        // the answer for the real names must be the learnt one with them put back: else the driver derives them otherwise
        asked.incrementAndGet();
        Optional<DriverCommands.Printed> real = driver.ask(params);
        if (real.isEmpty() || !learnt.get().filled(templated.values()).equals(real.get())) {
            return Optional.empty();
        }
        return learnt;
    }
}
