package io.troupe.api.fuzz;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/** Bounds shared by the fuzz tests (tag "fuzz"): one input must finish within {@link #PER_INPUT}. */
public final class FuzzLimits {
    /** Far above any real input's time, far below a hang; a slower input is a finding. */
    public static final Duration PER_INPUT = Duration.ofSeconds(5);
    /** The first inputs of a JVM also load and instrument the classes under test: not timed. */
    private static final int WARM_UP = 100;
    private static final AtomicInteger INPUTS = new AtomicInteger();

    private FuzzLimits() {}

    /**
     * A new directory for the files a fuzz test rewrites on every input, removed when the JVM exits: on tmpfs
     * ({@code /dev/shm}) when there is one, since rewriting a file on ext4 costs milliseconds (a flush on
     * truncate) and so most of the fuzzing time.
     */
    public static Path scratchDir(String prefix) throws IOException {
        Path shm = Path.of("/dev/shm");
        Path dir = Files.isDirectory(shm) && Files.isWritable(shm)
                ? Files.createTempDirectory(shm, prefix) : Files.createTempDirectory(prefix);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try (Stream<Path> paths = Files.walk(dir)) {
                paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                // best effort: a temp directory
            }
        }));
        return dir;
    }

    /** Fails when the input that started at {@code startNanos} ({@link System#nanoTime}) took too long. */
    public static void checkTime(long startNanos, Object input) {
        long took = System.nanoTime() - startNanos;
        if (INPUTS.incrementAndGet() > WARM_UP && took > PER_INPUT.toNanos()) {
            fail("one input took " + took / 1_000_000 + " ms (limit " + PER_INPUT.toMillis() + " ms): " + input);
        }
    }
}
