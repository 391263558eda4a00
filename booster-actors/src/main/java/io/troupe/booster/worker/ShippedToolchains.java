package io.troupe.booster.worker;

import io.troupe.booster.FileTrees;
import io.troupe.booster.cas.ContentStore;
import io.troupe.booster.cas.Digests;
import io.troupe.booster.toolchain.ToolchainBundle;
import io.troupe.booster.toolchain.Toolchains;
import io.troupe.booster.worker.SubWorkExecutor.InputFile;
import io.troupe.booster.worker.SubWorkExecutor.InstallToolchain;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Toolchains shipped to this worker by boosters ({@link InstallToolchain}, a {@link ToolchainBundle}): one directory
 * per key under {@code <sandbox-root>-toolchains}, made from the content store's blobs, checked by running its
 * driver in a sandbox, and kept across restarts. Its programs run under bubblewrap with the bundle's loader mounted
 * over their interpreter and {@code LD_LIBRARY_PATH} on its libraries ({@link #overlay}), so a compiler built for
 * another C library than the worker's runs with its own. Blocking methods: call them on the blocking dispatcher.
 */
final class ShippedToolchains {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ShippedToolchains.class);
    private static final String KEY_FILE = "toolchain.key";
    private static final String DRIVER_FILE = "toolchain.driver";
    private static final String INTERPRETER_FILE = "toolchain.interpreter";
    private static final String LOADER_NAME_FILE = "toolchain.loader";
    /** an incomplete toolchain directory older than this is an install that died */
    private static final long STALE_INSTALL_MILLIS = 10 * 60 * 1000;

    /**
     * What a shipped program needs from bubblewrap: its toolchain's directory (under the host's /tmp by default,
     * which the run does not see), its loader over {@code interpreter}, its libraries.
     */
    record Overlay(Path home, Path loader, String interpreter, Path libraries) {}

    private final Path dir;
    private final Path sandboxRoot;
    private final ContentStore store;
    private final SandboxLauncher launcher;
    private final Duration otherInstallWait;
    private final Pause pause;

    ShippedToolchains(Path sandboxRoot, ContentStore store, SandboxLauncher launcher) {
        // the other install has its driver's two probes left to run when its directory appears
        this(sandboxRoot, store, launcher, Duration.ofSeconds(2 * Toolchains.PROBE_TIMEOUT_SECONDS + 10), () -> Thread.sleep(50));
    }

    /**
     * @param otherInstallWait how long to wait for another worker's install of the same key (a shared sandbox root)
     * @param pause            called between two looks at that install
     */
    ShippedToolchains(Path sandboxRoot, ContentStore store, SandboxLauncher launcher, Duration otherInstallWait,
            Pause pause) {
        this.dir = dirOf(sandboxRoot);
        this.sandboxRoot = sandboxRoot;
        this.store = store;
        this.launcher = launcher;
        this.otherInstallWait = otherInstallWait;
        this.pause = pause;
    }

    /** The wait between two looks at another worker's install. */
    @FunctionalInterface
    interface Pause {
        void run() throws InterruptedException;
    }

    /** The directory of shipped toolchains beside {@code sandboxRoot}. */
    static Path dirOf(Path sandboxRoot) {
        return sandboxRoot.resolveSibling(sandboxRoot.getFileName() + "-toolchains");
    }

    /** Why {@code request} cannot be installed, checked without disk, or null. */
    static String refusal(InstallToolchain request, long maxFileBytes) {
        boolean driverListed = false;
        for (InputFile file : request.files()) {
            try {
                SandboxPaths.check(file.path(), "toolchain file");
            } catch (IllegalArgumentException e) {
                return e.getMessage();
            }
            if (!file.path().startsWith(ToolchainBundle.ROOT + "/") && !file.path().startsWith(ToolchainBundle.LIB + "/")
                    && !file.path().startsWith(ToolchainBundle.LOADER + "/")) {
                return "toolchain file '" + file.path() + "' is not under " + ToolchainBundle.ROOT + "/, "
                        + ToolchainBundle.LIB + "/ or " + ToolchainBundle.LOADER + "/";
            }
            if (file.inline() || !Digests.valid(file.digest())) {
                return "toolchain file '" + file.path() + "' has no SHA-256 digest";
            }
            if (file.size() > maxFileBytes) {
                return "toolchain file '" + file.path() + "' is " + file.size()
                        + " bytes, more than troupe.worker.max-file-size = " + maxFileBytes;
            }
            if (file.path().equals(request.driver())) {
                driverListed = true;
                if (!request.key().endsWith("sha256:" + file.digest())) {
                    return "toolchain " + request.key() + ": its driver '" + file.path() + "' has another digest ("
                            + file.digest() + ")";
                }
            }
        }
        if (!driverListed || !request.driver().startsWith(ToolchainBundle.ROOT + "/")) {
            return "toolchain " + request.key() + ": its driver '" + request.driver() + "' is not among its files under "
                    + ToolchainBundle.ROOT + "/";
        }
        if (request.interpreter() != null) {
            if (!Path.of(request.interpreter()).isAbsolute() || Path.of(request.interpreter()).getFileName() == null) {
                return "toolchain " + request.key() + ": interpreter '" + request.interpreter() + "' is not an absolute path";
            }
            String loader = ToolchainBundle.LOADER + "/" + Path.of(request.interpreter()).getFileName();
            if (request.files().stream().noneMatch(file -> file.path().equals(loader))) {
                return "toolchain " + request.key() + ": its loader '" + loader + "' is not among its files";
            }
        }
        return null;
    }

    /**
     * Makes the toolchain's directory (or finds it made) and checks that its driver answers with the requested key.
     *
     * @return the driver to run for the key
     * @throws IOException saying why, when bubblewrap is not used, a blob is gone, or the driver answers otherwise
     */
    Path install(InstallToolchain request) throws IOException {
        if (!launcher.namespaced()) {
            throw new IOException("this worker runs sub-works without bubblewrap, so it cannot run a shipped toolchain"
                    + " (docs/security.md)");
        }
        if (request.interpreter() != null && !Files.exists(Path.of(request.interpreter()))) {
            throw new IOException("this worker has no " + request.interpreter() + " for the toolchain's loader to be"
                    + " mounted over");
        }
        Path target = dir.resolve(Digests.of(request.key().getBytes(StandardCharsets.UTF_8)).substring(0, 32));
        if (Files.isRegularFile(target.resolve(KEY_FILE))) {
            return installedDriver(target);
        }
        if (Files.isDirectory(target) && Files.getLastModifiedTime(target).toMillis()
                < System.currentTimeMillis() - STALE_INSTALL_MILLIS) {
            remove(target); // an install cut short long ago (a crash between its move and its check)
        }
        Files.createDirectories(dir);
        Path made = Files.createTempDirectory(dir, ".installing-");
        try {
            for (InputFile file : request.files()) {
                Path path = made.resolve(file.path());
                Files.createDirectories(path.getParent());
                if (!store.materialize(file.digest(), path, true)) {
                    throw new IOException("the worker's content store no longer holds " + file.digest() + " ("
                            + file.path() + ")");
                }
                Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(file.executable() ? "r-xr-xr-x" : "r--r--r--"));
            }
            try (var tree = Files.walk(made)) {
                for (Path each : (Iterable<Path>) tree.filter(Files::isDirectory)::iterator) {
                    Files.setPosixFilePermissions(each, PosixFilePermissions.fromString("rwxr-xr-x"));
                }
            }
            Path hostLoader = request.interpreter() == null ? null : Path.of(request.interpreter()).toRealPath();
            Path shippedLoader = request.interpreter() == null ? null
                    : made.resolve(ToolchainBundle.LOADER).resolve(Path.of(request.interpreter()).getFileName());
            if (hostLoader != null && !Digests.of(hostLoader).equals(Digests.of(shippedLoader))) {
                // mounted over the interpreter, the loader would also load the user switch (setpriv, as root)
                if (launcher.sandboxUser() != null) {
                    throw new IOException("its loader differs from this worker's " + request.interpreter() + " (another C"
                            + " library), and this worker switches sub-works to troupe.worker.sandbox.user: a shipped"
                            + " loader would run before that switch, as the worker's user");
                }
                // bubblewrap mounts over the file itself, not over a link to it (/lib64 is one on merged-/usr systems)
                Files.writeString(made.resolve(INTERPRETER_FILE), hostLoader.toString());
                Files.writeString(made.resolve(LOADER_NAME_FILE), Path.of(request.interpreter()).getFileName().toString());
            }
            Files.writeString(made.resolve(DRIVER_FILE), request.driver());
            Path driver = target.resolve(request.driver());
            // checked where it will run: the answer depends on the directory's name (gcc's relative prefix)
            if (!moveIn(made, target)) {
                return installedDriver(target); // another worker on the same sandbox root made it; ours goes in finally
            }
            made = null;
            String answered = keyOf(driver);
            if (!answered.equals(request.key())) {
                throw new IOException("the shipped toolchain's driver answers as " + answered + ", not "
                        + request.key());
            }
            Files.writeString(target.resolve(KEY_FILE), request.key());
            return driver;
        } catch (IOException | RuntimeException e) {
            if (made == null) { // moved in, then failed its check: ours to take away (a copy not moved goes in finally)
                try {
                    remove(target);
                } catch (IOException | RuntimeException cleanup) {
                    e.addSuppressed(cleanup);
                }
            }
            throw e;
        } finally {
            if (made != null && Files.exists(made)) {
                FileTrees.deleteTree(made);
            }
        }
    }

    /**
     * Moves {@code made} to {@code target}. Another worker sharing the sandbox root may be installing the same key:
     * its directory is there without its key file until its driver has answered, so this waits for it (up to
     * {@link #otherInstallWait}) and takes its place if it fails.
     *
     * @return true when {@code made} is now {@code target}, false when the other install completed it
     */
    private boolean moveIn(Path made, Path target) throws IOException {
        long deadline = System.nanoTime() + otherInstallWait.toNanos();
        boolean mayRetry = true;
        while (true) {
            try {
                Files.move(made, target, StandardCopyOption.ATOMIC_MOVE);
                return true;
            } catch (java.nio.file.FileSystemException e) {
                // rename(2) onto a full directory fails with ENOTEMPTY or EEXIST, which Java reports as
                // DirectoryNotEmptyException, FileAlreadyExistsException or a plain FileSystemException
                if (!Files.isDirectory(target)) {
                    if (!mayRetry) {
                        throw e;
                    }
                    mayRetry = false; // the other install failed and removed its copy since: one more try with ours
                    continue;
                }
                if (Files.isRegularFile(target.resolve(KEY_FILE))) {
                    return false;
                }
                if (System.nanoTime() - deadline >= 0) {
                    long ms = otherInstallWait.toMillis();
                    throw new IOException("toolchain directory " + target + " is being made by another install, which"
                            + " did not finish within " + (ms % 1000 == 0 ? ms / 1000 + " s" : ms + " ms"), e);
                }
                mayRetry = true;
                try {
                    pause.run();
                } catch (InterruptedException stop) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("stopped while waiting for another install of " + target);
                }
            }
        }
    }

    /**
     * Takes a toolchain directory away at once, then deletes it: emptied in place, it could be taken by another
     * worker's install (a rename onto an empty directory succeeds) while its last files go.
     */
    private void remove(Path home) throws IOException {
        Path away = dir.resolve(".removing-" + home.getFileName() + "-" + System.nanoTime());
        try {
            Files.move(home, away, StandardCopyOption.ATOMIC_MOVE);
        } catch (java.nio.file.NoSuchFileException e) {
            return; // removed by another worker already
        }
        FileTrees.deleteTree(away);
    }

    private static Path installedDriver(Path home) throws IOException {
        return home.resolve(Files.readString(home.resolve(DRIVER_FILE)).strip());
    }

    /** The toolchains installed earlier (before a restart), key → driver; empty when bubblewrap is not used. */
    Map<String, Path> installed() {
        Map<String, Path> found = new LinkedHashMap<>();
        if (!Files.isDirectory(dir) || !launcher.namespaced()) {
            return found;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path entry : entries) {
                if (entry.getFileName().toString().startsWith(".")) {
                    // an install's copy under way, or a directory being removed; left behind by a crash when old
                    if (Files.getLastModifiedTime(entry).toMillis() < System.currentTimeMillis() - STALE_INSTALL_MILLIS) {
                        FileTrees.deleteTree(entry);
                    }
                    continue;
                }
                if (Files.isRegularFile(entry.resolve(KEY_FILE)) && Files.isRegularFile(entry.resolve(DRIVER_FILE))) {
                    found.put(Files.readString(entry.resolve(KEY_FILE)), installedDriver(entry));
                }
                // an incomplete one may be another worker's install under way (a shared sandbox root): install()
                // removes it once it is old
            }
        } catch (IOException e) {
            LOG.warn("cannot read the shipped toolchains in {}: {}", dir, e.toString());
        }
        return found;
    }

    /** The overlay for {@code executable} when it is a shipped toolchain's program, else null. */
    static Overlay overlay(Path executable, Path sandboxRoot) {
        Path toolchains = dirOf(sandboxRoot);
        Path exe = executable.normalize();
        if (!exe.startsWith(toolchains) || exe.getNameCount() <= toolchains.getNameCount()) {
            return null;
        }
        Path home = toolchains.resolve(exe.getName(toolchains.getNameCount()));
        Path interpreterFile = home.resolve(INTERPRETER_FILE);
        try {
            String interpreter = Files.isRegularFile(interpreterFile) ? Files.readString(interpreterFile).strip() : null;
            Path loader = interpreter == null ? null
                    : home.resolve(ToolchainBundle.LOADER).resolve(Files.readString(home.resolve(LOADER_NAME_FILE)).strip());
            return new Overlay(home, loader, interpreter, home.resolve(ToolchainBundle.LIB));
        } catch (IOException e) {
            return new Overlay(home, null, null, home.resolve(ToolchainBundle.LIB));
        }
    }

    /** The key the driver answers with, run as sub-works run. */
    private String keyOf(Path driver) throws IOException {
        return Toolchains.keyFrom(driver,
                (binary, option) -> runInSandbox(List.of(binary.toString(), option))).key();
    }

    private String runInSandbox(List<String> argv) throws IOException {
        Path root = SandboxDirs.newRoot(sandboxRoot, "execution-toolchain");
        Files.createDirectories(root);
        try {
            return Toolchains.outputOf(launcher.builder(argv, root, root),
                    root.resolve("probe.out"), TimeUnit.SECONDS.toMillis(Toolchains.PROBE_TIMEOUT_SECONDS));
        } catch (SandboxRun.StepFailure e) {
            throw new IOException(e.getMessage(), e);
        } finally {
            FileTrees.deleteTree(root);
        }
    }
}
