package io.troupe.booster.worker;

import io.troupe.booster.FileTrees;
import io.troupe.booster.worker.SubWorkExecutor.Failure;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Turns a sub-work's argv into the process that really runs (docs/security.md): under {@code prlimit} (CPU time,
 * address space, file size, processes), as the unprivileged {@code troupe.worker.sandbox.user} through
 * {@code setpriv} when the worker is root, and under bubblewrap when it works here (own mount, PID, network, IPC
 * and UTS namespaces; everything read-only but the run's own directory, which also backs {@code /tmp}). It also
 * applies the worker's compiler argv check ({@link CompilerArgvCheck}) and, at worker start, has the sandboxes a killed
 * worker left removed ({@link SandboxDirs}).
 * One per sandbox configuration per JVM; what this machine offers is probed once, on a blocking thread.
 */
final class SandboxLauncher {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(SandboxLauncher.class);

    private static final Map<List<Object>, SandboxLauncher> LAUNCHERS = new ConcurrentHashMap<>();

    /** Variables of the worker's environment a sub-work keeps; everything else (keys, tokens) stays out. */
    private static final List<String> KEPT_ENV = List.of("PATH", "LANG", "LANGUAGE", "TZ");

    /** Whether this JVM has a controlling terminal (probed once: the JVM opens no terminal, so it gets none later). */
    static final boolean WORKER_HAS_TERMINAL = controllingTerminal(Path.of("/proc/self/stat")) != 0;

    private final SandboxSettings settings;
    private final Path sandboxRoot;
    private final Path casDir;
    private Plan plan;

    /** What this machine offers, probed once. */
    private record Plan(String prlimit, String bwrap, String setpriv, Identity switchTo, String refusal) {}

    /** An account to run as. */
    record Identity(int uid, int gid, String name) {
        @Override
        public String toString() {
            return name + " (uid " + uid + ", gid " + gid + ")";
        }
    }

    private SandboxLauncher(SandboxSettings settings, Path sandboxRoot, Path casDir) {
        this.settings = settings;
        this.sandboxRoot = sandboxRoot;
        this.casDir = casDir;
    }

    /** The launcher of this configuration. */
    static SandboxLauncher of(WorkerSettings worker) {
        return LAUNCHERS.computeIfAbsent(java.util.Arrays.asList(worker.sandbox(), worker.sandboxRoot(), worker.casDir()),
                key -> new SandboxLauncher(worker.sandbox(), worker.sandboxRoot(), worker.casDir()));
    }

    /**
     * At worker start, on {@code blocking}: removes the sandboxes of workers that are gone (and their
     * processes), and probes this machine so the choice is logged once, before the first sub-work.
     *
     * @return completed once that is done
     */
    CompletableFuture<Void> start(Executor blocking) {
        try {
            return CompletableFuture.runAsync(() -> {
                closeContentStore();
                SandboxDirs.removeStale(sandboxRoot);
                SandboxDirs.removeStale(SandboxDirs.slotsRoot(sandboxRoot));
                SandboxDirs.removeOldSlotsRoot(sandboxRoot);
                plan();
            }, blocking);
        } catch (RejectedExecutionException e) {
            LOG.debug("worker stopping before its sandbox check ran");
            return CompletableFuture.completedFuture(null);
        }
    }

    /**
     * The process for {@code argv} in sandbox {@code root} (working directory {@code work}); blocking: it hands
     * the directory to the sandbox user. Redirects, extra environment and start are the caller's.
     *
     * @throws SandboxRun.StepFailure NOT_ALLOWED when the worker refuses to run it
     */
    ProcessBuilder builder(List<String> argv, Path root, Path work) {
        return builder(argv, root, work, false);
    }

    /**
     * As {@link #builder(List, Path, Path)}; with {@code bare}, the command is {@code argv} alone, for a slot's
     * launcher ({@link SlotSandbox}) that is already inside the sandbox: the checks and the hand-over are the same.
     */
    ProcessBuilder builder(List<String> argv, Path root, Path work, boolean bare) {
        Plan plan = plan();
        if (plan.refusal() != null) {
            throw new SandboxRun.StepFailure(Failure.NOT_ALLOWED, plan.refusal());
        }
        String refused = CompilerArgvCheck.refusal(argv.get(0), argv.subList(1, argv.size()));
        if (refused != null) {
            throw new SandboxRun.StepFailure(Failure.NOT_ALLOWED, refused);
        }
        try {
            handOver(plan, root, work, !bare);
        } catch (IOException e) {
            throw new SandboxRun.StepFailure(Failure.IO_ERROR, "cannot hand sandbox " + root + " to the sandbox user: " + e);
        }
        ProcessBuilder builder = new ProcessBuilder(bare ? argv : command(plan, argv, root, work, true))
                .directory(work.toFile());
        keepOnlySafeEnv(builder);
        builder.environment().put("HOME", work.toString());
        return builder;
    }

    private static void keepOnlySafeEnv(ProcessBuilder builder) {
        Map<String, String> env = builder.environment();
        Map<String, String> kept = new HashMap<>();
        env.forEach((name, value) -> {
            if (KEPT_ENV.contains(name) || name.startsWith("LC_")) {
                kept.put(name, value);
            }
        });
        env.clear();
        env.putAll(kept);
    }

    /**
     * The process of a slot's launcher {@code binary}, inside the sandbox of {@code slotDir}: namespaces and user
     * as a sub-work's, the slot directory writable and its {@code tmp} as {@code /tmp}. It sets the rlimits in
     * each child it forks, so it runs under none itself (RLIMIT_CPU would count all its sub-works' forks).
     *
     * @throws SandboxRun.StepFailure NOT_ALLOWED when the worker refuses sub-works
     */
    ProcessBuilder slotBuilder(Path binary, Path slotDir) {
        Plan plan = plan();
        if (plan.refusal() != null) {
            throw new SandboxRun.StepFailure(Failure.NOT_ALLOWED, plan.refusal());
        }
        List<String> argv = new ArrayList<>(List.of(binary.toString()));
        if (plan.bwrap() != null) {
            argv.add("--pidns");
        }
        if (!settings.cpuTime().isZero()) {
            argv.addAll(List.of("--cpu", Long.toString(Math.max(1, settings.cpuTime().toSeconds()))));
        }
        if (settings.addressSpace() > 0) {
            argv.addAll(List.of("--as", Long.toString(settings.addressSpace())));
        }
        if (settings.fileSize() > 0) {
            argv.addAll(List.of("--fsize", Long.toString(settings.fileSize())));
        }
        if (settings.processes() > 0) {
            argv.addAll(List.of("--nproc", Long.toString(settings.processes())));
        }
        ProcessBuilder builder = new ProcessBuilder(command(plan, argv, slotDir, slotDir, false)).directory(slotDir.toFile());
        keepOnlySafeEnv(builder);
        return builder;
    }

    /** Whether sub-works get namespaces of their own (bubblewrap). */
    boolean namespaced() {
        return plan().bwrap() != null;
    }

    /** The account sub-works are switched to, or null when they run as the worker's own uid. */
    Identity sandboxUser() {
        return plan().switchTo();
    }

    /**
     * Whether a slot's launcher can run {@code executable}: under bubblewrap its namespace was made once, with the
     * slot's own {@code /tmp}, so a program under the host's {@code /tmp} is not there (it runs the old way).
     */
    boolean slotCanRun(String executable) {
        Path exe = Path.of(executable);
        if (exe.isAbsolute() && exe.normalize().startsWith(ShippedToolchains.dirOf(sandboxRoot))) {
            return false; // a shipped toolchain runs with mounts of its own (ShippedToolchains#overlay)
        }
        return plan().bwrap() == null || !exe.isAbsolute() || !exe.normalize().startsWith("/tmp");
    }

    /**
     * The argv that runs: limits, then namespaces, then the user switch, then the command. {@code perProcess}: for
     * one process (under prlimit, bound to the worker's thread); else for a slot's launcher (neither).
     */
    private List<String> command(Plan plan, List<String> argv, Path root, Path work, boolean perProcess) {
        List<String> command = new ArrayList<>();
        boolean anyLimit = !settings.cpuTime().isZero() || settings.addressSpace() > 0 || settings.fileSize() > 0
                || settings.processes() > 0;
        if (plan.prlimit() != null && anyLimit && perProcess) { // with every limit 0, prlimit would only cost an exec
            command.add(plan.prlimit());
            if (!settings.cpuTime().isZero()) {
                command.add("--cpu=" + Math.max(1, settings.cpuTime().toSeconds()));
            }
            if (settings.addressSpace() > 0) {
                command.add("--as=" + settings.addressSpace());
            }
            if (settings.fileSize() > 0) {
                command.add("--fsize=" + settings.fileSize());
            }
            if (settings.processes() > 0) {
                command.add("--nproc=" + settings.processes());
            }
            command.add("--");
        }
        Path program = Path.of(argv.get(0));
        // a shipped toolchain runs only in a namespace of its own (ShippedToolchains#install requires bubblewrap)
        ShippedToolchains.Overlay shipped = perProcess && plan.bwrap() != null && program.isAbsolute()
                ? ShippedToolchains.overlay(program, sandboxRoot) : null;
        if (plan.bwrap() != null) {
            command.add(plan.bwrap());
            if (perProcess) {
                command.add("--die-with-parent");
            } else {
                // a slot's launcher outlives the blocking thread that started it, and PR_SET_PDEATHSIG follows that
                // thread: it goes when the worker closes its control pipe (or dies). As the namespace's init, its
                // death takes every process of the slot with it.
                command.add("--as-pid-1");
            }
            if (perProcess && WORKER_HAS_TERMINAL) {
                // keeps a sub-work from pushing input into the worker's terminal (TIOCSTI); not without one: a
                // session is a scheduler autogroup of its own, 2-3 times as slow on a busy machine (docs/performance.md).
                // A slot's launcher leaves the terminal itself (troupe-slot.c).
                command.add("--new-session");
            }
            command.addAll(List.of("--unshare-pid", "--unshare-net",
                    "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try", "--ro-bind", "/", "/", "--dev", "/dev",
                    "--proc", "/proc", "--bind", root.resolve("tmp").toString(), "/tmp"));
            List<Path> mounted = new ArrayList<>();
            if (shipped != null) {
                command.addAll(List.of("--ro-bind", shipped.home().toString(), shipped.home().toString()));
                mounted.add(shipped.home());
                if (shipped.loader() != null) {
                    // the shipped C library runs with its own loader, in this namespace only; every process here loads
                    // it, so never with a user switch, whose setpriv runs as root (ShippedToolchains#install refuses)
                    if (plan.switchTo() != null) {
                        throw new SandboxRun.StepFailure(Failure.NOT_ALLOWED, "a shipped toolchain with a loader of its own"
                                + " cannot run where sub-works switch to troupe.worker.sandbox.user");
                    }
                    command.addAll(List.of("--ro-bind", shipped.loader().toString(), shipped.interpreter()));
                    command.addAll(List.of("--setenv", "LD_LIBRARY_PATH", shipped.libraries().toString()));
                }
            }
            // /tmp is the run's own: a program configured under the host's /tmp (a toolchain) stays visible
            if (shipped == null && program.isAbsolute() && program.getParent() != null
                    && program.getParent().getNameCount() > 0 && Files.isDirectory(program.getParent())) {
                command.addAll(List.of("--ro-bind", program.getParent().toString(), program.getParent().toString()));
                mounted.add(program.getParent());
            }
            // other sandboxes (the slots' too, under the root) and the content store are hidden (inputs are hard
            // links, still seen in place)
            for (Path hidden : java.util.Arrays.asList(casDir, sandboxRoot)) {
                if (hidden != null && Files.isDirectory(hidden)) {
                    command.addAll(List.of("--tmpfs", hidden.toString()));
                    mounted.add(hidden);
                }
            }
            command.addAll(List.of("--bind", root.toString(), root.toString()));
            mounted.add(root);
            for (Path made : madeMountParents(mounted, sandboxRoot)) {
                command.addAll(List.of("--chmod", "0755", made.toString()));
            }
            command.addAll(List.of("--chdir", work.toString()));
            if (plan.switchTo() != null) {
                command.addAll(List.of("--cap-add", "CAP_SETUID,CAP_SETGID"));
            }
            command.add("--");
        }
        if (plan.switchTo() != null) {
            command.addAll(List.of(plan.setpriv(), "--reuid=" + plan.switchTo().uid(), "--regid=" + plan.switchTo().gid(),
                    "--clear-groups", "--no-new-privs", "--"));
        }
        if (shipped != null && shipped.loader() == null) {
            // the shipped libraries for the compiler alone, after the user switch: the host's loader matches them
            command.addAll(List.of("/usr/bin/env", "LD_LIBRARY_PATH=" + shipped.libraries()));
        }
        command.addAll(argv);
        return command;
    }

    /**
     * The directories bwrap makes on the way to {@code mounted} mount points, which it makes private (0700) and the
     * sandbox user must pass: those in the run's /tmp, and those in the tmpfs over the sandbox root (a slot's
     * {@code .slots}).
     */
    static java.util.Set<Path> madeMountParents(List<Path> mounted, Path sandboxRoot) {
        java.util.Set<Path> made = new java.util.TreeSet<>();
        for (Path point : mounted) {
            for (Path up = point.getParent(); up != null && (up.startsWith("/tmp") && !up.equals(Path.of("/tmp"))
                    || up.startsWith(sandboxRoot) && !up.equals(sandboxRoot)); up = up.getParent()) {
                made.add(up);
            }
        }
        return made;
    }

    /**
     * The run's directories belong to the sandbox user; hard-linked inputs stay the content store's (read-only).
     * {@code ownTmp}: the run gets {@code root/tmp} as its /tmp (a process in a slot has the slot's instead).
     */
    private static void handOver(Plan plan, Path root, Path work, boolean ownTmp) throws IOException {
        Path tmp = root.resolve("tmp");
        if (ownTmp) {
            Files.createDirectories(tmp);
        }
        if (plan.switchTo() == null) {
            return;
        }
        if (ownTmp) {
            chown(tmp, plan.switchTo());
        }
        try (Stream<Path> tree = Files.walk(work)) {
            for (Path path : (Iterable<Path>) tree::iterator) {
                // one stat per path: a slot's reused work directory is the sandbox user's already
                Map<String, Object> attributes = Files.readAttributes(path, "unix:mode,uid,gid,nlink", LinkOption.NOFOLLOW_LINKS);
                int type = (Integer) attributes.get("mode") & SlotSandbox.TYPE_BITS;
                if (type == SlotSandbox.REGULAR_FILE && (Integer) attributes.get("nlink") > 1) {
                    // a content-store blob (0400 to its owner): readable by all here, its directory stays closed
                    Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("r--r--r--"));
                } else if (type != SlotSandbox.SYMBOLIC_LINK && ((Integer) attributes.get("uid") != plan.switchTo().uid()
                        || (Integer) attributes.get("gid") != plan.switchTo().gid())) {
                    chown(path, plan.switchTo());
                }
            }
        }
    }

    static void chown(Path path, Identity to) throws IOException {
        Files.setAttribute(path, "unix:uid", to.uid(), LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(path, "unix:gid", to.gid(), LinkOption.NOFOLLOW_LINKS);
    }

    private synchronized Plan plan() {
        if (plan == null) {
            plan = probe();
        }
        return plan;
    }

    private Plan probe() {
        String prlimit = onPath("prlimit");
        String setpriv = onPath("setpriv");
        String bwrap = settings.bubblewrap() == SandboxSettings.Bubblewrap.OFF ? null : onPath("bwrap");
        Identity switchTo = null;
        String refusal = null;
        long self = workerUid();
        if (self == 0) {
            Identity target = identity(settings.user());
            if (target == null) {
                refusal = "troupe.worker.sandbox.user '" + settings.user() + "' is not an account on this"
                        + " worker (a name in /etc/passwd, a uid, or uid:gid)";
            } else if (target.uid() == 0 && !settings.allowRoot()) {
                refusal = "this worker runs as root and troupe.worker.sandbox.user is root; it runs"
                        + " no sub-work as root unless troupe.worker.sandbox.allow-root = true";
            } else if (target.uid() != 0 && setpriv == null && !settings.allowRoot()) {
                refusal = "this worker runs as root and cannot switch sub-works to user "
                        + settings.user() + ": setpriv (util-linux) is missing; install it, or set"
                        + " troupe.worker.sandbox.allow-root = true";
            } else if (target.uid() != 0 && setpriv != null) {
                switchTo = target;
            }
        }
        if (prlimit == null) {
            LOG.warn("worker sandbox: prlimit (util-linux) is missing, sub-works run without rlimits"
                    + " (troupe.worker.sandbox.limits)");
        }
        String without = null;
        if (refusal == null && bwrap != null) {
            String failed = tryRun(new Plan(prlimit, bwrap, setpriv, switchTo, null));
            if (failed != null) {
                without = "bubblewrap does not work here (" + failed + ")";
                bwrap = null;
            }
        } else if (bwrap == null && settings.bubblewrap() != SandboxSettings.Bubblewrap.OFF) {
            without = "bubblewrap (bwrap) is not installed";
        }
        if (refusal == null && without != null && settings.bubblewrap() == SandboxSettings.Bubblewrap.REQUIRED) {
            refusal = "troupe.worker.sandbox.bubblewrap = required on this worker, but " + without;
        }
        Plan probed = new Plan(prlimit, bwrap, setpriv, switchTo, refusal);
        if (refusal == null && bwrap == null) {
            String failed = tryRun(probed);
            if (failed != null) {
                refusal = "this worker cannot start sub-works in its sandbox: " + failed;
                probed = new Plan(prlimit, null, setpriv, switchTo, refusal);
            }
        }
        log(probed, without, self);
        return probed;
    }

    private void log(Plan plan, String without, long self) {
        if (plan.refusal() != null) {
            LOG.error("worker sandbox: every sub-work is refused: {}", plan.refusal());
            return;
        }
        String user = plan.switchTo() != null ? "user " + plan.switchTo()
                : "the worker's own uid " + self + (self == 0 ? " (troupe.worker.sandbox.allow-root = true)" : "");
        if (plan.bwrap() != null) {
            LOG.info("worker sandbox: sub-works run as {} under bubblewrap (own mount, PID and network namespaces,"
                    + " only their sandbox writable); rlimits {}", user, plan.prlimit() != null ? limits() : "none");
        } else {
            LOG.warn("worker sandbox: sub-works run as {} WITHOUT bubblewrap: {}{}; they share this host's network,"
                    + " processes and world-writable directories (docs/security.md); rlimits {}", user,
                    without != null ? without : "troupe.worker.sandbox.bubblewrap = off",
                    settings.bubblewrap() == SandboxSettings.Bubblewrap.OFF ? "" : " (apt-get install bubblewrap)",
                    plan.prlimit() != null ? limits() : "none");
        }
    }

    private String limits() {
        return "cpu " + settings.cpuTime().toSeconds() + " s, address space " + settings.addressSpace() + " B, file size "
                + settings.fileSize() + " B, processes " + settings.processes();
    }

    /** Runs {@code true} as a sub-work would; null when it worked, else what went wrong. */
    private String tryRun(Plan plan) {
        Path root = SandboxDirs.newRoot(sandboxRoot, "execution-probe");
        Path work = root.resolve("work");
        try {
            Files.createDirectories(work);
            handOver(plan, root, work, true);
            Path out = root.resolve("probe-output");
            Process process = new ProcessBuilder(command(plan, List.of("true"), root, work, true)).directory(work.toFile())
                    .redirectErrorStream(true).redirectOutput(out.toFile()).start();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return "a test run did not end within 20 s";
            }
            if (process.exitValue() != 0) {
                return "a test run exited " + process.exitValue() + ": "
                        + Files.readString(out, StandardCharsets.UTF_8).strip();
            }
            return null;
        } catch (IOException e) {
            return "a test run could not start: " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        } finally {
            try {
                FileTrees.deleteTree(root);
            } catch (IOException e) {
                LOG.warn("could not remove {}: {}", root, e.toString());
            }
        }
    }

    /** Without bubblewrap the store's directory is the only thing keeping sub-works from other runs' blobs. */
    private void closeContentStore() {
        try {
            if (casDir != null && Files.isDirectory(casDir)) {
                Files.setPosixFilePermissions(casDir, PosixFilePermissions.fromString("rwx------"));
            }
        } catch (IOException | UnsupportedOperationException e) {
            LOG.warn("cannot make the content store {} private to the worker: {}", casDir, e.toString());
        }
    }

    /** {@code name}, {@code uid} or {@code uid:gid} as an account; null when unknown. */
    static Identity identity(String user) {
        Matcher numeric = Pattern.compile("(\\d+)(?::(\\d+))?").matcher(user.trim());
        if (numeric.matches()) {
            int uid = Integer.parseInt(numeric.group(1));
            return new Identity(uid, numeric.group(2) != null ? Integer.parseInt(numeric.group(2)) : uid, user.trim());
        }
        try {
            for (String line : Files.readAllLines(Path.of("/etc/passwd"), StandardCharsets.UTF_8)) {
                String[] fields = line.split(":");
                if (fields.length >= 4 && fields[0].equals(user.trim())) {
                    return new Identity(Integer.parseInt(fields[2]), Integer.parseInt(fields[3]), fields[0]);
                }
            }
        } catch (IOException | NumberFormatException e) {
            LOG.warn("cannot read /etc/passwd for troupe.worker.sandbox.user '{}': {}", user, e.toString());
        }
        return null;
    }

    private static long workerUid() {
        try {
            return ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).longValue();
        } catch (IOException | UnsupportedOperationException e) {
            return new com.sun.security.auth.module.UnixSystem().getUid();
        }
    }

    /**
     * The controlling terminal's device number in a {@code /proc/<pid>/stat} file (its 7th field), 0 for none; -1
     * when unreadable, which counts as having one.
     */
    static long controllingTerminal(Path stat) {
        try {
            String line = Files.readString(stat, StandardCharsets.UTF_8);
            // the command name, in parentheses, may hold spaces and parentheses itself
            String[] fields = line.substring(line.lastIndexOf(')') + 1).trim().split("\\s+");
            return Long.parseLong(fields[4]); // state ppid pgrp session tty_nr
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private static String onPath(String name) {
        String path = System.getenv("PATH");
        for (String dir : (path == null ? "" : path + ":/usr/bin:/usr/sbin:/bin:/sbin").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, name))) {
                return Path.of(dir, name).toString();
            }
        }
        return null;
    }
}
