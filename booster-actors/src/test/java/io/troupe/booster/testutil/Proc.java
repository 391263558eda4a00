package io.troupe.booster.testutil;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.booster.exec.BoosterExecLocation;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs a real process for a test and collects its output. */
public final class Proc {

    /** A finished process. */
    public record Outcome(int exitCode, byte[] stdout, byte[] stderr) {
        public String out() {
            return new String(stdout);
        }

        public String err() {
            return new String(stderr);
        }
    }

    /** A started process whose output is being drained. */
    public record Running(Process process, CompletableFuture<byte[]> stdout, CompletableFuture<byte[]> stderr) {
        public Outcome await() throws Exception {
            assertTrue(process.waitFor(60, TimeUnit.SECONDS), "process did not finish within 60 s");
            return new Outcome(process.exitValue(), stdout.get(10, TimeUnit.SECONDS), stderr.get(10, TimeUnit.SECONDS));
        }
    }

    private Proc() {}

    /** Starts {@code argv} in {@code cwd} with exactly {@code env}. */
    public static Running start(List<String> argv, Path cwd, Map<String, String> env) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(argv).directory(cwd.toFile());
        builder.environment().clear();
        builder.environment().putAll(env);
        Process process = builder.start();
        process.getOutputStream().close();
        return new Running(process, drain(process.getInputStream()), drain(process.getErrorStream()));
    }

    public static Outcome run(List<String> argv, Path cwd, Map<String, String> env) throws Exception {
        return start(argv, cwd, env).await();
    }

    /** The native booster-exec built by Maven, if the build machine had a C compiler. */
    public static Optional<Path> nativeBoosterExec() {
        String built = System.getProperty("troupe.test.native-booster-exec", "target/native/booster-exec");
        Path path = Path.of(built).toAbsolutePath();
        return Files.isExecutable(path) ? Optional.of(path) : Optional.empty();
    }

    /** Has the booster run the native booster-exec when the build names an executable one. */
    public static void useGivenNativeBoosterExec() {
        String nativeExec = System.getProperty("troupe.test.native-booster-exec");
        if (nativeExec != null && Files.isExecutable(Path.of(nativeExec))) {
            System.setProperty(BoosterExecLocation.NATIVE_PROPERTY, nativeExec);
        }
    }

    /** The command line of the Java fallback booster-exec with this test's classpath. */
    public static List<String> javaBoosterExec() {
        List<String> argv = new ArrayList<>();
        argv.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        argv.add("-cp");
        argv.add(System.getProperty("java.class.path"));
        argv.add("io.troupe.booster.exec.BoosterExec");
        return argv;
    }

    private static CompletableFuture<byte[]> drain(InputStream in) {
        return CompletableFuture.supplyAsync(() -> {
            try (in) {
                return in.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }
}
