package io.troupe.booster.worker;

import io.troupe.booster.FileTrees;
import io.troupe.booster.ProcessTrees;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * One worker slot's sandbox, entered once: a long-lived {@code troupe-slot} launcher (src/main/c/troupe-slot.c)
 * already inside the slot's namespaces and running as the sandbox user, which forks each sub-work of the slot
 * (docs/security.md, "Reused slot sandboxes"). A run works in the slot's run directory, which stays the worker's;
 * after it, the launcher has killed what the run left and this empties the run directory and the slot's
 * {@code /tmp}. A launcher that died is started again for the next run. Used by one run at a time
 * ({@link SlotSandboxes}); blocking.
 */
final class SlotSandbox {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(SlotSandbox.class);
    /** How long a killed process's launcher has to report it gone before the launcher is killed. */
    static final java.time.Duration KILL_GRACE = java.time.Duration.ofSeconds(5);
    /** One daemon thread for every slot: checks, a grace after each kill, that the launcher obeyed. */
    private static final java.util.concurrent.ScheduledExecutorService KILL_WATCH =
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "troupe-slot-kill-watch");
                t.setDaemon(true);
                return t;
            });

    /** The launcher could not be started: the run enters the sandbox the old way. */
    static final class Unavailable extends IOException {
        Unavailable(String message) {
            super(message);
        }
    }

    /** The launcher died while a process of a run was in it: the run is answered as a worker-side failure. */
    static final class LauncherDied extends RuntimeException {
        LauncherDied(String message) {
            super(message);
        }
    }

    private final SlotSandboxes pool;
    private final SandboxLauncher launcher;
    private final Path binary;
    /** the slot's directory: runs' directories, {@code tmp} (the slot's /tmp) and the launcher's log */
    final Path dir;
    /** guards the control pipe: a kill comes from another thread than the run's */
    private final Object control = new Object();
    /** read without the slot's lock, which a run holds while it waits for its process */
    private volatile Process process;
    private OutputStream requests;
    private BufferedReader replies;
    /** what bubblewrap made in the slot's /tmp (mount points): kept when it is emptied */
    private Set<Path> tmpBaseline = Set.of();
    private int starts;
    /** closed by the worker stopping (or a /tmp that could not be emptied): the next run starts it again */
    private boolean closed;

    SlotSandbox(SlotSandboxes pool, SandboxLauncher launcher, Path binary, Path dir) {
        this.pool = pool;
        this.launcher = launcher;
        this.binary = binary;
        this.dir = dir;
    }

    /** The run directory's name in the slot directory. */
    static final String RUN_DIR = "run";
    /** A run's work directory in the run directory ({@link SandboxRun}). */
    static final String WORK_DIR = "work";
    /** The output files of a run's first step, which every run has: kept for the next run when unchanged. */
    static final Set<String> KEPT_OUTPUTS = Set.of("stdout-0", "stderr-0");
    /** The permission bits ({@code unix:mode}) a run's output files are made with, and its work directory. */
    private static final int OUTPUT_MODE = 0644;
    static final int WORK_DIR_MODE = 0755;
    /** File type bits of {@code unix:mode}, and the types this and {@link SandboxLauncher} tell apart. */
    static final int TYPE_BITS = 0170000;
    static final int REGULAR_FILE = 0100000;
    static final int DIRECTORY = 0040000;
    static final int SYMBOLIC_LINK = 0120000;

    /**
     * The directory of this slot's runs, made by the first and emptied by each ({@link #afterRun}). It is kept, not
     * made per run: on ext4 a directory made while many were just removed costs a scan of the recently freed inodes.
     * It stays the worker's, so a sub-work can change nothing in it but its own work directory and output files.
     */
    Path runRoot() {
        return dir.resolve(RUN_DIR);
    }

    /**
     * Starts {@code bare} (argv, environment, working directory; from {@link SandboxLauncher#builder}) in this slot.
     *
     * @throws Unavailable the launcher cannot be started; the caller starts the process itself
     * @throws IOException the launcher refused the request or died before starting it
     */
    synchronized Process start(ProcessBuilder bare, Path stdin, Path stdout, Path stderr) throws IOException {
        return launch(bare, List.of(bare.command()), stdin, stdout, stderr);
    }

    /**
     * As {@link #start}, but runs {@code commands} (two) with the first's stdout piped to the second's stdin, as
     * {@code gcc -pipe} runs cc1 and as; the process exits with the first's status when that is not 0, else the
     * second's. {@code bare} gives the environment and the working directory.
     */
    synchronized Process startPipe(ProcessBuilder bare, List<List<String>> commands, Path stdin, Path stdout, Path stderr)
            throws IOException {
        if (commands.size() != 2) {
            throw new IllegalArgumentException("a slot pipe runs two commands, not " + commands.size());
        }
        return launch(bare, commands, stdin, stdout, stderr);
    }

    private Process launch(ProcessBuilder bare, List<List<String>> commands, Path stdin, Path stdout, Path stderr)
            throws IOException {
        ensureRunning();
        if (!Files.exists(stdin)) {
            throw new IOException(stdin + " (No such file or directory)");
        }
        SandboxLauncher.Identity user = launcher.sandboxUser();
        if (user != null) {
            // the run's directory stays the worker's; only these two files are the sub-work's to write. The last
            // run's, unchanged, are reused: the launcher truncates them, and a new file costs an inode allocation
            for (Path file : List.of(stdout, stderr)) {
                if (!asMade(attributesOf(file), user, false)) {
                    Files.deleteIfExists(file);
                    Files.createFile(file);
                    Files.setAttribute(file, "unix:mode", OUTPUT_MODE, LinkOption.NOFOLLOW_LINKS);
                    SandboxLauncher.chown(file, user);
                }
            }
        }
        List<String> fields = new ArrayList<>(List.of(commands.size() == 1 ? "run" : "pipe", bare.directory().toString(),
                stdin.toString(), stdout.toString(), stderr.toString()));
        for (List<String> command : commands) {
            fields.add(Integer.toString(command.size()));
            fields.addAll(command);
        }
        Map<String, String> env = bare.environment();
        fields.add(Integer.toString(env.size()));
        env.forEach((name, value) -> fields.add(name + "=" + value));
        send(fields);
        String reply = replies.readLine();
        if (reply != null && reply.startsWith("started ")) {
            return new SlotProcess(Long.parseLong(reply.substring("started ".length())));
        }
        if (reply != null && reply.startsWith("error ")) {
            throw new IOException("the slot launcher refused it: " + reply.substring("error ".length()));
        }
        String why = died();
        throw new IOException("the slot launcher " + why);
    }

    /** Starts the launcher now, if it is not running (worker start). */
    synchronized void prepare() throws IOException {
        if (pool.closed()) {
            return; // the worker stopped meanwhile: its directory is being removed
        }
        ensureRunning();
    }

    /**
     * Empties the run directory and the slot's /tmp of what the last run left; the launcher already killed its
     * processes. What cannot be removed closes the slot: its next run starts in a new directory.
     */
    synchronized void afterRun() {
        if (closed) {
            return; // the worker is stopping: the directory is gone
        }
        SandboxLauncher.Identity user = launcher.sandboxUser();
        try (Stream<Path> entries = Files.isDirectory(runRoot(), LinkOption.NOFOLLOW_LINKS) ? Files.list(runRoot())
                : Stream.empty()) {
            for (Path entry : (Iterable<Path>) entries::iterator) {
                String name = entry.getFileName().toString();
                boolean keepable = KEPT_OUTPUTS.contains(name) || name.equals(WORK_DIR);
                Map<String, Object> attributes = keepable && user != null ? attributesOf(entry) : null; // others go
                if (KEPT_OUTPUTS.contains(name) && asMade(attributes, user, false)) {
                    if ((Long) attributes.get("size") > 0) { // nothing of this run's output waits for the next
                        Files.newByteChannel(entry, Set.of(StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING,
                                LinkOption.NOFOLLOW_LINKS)).close();
                    }
                    continue;
                }
                if (name.equals(WORK_DIR) && asMade(attributes, user, true)) {
                    emptyDirectory(entry); // kept: a directory made anew costs a scan of the freed inodes
                    continue;
                }
                FileTrees.deleteTree(entry); // what the run changed, and every other file of it
            }
        } catch (IOException e) {
            LOG.warn("cannot empty {}, closing this slot's sandbox: {}", runRoot(), e.toString());
            close();
            return;
        }
        Path tmp = dir.resolve("tmp");
        if (!Files.isDirectory(tmp, LinkOption.NOFOLLOW_LINKS)) {
            return; // its launcher never started (refused): no run wrote in it
        }
        try (Stream<Path> entries = Files.list(tmp)) {
            for (Path entry : (Iterable<Path>) entries::iterator) {
                if (tmpBaseline.contains(entry)) {
                    continue;
                }
                if (Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS)) {
                    FileTrees.deleteTree(entry);
                } else {
                    Files.deleteIfExists(entry); // a link too, dangling or not
                }
            }
        } catch (IOException e) {
            // what stays could be seen by the slot's next run: this slot is not used again
            LOG.warn("cannot empty {}, closing this slot's sandbox: {}", tmp, e.toString());
            close();
        }
    }

    /**
     * Whether {@code path} is still as this slot makes it for the sandbox user: a work directory 0755 or an output
     * file 0644 with no other link, owned by the sandbox user ({@code attributes} from {@link #attributesOf}; null, or
     * no sandbox user: no). A run may change its own (chmod, a hard link elsewhere): it is then made anew, so nothing
     * a run did to them reaches the next.
     */
    private static boolean asMade(Map<String, Object> attributes, SandboxLauncher.Identity user, boolean directory) {
        if (attributes == null) {
            return false;
        }
        int mode = (Integer) attributes.get("mode");
        return user != null && (mode & TYPE_BITS) == (directory ? DIRECTORY : REGULAR_FILE)
                && (mode & 07777) == (directory ? WORK_DIR_MODE : OUTPUT_MODE)
                && (Integer) attributes.get("uid") == user.uid() && (Integer) attributes.get("gid") == user.gid()
                && (directory || (Integer) attributes.get("nlink") == 1);
    }

    /** The unix attributes {@link #asMade} reads, and the size, in one stat; null when there is no such file. */
    static Map<String, Object> attributesOf(Path path) {
        try {
            return Files.readAttributes(path, "unix:mode,uid,gid,nlink,size", LinkOption.NOFOLLOW_LINKS);
        } catch (IOException | UnsupportedOperationException e) {
            return null;
        }
    }

    private static void emptyDirectory(Path directory) throws IOException {
        try (Stream<Path> entries = Files.list(directory)) {
            for (Path entry : (Iterable<Path>) entries::iterator) {
                FileTrees.deleteTree(entry);
            }
        }
    }

    /** Whether the launcher is running now. */
    boolean running() {
        Process now = process;
        return now != null && now.isAlive();
    }

    /** Closes the control pipe without waiting: the launcher kills what runs in it and exits. */
    void hangUp() {
        synchronized (control) {
            if (requests != null) {
                try {
                    requests.close();
                } catch (IOException e) {
                    // already gone
                }
            }
        }
    }

    /** Stops the launcher (it kills whatever still runs in it) and removes the slot directory. */
    synchronized void close() {
        closed = true;
        stopLauncher();
        for (int attempt = 1; ; attempt++) {
            try {
                FileTrees.deleteTree(dir);
                return;
            } catch (java.nio.file.NoSuchFileException e) {
                if (attempt == 3) {
                    LOG.debug("slot sandbox {} changed while it was removed: {}", dir, e.toString());
                    return;
                }
            } catch (IOException e) {
                LOG.warn("could not remove slot sandbox {}: {}", dir, e.toString());
                return;
            }
        }
    }

    /** The launcher's pid (the bubblewrap process when under bubblewrap), for tests; -1 when not running. */
    long launcherPid() {
        Process now = process;
        return now != null && now.isAlive() ? now.pid() : -1;
    }

    private void ensureRunning() throws IOException {
        if (process != null && process.isAlive()) {
            return;
        }
        if (process != null) {
            LOG.warn("slot launcher in {} {}; starting it again", dir, died());
        }
        closed = false;
        Path tmp = dir.resolve("tmp");
        Path log = dir.resolve("launcher.log");
        try {
            Files.createDirectories(tmp);
            SandboxLauncher.Identity user = launcher.sandboxUser();
            if (user != null) {
                Files.setAttribute(tmp, "unix:uid", user.uid(), LinkOption.NOFOLLOW_LINKS);
                Files.setAttribute(tmp, "unix:gid", user.gid(), LinkOption.NOFOLLOW_LINKS);
            }
            Process started = launcher.slotBuilder(binary, dir).redirectError(log.toFile()).start();
            starts++;
            synchronized (control) {
                process = started;
                requests = started.getOutputStream();
                replies = new BufferedReader(new InputStreamReader(started.getInputStream(), StandardCharsets.UTF_8));
            }
            String ready = replies.readLine();
            if (!"ready".equals(ready)) {
                String why = died();
                pool.disable("the slot launcher " + binary + " " + why);
                throw new Unavailable("the slot launcher " + why);
            }
            try (Stream<Path> made = Files.list(tmp)) {
                tmpBaseline = new HashSet<>(made.toList());
            }
        } catch (SandboxRun.StepFailure e) {
            throw new Unavailable(e.getMessage()); // refused: the old way answers NOT_ALLOWED with the reason
        } catch (Unavailable e) {
            throw e;
        } catch (IOException e) {
            stopLauncher();
            pool.disable("cannot start the slot launcher " + binary + ": " + e.getMessage());
            throw new Unavailable("cannot start the slot launcher: " + e.getMessage());
        }
    }

    /** Why the launcher is gone (its exit status and log), after making sure it is. */
    private String died() {
        Process gone = process;
        stopLauncher();
        String log;
        try {
            log = Files.readString(dir.resolve("launcher.log"), StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            log = "";
        }
        String status = gone == null ? "did not start" : "exited"
                + (gone.isAlive() ? "" : " with status " + gone.exitValue());
        return status + (log.isEmpty() ? "" : ": " + log.lines().reduce((a, b) -> b).orElse(""));
    }

    private void stopLauncher() {
        Process stopping;
        synchronized (control) {
            stopping = process;
            process = null;
            if (requests != null) {
                try {
                    requests.close(); // EOF: the launcher kills what runs in it and exits
                } catch (IOException e) {
                    // already gone
                }
            }
            requests = null;
        }
        if (stopping != null) {
            try {
                if (!stopping.waitFor(2, TimeUnit.SECONDS)) {
                    stopping.destroyForcibly();
                    stopping.waitFor(2, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                stopping.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Sends one request: its length in decimal and a newline, then its NUL-terminated fields. */
    private void send(List<String> fields) throws IOException {
        java.io.ByteArrayOutputStream payload = new java.io.ByteArrayOutputStream();
        for (String field : fields) {
            if (field.indexOf('\0') >= 0) {
                throw new IOException("a NUL character in '" + field.replace('\0', '?') + "'");
            }
            payload.writeBytes(field.getBytes(StandardCharsets.UTF_8));
            payload.write(0);
        }
        synchronized (control) {
            if (requests == null) {
                throw new IOException("the slot launcher is not running");
            }
            requests.write((payload.size() + "\n").getBytes(StandardCharsets.US_ASCII));
            payload.writeTo(requests);
            requests.flush();
        }
    }

    private void kill(long pid) {
        try {
            send(List.of("kill", Long.toString(pid)));
        } catch (IOException e) {
            LOG.debug("kill request to the slot launcher in {}: {}", dir, e.toString());
        }
    }

    /**
     * A process the launcher started: its exit status comes back on the control pipe. Killing it asks the launcher
     * to kill its process group (with a PID namespace, everything in the slot but the launcher).
     */
    private final class SlotProcess extends StreamlessProcess {
        private final long pid;
        private volatile Integer exit;

        SlotProcess(long pid) {
            this.pid = pid;
        }

        @Override
        public int waitFor() {
            synchronized (SlotSandbox.this) {
                if (exit != null) {
                    return exit;
                }
                String reply;
                try {
                    reply = replies == null ? null : replies.readLine();
                } catch (IOException e) {
                    reply = null;
                }
                if (reply == null || !reply.startsWith("exit ")) {
                    throw new LauncherDied("the slot launcher of " + dir + " " + died() + " while process " + pid
                            + " ran in it");
                }
                exit = Integer.parseInt(reply.substring("exit ".length()));
                return exit;
            }
        }

        @Override
        public int exitValue() {
            Integer code = exit;
            if (code == null) {
                throw new IllegalThreadStateException("process " + pid + " has not exited");
            }
            return code;
        }

        @Override
        public boolean isAlive() {
            return exit == null && launcherPid() >= 0;
        }

        @Override
        public void destroy() {
            destroyForcibly();
        }

        @Override
        public Process destroyForcibly() {
            if (exit == null) {
                Process told = process;
                kill(pid);
                // a launcher that does not end the process in time (stopped, wedged) is ended itself: its slot must
                // not stay taken, nor its sub-work unanswered
                KILL_WATCH.schedule(() -> launcherIgnoredTheKill(told), KILL_GRACE.toMillis(), TimeUnit.MILLISECONDS);
            }
            return this;
        }

        /** Kills {@code told}, the launcher asked to kill this process, if it still runs and this has not ended. */
        private void launcherIgnoredTheKill(Process told) {
            Process now = process;
            // the same launcher only: after a restart the slot's new one runs another sub-work
            if (exit != null || told == null || now != told || !now.isAlive()) {
                return;
            }
            LOG.warn("the slot launcher of {} did not end process {} within {} s of the kill; killing the launcher",
                    dir, pid, KILL_GRACE.toSeconds());
            ProcessTrees.end(now, true);
        }

        /** Its pid in the slot's PID namespace (the host's without one). */
        @Override
        public long pid() {
            return pid;
        }

        /**
         * The other processes of the run, as the host sees them (scans /proc): what the launcher started besides
         * this one, and their descendants. The launcher kills them itself; listed for the kill's report.
         */
        @Override
        public Stream<ProcessHandle> descendants() {
            Process now = process;
            if (now == null || !now.isAlive()) {
                return Stream.empty();
            }
            // under bubblewrap the launcher is the namespace's init, bubblewrap's only child
            Optional<ProcessHandle> host = launcher.namespaced() ? now.toHandle().children().findFirst()
                    : Optional.of(now.toHandle());
            return host.stream().flatMap(ProcessHandle::descendants).filter(p -> !isThis(p));
        }

        private boolean isThis(ProcessHandle candidate) {
            if (!launcher.namespaced()) {
                return candidate.pid() == pid;
            }
            try {
                for (String line : Files.readAllLines(Path.of("/proc", Long.toString(candidate.pid()), "status"))) {
                    if (line.startsWith("NSpid:")) {
                        String[] ids = line.substring("NSpid:".length()).trim().split("\\s+");
                        return ids[ids.length - 1].equals(Long.toString(pid)); // its pid in the slot's namespace
                    }
                }
            } catch (IOException e) {
                return false; // gone
            }
            return false;
        }
    }

    @Override
    public String toString() {
        return "slot sandbox " + dir + " (launcher started " + starts + " time(s))";
    }
}
