package io.troupe.booster.toolchain;

import io.troupe.booster.ProcessTrees;
import io.troupe.booster.cas.Digests;
import io.troupe.booster.handler.cc.CompilerNames;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Computes {@link ToolchainKey}s of compilers (runs them with {@code --version} and {@code -dumpmachine} and hashes
 * the binary), cached per resolved path, modification time and size. Blocking: call it on the blocking dispatcher.
 */
public final class Toolchains {

    /** How long a compiler may take to answer a probe ({@code --version}, {@code -dumpmachine}, {@code -###}). */
    public static final long PROBE_TIMEOUT_SECONDS = 30;
    /** Most a probed compiler may print: a longer answer is refused, never read in part. */
    private static final int MAX_OUTPUT = 1 << 20;

    private record Cached(long modified, long size, ToolchainKey key) {}

    private static final Map<Path, Cached> CACHE = new ConcurrentHashMap<>();
    /** key → a binary of this machine that has it, for shipping it to workers that lack it */
    private static final Map<String, Path> BINARIES = new ConcurrentHashMap<>();

    /**
     * What a worker holds.
     *
     * @param held toolchain key → the binary this machine runs for it
     * @param problems compilers named in the configuration that could not be probed, each with why
     */
    public record Probe(Map<String, Path> held, List<String> problems) {
        public Probe {
            held = Map.copyOf(held);
            problems = List.copyOf(problems);
        }
    }

    private Toolchains() {}

    /**
     * The key of the compiler at {@code binary} (symbolic links are followed).
     *
     * @throws IOException naming the binary when it cannot be read or run, or does not answer as a compiler
     */
    public static ToolchainKey keyOf(Path binary) throws IOException {
        Path real = binary.toRealPath();
        BasicFileAttributes attributes = Files.readAttributes(real, BasicFileAttributes.class);
        long modified = attributes.lastModifiedTime().toMillis();
        Cached cached = CACHE.get(real);
        if (cached != null && cached.modified() == modified && cached.size() == attributes.size()) {
            BINARIES.put(cached.key().key(), real);
            return cached.key();
        }
        ToolchainKey key = keyFrom(real, Toolchains::run);
        CACHE.put(real, new Cached(modified, attributes.size(), key));
        BINARIES.put(key.key(), real);
        return key;
    }

    /** Runs a compiler with one option and returns what it printed. */
    @FunctionalInterface
    public interface Runner {
        String run(Path binary, String option) throws IOException;
    }

    /**
     * The key of the compiler at {@code real} (a resolved path), asked through {@code runner}: a worker runs a
     * shipped compiler in its sandbox. Not cached.
     */
    public static ToolchainKey keyFrom(Path real, Runner runner) throws IOException {
        String version = firstLine(runner.run(real, "--version"), real);
        String program = real.getFileName().toString();
        // gcc starts the line with the name it was run as; the same compiler under another name is the same compiler
        if (version.startsWith(program + " ")) {
            version = version.substring(program.length() + 1).trim();
        }
        String target = firstLine(runner.run(real, "-dumpmachine"), real);
        return new ToolchainKey(version, target, Digests.of(real));
    }

    /** The binary of this machine whose key {@link #keyOf} last found to be {@code key}, if any. */
    public static Optional<Path> binaryOf(String key) {
        return Optional.ofNullable(BINARIES.get(key));
    }

    /** Compiler launchers that put themselves on PATH under compiler names; the compiler is further down PATH. */
    private static final Set<String> LAUNCHERS = Set.of("ccache", "sccache", "distcc", "icecc", "booster-exec");

