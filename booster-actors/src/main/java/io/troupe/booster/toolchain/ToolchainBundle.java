package io.troupe.booster.toolchain;

import io.troupe.booster.cas.Digests;
import io.troupe.booster.worker.SubWorkExecutor.InputFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The files a worker needs to run a compiler it does not have (TBS's {@code --search_toolchain}, icecream's
 * environments): the driver, the programs it runs for a compile ({@code cc1}, {@code cc1plus}, {@code as}), the
 * shared libraries of all of them, and their ELF interpreter. Paths in the bundle are relative:
 * <ul>
 *   <li>{@code root/<absolute path>} for the driver and {@code cc1}/{@code cc1plus}, as on the client, so the
 *       driver, run from {@code root/usr/bin}, finds them relative to itself as a relocated gcc does;
 *       {@code as} beside {@code cc1}, the first place the driver looks;</li>
 *   <li>{@code lib/<soname>} for each shared library (the worker points {@code LD_LIBRARY_PATH} there);</li>
 *   <li>{@code loader/<name>} for the interpreter, which the worker mounts over {@link #interpreter()} inside the
 *       sub-work's namespace, so the shipped C library runs with its own loader.</li>
 * </ul>
 * Blocking: runs the compiler and {@code ldd}, and hashes every file.
 *
 * @param driver the driver's path in the bundle ({@code root/usr/bin/gcc-12})
 * @param interpreter the absolute path every program of the bundle names as its ELF interpreter, or null when
 *        they are linked statically
 * @param files every file, by digest
 * @param localFiles each digest's file on this machine
 */
public record ToolchainBundle(String driver, String interpreter, List<InputFile> files, Map<String, Path> localFiles) {

    /** Where the driver and its programs are, below the bundle's directory. */
    public static final String ROOT = "root";
    /** Where the shared libraries are. */
    public static final String LIB = "lib";
    /** Where the interpreter is. */
    public static final String LOADER = "loader";

    public ToolchainBundle {
        files = List.copyOf(files);
        localFiles = Map.copyOf(localFiles);
    }

    /** Total bytes of the bundle's files. */
    public long bytes() {
        return files.stream().mapToLong(InputFile::size).sum();
    }

    /**
     * The bundle of the compiler at {@code compiler} (links followed).
     *
     * @throws IOException naming the compiler or file when a program or library cannot be found or read
     */
    public static ToolchainBundle of(Path compiler) throws IOException {
        return of(compiler, new java.util.HashMap<>());
    }

    /**
     * The bundle of the compiler at {@code compiler}, and into {@code stamps} each local file's stamp as it was
     * hashed.
     *
     * @throws IOException also when a file changed while it was hashed (an upgrade under way)
     */
    public static ToolchainBundle of(Path compiler, Map<Path, Digests.Stamp> stamps) throws IOException {
        Path driver = compiler.toRealPath();
        Map<String, Path> files = new LinkedHashMap<>(); // bundle path → local file
        String driverPath = ROOT + driver;
        files.put(driverPath, driver);
        List<Path> programs = new ArrayList<>(List.of(driver));
        Path cc1Dir = null;
        for (String name : List.of("cc1", "cc1plus")) {
            Path program = programPath(driver, name);
            if (program != null) {
                files.put(ROOT + program, program.toRealPath());
                programs.add(program.toRealPath());
                cc1Dir = program.getParent();
            }
        }
        Path as = programPath(driver, "as");
        if (as == null) {
            as = onPath("as");
        }
        if (as != null && cc1Dir != null) {
            files.put(ROOT + cc1Dir.resolve("as"), as.toRealPath());
            programs.add(as.toRealPath());
        }
        String interpreter = null;
        for (Path program : programs) {
            Linked linked = linked(program);
            if (linked.interpreter() != null) {
                if (interpreter != null && !interpreter.equals(linked.interpreter())) {
                    throw new IOException(program + " needs the interpreter " + linked.interpreter() + ", "
                            + driver + "'s programs " + interpreter + ": they cannot run in one root");
                }
                interpreter = linked.interpreter();
            }
            linked.libraries().forEach((soname, path) -> files.putIfAbsent(LIB + "/" + soname, path));
        }
        if (interpreter != null) {
            files.put(LOADER + "/" + Path.of(interpreter).getFileName(), Path.of(interpreter).toRealPath());
        }
        List<InputFile> inputs = new ArrayList<>();
        Map<String, Path> locals = new LinkedHashMap<>();
        for (Map.Entry<String, Path> file : files.entrySet()) {
            Path local = file.getValue();
            Digests.Stamp before = Digests.Stamp.of(local);
            String digest = Digests.of(local);
            if (!Digests.Stamp.of(local).equals(before)) {
                throw new IOException(local + " changed while it was hashed (an upgrade under way?)");
            }
            stamps.put(local, before);
            inputs.add(InputFile.byDigest(file.getKey(), digest, before.size(), Files.isExecutable(local)));
            locals.put(digest, local);
        }
        return new ToolchainBundle(driverPath, interpreter, inputs, locals);
    }

    /** The file the driver runs as {@code name}, or null when it names none that exists (clang's cc1). */
    private static Path programPath(Path driver, String name) throws IOException {
        String answer = run(List.of(driver.toString(), "-print-prog-name=" + name)).strip();
        if (answer.isEmpty() || !answer.startsWith("/")) {
            return null;
        }
        Path program = Path.of(answer).normalize();
        return Files.isRegularFile(program) && Files.isExecutable(program) ? program : null;
    }

    private static Path onPath(String name) {
        String path = System.getenv("PATH");
        return path == null ? null : Toolchains.find(name, path, Path.of("/")).orElse(null);
    }

    private record Linked(String interpreter, Map<String, Path> libraries) {}

    /** {@code ldd}'s answer for {@code program}: its interpreter and its libraries by soname. */
    private static Linked linked(Path program) throws IOException {
        String answer = run(List.of("ldd", program.toString()));
        if (answer.contains("not a dynamic executable") || answer.contains("statically linked")) {
            return new Linked(null, Map.of());
        }
        String interpreter = null;
        Map<String, Path> libraries = new LinkedHashMap<>();
        for (String line : answer.split("\n")) {
            String entry = line.strip();
            int arrow = entry.indexOf(" => ");
            if (arrow > 0) {
                String soname = entry.substring(0, arrow);
                String rest = entry.substring(arrow + 4);
                if (rest.startsWith("not found")) {
                    throw new IOException(program + " needs " + soname + ", which ldd does not find");
                }
                int space = rest.indexOf(" (");
                String path = space < 0 ? rest : rest.substring(0, space);
                if (path.startsWith("/")) {
                    libraries.put(soname, Path.of(path).toRealPath());
                }
            } else if (entry.startsWith("/")) {
                int space = entry.indexOf(" (");
                interpreter = space < 0 ? entry : entry.substring(0, space);
            }
        }
        return new Linked(interpreter, libraries);
    }

    private static String run(List<String> argv) throws IOException {
        try {
            return Toolchains.output(argv, null, null);
        } catch (IOException e) {
            // ldd answers a static binary with a non-zero exit
            if (argv.get(0).equals("ldd") && e.getMessage() != null && e.getMessage().contains("not a dynamic executable")) {
                return "not a dynamic executable";
            }
            throw e;
        }
    }
}