    /**
     * {@code program} as the process would find it: a path (against {@code cwd}) as is, else the first hit on
     * {@code pathVariable} that is not a compiler launcher (ccache's {@code /usr/lib/ccache/gcc} is ccache, whose
     * key would say nothing about the compiler).
     */
    public static Optional<Path> find(String program, String pathVariable, Path cwd) {
        if (program.contains("/")) {
            Path path = cwd.resolve(program);
            return Files.isRegularFile(path) && Files.isExecutable(path) ? Optional.of(path) : Optional.empty();
        }
        if (pathVariable == null) {
            return Optional.empty();
        }
        for (String dir : pathVariable.split(":", -1)) {
            Path candidate = cwd.resolve(dir.isEmpty() ? "." : dir).resolve(program);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate) && !isLauncher(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    private static boolean isLauncher(Path candidate) {
        try {
            return LAUNCHERS.contains(candidate.toRealPath().getFileName().toString());
        } catch (IOException e) {
            return false;
        }
    }

    /** The plain driver names plus every versioned or triplet-prefixed compiler name found on {@code pathVariable}. */
    public static List<String> defaultNames(String pathVariable) {
        Set<String> names = new LinkedHashSet<>(CompilerNames.PLAIN);
        if (pathVariable != null) {
            for (String dir : pathVariable.split(":")) {
                if (dir.isEmpty() || !Files.isDirectory(Path.of(dir))) {
                    continue;
                }
                try (DirectoryStream<Path> entries = Files.newDirectoryStream(Path.of(dir))) {
                    List<String> found = new ArrayList<>();
                    for (Path entry : entries) {
                        String name = entry.getFileName().toString();
                        if (CompilerNames.isCompiler(name) && Files.isExecutable(entry)) {
                            found.add(name);
                        }
                    }
                    found.stream().sorted().forEach(names::add);
                } catch (IOException e) {
                    // an unreadable PATH entry holds no compiler we could run anyway
                }
            }
        }
        return List.copyOf(names);
    }

    /**
     * Probes compilers: each name is an absolute path or a name looked up on {@code pathVariable}. A name that is
     * not found is skipped when {@code optional}, else reported as a problem.
     */
    public static Probe probe(List<String> names, String pathVariable, boolean optional) {
        Map<String, Path> held = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        for (String name : names) {
            Optional<Path> binary = find(name, pathVariable, Path.of("/"));
            if (binary.isEmpty()) {
                if (!optional) {
                    problems.add("toolchain '" + name + "' (troupe.worker.toolchains) is not an executable file or on PATH");
                }
                continue;
            }
            try {
                held.putIfAbsent(keyOf(binary.get()).key(), binary.get().toRealPath());
            } catch (IOException e) {
                problems.add("toolchain '" + name + "' (troupe.worker.toolchains): " + e.getMessage());
            }
        }
        return new Probe(held, problems);
    }

    private static String run(Path binary, String option) throws IOException {
        return output(List.of(binary.toString(), option), null, null);
    }

    /**
     * What {@code command} printed (stdout and stderr), run in the C locale so that its lines parse, with stdin from
     * /dev/null, in {@code cwd} (null: this JVM's) with exactly {@code env} (null: this JVM's).
     *
     * @throws IOException it could not start, exited non-zero, printed more than 1 MiB or ran past the probe timeout
     */
    public static String output(List<String> command, Path cwd, Map<String, String> env) throws IOException {
        return output(command, cwd, env, TimeUnit.SECONDS.toMillis(PROBE_TIMEOUT_SECONDS));
    }

    /** As {@link #output(List, Path, Map)} with a timeout of {@code timeoutMs}. */
    static String output(List<String> command, Path cwd, Map<String, String> env, long timeoutMs) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command);
        if (cwd != null) {
            builder.directory(cwd.toFile());
        }
        if (env != null) {
            builder.environment().clear();
            builder.environment().putAll(env);
        }
        builder.environment().put("LC_ALL", "C");
        Path out = Files.createTempFile("troupe-probe-", ".out");
        try {
            return outputOf(builder, out, timeoutMs);
        } finally {
            Files.deleteIfExists(out);
        }
    }

    /**
     * Runs {@code builder} with stdin from /dev/null and stdout and stderr into {@code out}, for at most
     * {@code timeoutMs}, and gives what it printed. Through a file, not a pipe: a hung compiler, or a child that
     * keeps the output open after the compiler exits, cannot hold the caller past the timeout, when the compiler
     * and everything it started are killed.
     *
     * @throws IOException it could not start, exited non-zero, printed more than 1 MiB or ran past the timeout
     */
    public static String outputOf(ProcessBuilder builder, Path out, long timeoutMs) throws IOException {
        List<String> command = builder.command();
        String what = String.join(" ", command.subList(0, Math.min(2, command.size())));
        Process process = builder.redirectErrorStream(true).redirectOutput(out.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        try {
            if (!process.waitFor(timeoutMs, TimeUnit.MILLISECONDS)) {
                ProcessTrees.end(process, true);
                throw new IOException(what + " did not finish within " + timeoutMs + " ms");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            ProcessTrees.end(process, true);
            throw new IOException(what + " was interrupted", e);
        }
        byte[] printed;
        try (InputStream in = Files.newInputStream(out)) {
            printed = in.readNBytes(MAX_OUTPUT + 1);
        }
        if (printed.length > MAX_OUTPUT) {
            throw new IOException(what + " printed more than " + MAX_OUTPUT + " bytes");
        }
        String text = new String(printed, StandardCharsets.UTF_8);
        if (process.exitValue() != 0) {
            throw new IOException(what + " exited " + process.exitValue() + ": " + text.strip());
        }
        return text;
    }

    private static String firstLine(String text, Path binary) throws IOException {
        String line = text.strip().lines().findFirst().orElse("").strip();
        if (line.isEmpty()) {
            throw new IOException(binary + " printed nothing; is it a compiler?");
        }
        return line;
    }
}
