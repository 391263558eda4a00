package io.troupe.booster.worker;

import io.troupe.booster.FileTrees;

import io.troupe.booster.worker.SubWorkExecutor.Done;
import io.troupe.booster.worker.SubWorkExecutor.Execute;
import io.troupe.booster.worker.SubWorkExecutor.Failed;
import io.troupe.booster.worker.SubWorkExecutor.Failure;
import io.troupe.booster.worker.SubWorkExecutor.InputFile;
import io.troupe.booster.worker.SubWorkExecutor.Load;
import io.troupe.booster.worker.SubWorkExecutor.Reply;
import io.troupe.booster.worker.SubWorkExecutor.ResultFile;
import io.troupe.booster.worker.SubWorkExecutor.Step;
import io.troupe.booster.worker.SubWorkExecutor.StepResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * The blocking half of an {@link Execution}: its sandbox, processes and files, and its answer. All steps run
 * in one blocking task ({@link #submit}), made and submitted by the {@link SubWorkExecutor} so the process
 * starts without waiting for the Execution actor. That task is the single owner of the answer: it sends
 * exactly one reply (or none when the requester is gone), from {@link #answer}. The Execution actor only
 * asks it to stop ({@link #requestStop}) and kills the process tree; the task then names the stop in its answer.
 */
final class SandboxRun {

    /**
     * Environment variable naming the run in every process it starts: its sandbox root, and in a slot, whose run
     * directory serves run after run, the root and the run's number ({@code <root>#<n>}).
     */
    static final String MARKER = "TROUPE_EXECUTION";

    private static final java.util.concurrent.atomic.AtomicLong SLOT_RUNS = new java.util.concurrent.atomic.AtomicLong();

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(SandboxRun.class);
    /** a sandbox file system with less free space than this is full: a failing step there is the worker's fault */
    static final long DISK_FULL_BELOW = 64 * 1024;

    /** A step could not run; carries the kind of failure out of the blocking task. */
    static class StepFailure extends RuntimeException {
        final Failure kind;

        StepFailure(Failure kind, String message) {
            super(message);
            this.kind = kind;
        }
    }

    /** The run's stop came before its step's process could start: the run answers for the stop. */
    static final class StoppedBeforeStart extends StepFailure {
        StoppedBeforeStart(String message) {
            super(Failure.IO_ERROR, message);
        }
    }

    /** One step's outcome inside the task: its result, or why it could not run. */
    private record Collected(StepResult result, Failed failure) {}

    /** Why the Execution actor stopped the run. */
    enum Stop {
        /** the run took longer than its timeout: answered as {@link Failure#TIMEOUT} */
        TIMEOUT,
        /** the requester died or its node left the cluster: nobody is left to answer */
        ABANDONED,
        /** the worker's drain timeout passed (its node is shutting down): answered as {@link Failure#DRAINING} */
        DRAINED,
        /**
         * the worker stopped the run for a reason the requester should hear ({@link #requestStop(Stop, String)}:
         * its booster unreachable, the Execution actor failed or the worker stopping): answered as
         * {@link Failure#IO_ERROR}, so a booster still waiting retries at once
         */
        FAILED
    }

    final Execute request;
    final WorkerSettings settings;
    private final SandboxLauncher launcher;
    /** the reused sandbox of the slot this run holds, or null: each process enters its sandbox itself */
    private final SlotSandbox slot;
    private final SlotSandboxes slots;
    private final java.util.concurrent.atomic.AtomicBoolean slotReleased = new java.util.concurrent.atomic.AtomicBoolean();
    private final io.troupe.booster.cas.ContentStore store;
    /** the load to answer with: it counts this run as ended (the executor counts it as the answer goes) */
    private final Supplier<Load> load;
    /** told as soon as the answer is out, so the slot is reused before the sandbox is removed */
    private final Runnable answered;
    final Path root;
    /** the value of {@link #MARKER} in this run's processes */
    private final String marker;
    private final Path sandbox;
    /** written by the Execution actor only, read by the task: the actor asks, the task decides */
    private volatile Stop stop;
    /** why the run was stopped, for the {@link Stop#FAILED} answer */
    private volatile String stopReason;
    /** what the actor's kill found, for the timeout answer */
    private volatile String killedWhat;
    /** a process tree was killed: sweep for orphans before removing the sandbox */
    volatile boolean killed;
    /** when the Execute reached the worker (System.nanoTime) */
    private final long arrivedNanos;
    /** the task's own state: only it touches these */
    private long outputBytes;
    private long processNanos;
    /** where the worker's time goes, logged at debug: task start and inputs ready (System.nanoTime), then per-step sums */
    private long taskNanos;
    private long inputsNanos;
    private long startingNanos;
    private long runningNanos;
    private long collectingNanos;

    SandboxRun(Execute request, WorkerSettings settings, SandboxLauncher launcher, io.troupe.booster.cas.ContentStore store,
            Supplier<Load> load, Runnable answered, long arrivedNanos, Path root) {
        this(request, settings, launcher, null, null, store, load, answered, arrivedNanos, root);
    }

    /**
     * @param slots the worker's slot sandboxes, and {@code slot} the one this run holds (or null); {@code root}
     *     is then its run directory ({@link SlotSandbox#runRoot})
     */
    SandboxRun(Execute request, WorkerSettings settings, SandboxLauncher launcher, SlotSandboxes slots, SlotSandbox slot,
            io.troupe.booster.cas.ContentStore store, Supplier<Load> load, Runnable answered, long arrivedNanos, Path root) {
        this.request = request;
        this.settings = settings;
        this.launcher = launcher;
        this.slots = slots;
        this.slot = slot;
        this.store = store;
        this.load = load;
        this.answered = answered;
        this.arrivedNanos = arrivedNanos;
        this.root = root;
        this.sandbox = root.resolve(SlotSandbox.WORK_DIR);
        // a late sweep of this run's orphans must not reach the slot's next run
        this.marker = slot != null ? root + "#" + SLOT_RUNS.incrementAndGet() : root.toString();
    }

    /** The run's time limit: the request's own when shorter than {@code troupe.worker.timeout}. */
    java.time.Duration timeout() {
        long asked = request.timeoutMillis();
        long max = settings.timeout().toMillis();
        return java.time.Duration.ofMillis(asked > 0 && asked < max ? asked : max);
    }

    /**
     * Runs every step on {@code blocking}, answers and removes the sandbox; {@code self} gets an
     * {@link Execution.Started} for each process and the future completes when all is done.
     *
     * @throws java.util.concurrent.RejectedExecutionException the dispatcher is shutting down (nothing ran)
     */
    CompletableFuture<Void> submit(ActorRef<Execution.Command> self, Executor blocking) {
        return CompletableFuture.runAsync(() -> runBlocking(self), blocking);
    }

    /** Called by the Execution actor only; the first reason stays. */
    void requestStop(Stop why) {
        requestStop(why, null);
    }

    /** Called by the Execution actor only; the first reason stays, with its explanation for the answer. */
    void requestStop(Stop why, String reason) {
        if (stop == null) {
            stopReason = reason; // before stop: the task reads stop, then the reason
            stop = why;
        }
    }

    boolean stopRequested() {
        return stop != null;
    }

    /** The actor's kill is about to happen: recorded first, so the task that sees the process die knows why. */
    void killing(String what) {
        killedWhat = what;
        killed = true;
    }

    /** The run could not even be submitted (the worker is shutting down). */
    void notStarted(Throwable error) {
        try {
            answer(List.of(), new Failed(request.subWorkId(), Failure.IO_ERROR, "sub-work " + request.subWorkId()
                    + " could not start: " + error, null), false);
        } finally {
            releaseSlot();
        }
    }

    /** Hands the slot sandbox back, emptied; only the run's own task (or a run that never started) does. */
    private void releaseSlot() {
        if (slot != null && slotReleased.compareAndSet(false, true)) {
            slot.afterRun();
            slots.release(slot);
        }
    }

    private void runBlocking(ActorRef<Execution.Command> self) {
        taskNanos = System.nanoTime();
        List<StepResult> results = new ArrayList<>();
        Failed failure = null;
        boolean cut = false;
        try {
            for (int index = 0; index < request.steps().size(); index++) {
                if (stop != null) {
                    cut = true; // stopped between steps or before the first: start nothing more
                    break;
                }
                Collected collected = runOneStep(index, self);
                if (collected.failure() != null) {
                    failure = collected.failure();
                    break;
                }
                results.add(collected.result());
                if (collected.result().exitCode() != 0) {
                    break;
                }
            }
        } catch (StoppedBeforeStart e) {
            cut = true;
        } catch (StepFailure e) {
            failure = new Failed(request.subWorkId(), e.kind, e.getMessage(), null);
        } catch (RuntimeException e) {
            failure = new Failed(request.subWorkId(), Failure.IO_ERROR, "sub-work " + request.subWorkId() + ": " + e, null);
        }
        long stepsDone = System.nanoTime();
        try {
            answer(results, failure, cut || killed);
        } finally {
            if (LOG.isDebugEnabled()) {
                logTimes(stepsDone);
            }
            deleteRoot();
            releaseSlot();
        }
    }

    /**
     * Where the worker's time went, in µs (docs/operations.md): queue, inputs, then summed over the steps the
     * processes' start, their run and reading their results, and the answer.
     */
    private void logTimes(long stepsDone) {
        long answeredAt = System.nanoTime();
        LOG.debug("sub-work {} times (us): queued {}, inputs {}, start {}, run {}, results {}, answer {}; {}",
                request.subWorkId(), (taskNanos - arrivedNanos) / 1000,
                inputsNanos == 0 ? 0 : (inputsNanos - taskNanos) / 1000, startingNanos / 1000, runningNanos / 1000,
                collectingNanos / 1000, (answeredAt - stepsDone) / 1000, slot != null ? "slot sandbox" : "own sandbox");
    }

    /**
     * The one place a reply is decided. A run the actor stopped and cut short answers for the stop (TIMEOUT)
     * or not at all (abandoned); a run that finished on its own answers with its results, even if a stop
     * came too late to cut anything.
     */
    private void answer(List<StepResult> results, Failed failure, boolean cutShort) {
        try {
            Stop why = stop;
            if (cutShort && why == Stop.ABANDONED) {
                return;
            }
            if (cutShort && why == Stop.FAILED) {
                String what = killedWhat;
                send(new Failed(request.subWorkId(), Failure.IO_ERROR, "sub-work " + request.subWorkId()
                        + " was stopped on the worker: " + stopReason + "; " + (what != null ? what : "no process was running"),
                        null));
                return;
            }
            if (cutShort && why == Stop.DRAINED) {
                send(new Failed(request.subWorkId(), Failure.DRAINING, "the worker is shutting down: sub-work "
                        + request.subWorkId() + " was stopped at troupe.worker.drain-timeout", null));
                return;
            }
            if (cutShort && why == Stop.TIMEOUT) {
                String what = killedWhat;
                send(new Failed(request.subWorkId(), Failure.TIMEOUT, "sub-work " + request.subWorkId()
                        + " timed out after " + timeout().toMillis() + " ms; "
                        + (what != null ? what : "no process was running"), null));
                return;
            }
            send(failure != null ? failure : new Done(request.subWorkId(), results, null,
                    (System.nanoTime() - arrivedNanos) / 1000, processNanos / 1000));
        } finally {
            answered.run();
        }
    }

    /** The run's answer: its load counts the run's slot as free, which it is once the answer is out. */
    private void send(Reply reply) {
        request.replyTo().tell(reply.withLoad(load.get()));
    }

    /**
     * A child forked between the descendants snapshot and the kill is re-parented and no longer a descendant;
     * every process of this run carries {@link #MARKER} in its environment, so sweep for those (Linux /proc).
     */
    private void killMarkedOrphans() {
        byte[] marker = (MARKER + "=" + this.marker + "\0").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        for (int round = 0; round < 3; round++) {
            List<ProcessHandle> orphans = ProcessHandle.allProcesses()
                    .filter(p -> p.pid() != ProcessHandle.current().pid() && carries(p.pid(), marker))
                    .toList();
            if (orphans.isEmpty()) {
                return;
            }
            orphans.forEach(ProcessHandle::destroyForcibly);
        }
    }

    private static boolean carries(long pid, byte[] marker) {
        byte[] environ;
        try {
            environ = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "environ"));
        } catch (IOException | SecurityException e) {
            return false; // gone, or another user's
        }
        outer:
        for (int i = 0; i <= environ.length - marker.length; i++) {
            if (i > 0 && environ[i - 1] != 0) {
                continue; // entries start after a NUL
            }
            for (int j = 0; j < marker.length; j++) {
                if (environ[i + j] != marker[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    private Collected runOneStep(int index, ActorRef<Execution.Command> self) {
        if (index == 0) {
            prepare();
            inputsNanos = System.nanoTime();
        }
        long before = System.nanoTime();
        Process started = startProcess(index, self);
        long startedAt = System.nanoTime();
        startingNanos += startedAt - before;
        self.tell(new Execution.Started(index, started));
        int exitCode;
        try {
            exitCode = started.waitFor();
        } catch (SlotSandbox.LauncherDied e) {
            killed = true; // without a PID namespace its processes outlive it: sweep them by marker
            throw new StepFailure(Failure.IO_ERROR, "sub-work " + request.subWorkId() + " was lost on the worker: "
                    + e.getMessage());
        } catch (InterruptedException e) {
            started.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new StepFailure(Failure.IO_ERROR, "interrupted while waiting for '"
                    + request.steps().get(index).executable() + "'");
        }
        long exitedAt = System.nanoTime();
        runningNanos += exitedAt - startedAt;
        processNanos += exitedAt - before;
        Collected collected = collect(index, exitCode);
        collectingNanos += System.nanoTime() - exitedAt;
        return collected;
    }

    private void prepare() {
        try {
            if (slot == null || !Files.isDirectory(sandbox, LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectories(sandbox);
                if (slot != null) { // a fixed mode, by which the slot tells the directory unchanged after the run
                    Files.setAttribute(sandbox, "unix:mode", SlotSandbox.WORK_DIR_MODE, LinkOption.NOFOLLOW_LINKS);
                }
            } // else the slot's last run's, emptied and as it was made (SlotSandbox.afterRun)
            for (InputFile input : request.inputs()) {
                Path file = SandboxPaths.resolve(sandbox, input.path(), "input file");
                Files.createDirectories(file.getParent());
                if (!input.inline()) {
                    if (!store.materialize(input.digest(), file, input.executable())) {
                        // evicted since the Execute was accepted: the booster retries, sending it again
                        throw new StepFailure(Failure.IO_ERROR, "input file '" + input.path() + "' (blob "
                                + input.digest() + ") left the worker's content store before the run");
                    }
                    continue;
                }
                Files.write(file, input.packed() != null ? unpacked(input) : input.content());
                if (input.executable() && !file.toFile().setExecutable(true, false)) {
                    throw new IOException("cannot make input file '" + input.path() + "' executable");
                }
            }
        } catch (IllegalArgumentException e) {
            throw new StepFailure(Failure.BAD_PATH, e.getMessage());
        } catch (IOException e) {
            throw new StepFailure(Failure.IO_ERROR, "preparing the sandbox of sub-work " + request.subWorkId() + ": " + e);
        }
    }

    private Process startProcess(int index, ActorRef<Execution.Command> self) {
        Step step = request.steps().get(index);
        List<String> argv = new ArrayList<>();
        argv.add(step.executable());
        argv.addAll(step.params());
        Path stdin = step.stdin() != null ? sandbox.resolve(SandboxPaths.check(step.stdin(), "stdin file")) : Path.of("/dev/null");
        Path stdout = root.resolve("stdout-" + index);
        Path stderr = root.resolve("stderr-" + index);
        try {
            if (slot != null && launcher.slotCanRun(step.executable())) {
                // forked by the slot's launcher, already inside the sandbox (docs/security.md)
                try {
                    ProcessBuilder bare = environment(launcher.builder(argv, root, sandbox, true), step);
                    Optional<DirectCompile.Pipeline> direct = settings.sandbox().directCompile()
                            ? DirectCompile.SHARED.pipelineFor(argv, bare.environment(), probe -> askInSlot(bare, probe, index, self))
                            : Optional.empty();
                    if (direct.isPresent()) {
                        bare.environment().putAll(direct.get().env());
                        return slot.startPipe(bare, direct.get().commands(), stdin, stdout, stderr);
                    }
                    return slot.start(bare, stdin, stdout, stderr);
                } catch (SlotSandbox.Unavailable e) {
                    LOG.debug("sub-work {} enters its sandbox itself: {}", request.subWorkId(), e.getMessage());
                }
            }
            // the launcher decides what really runs: limits, namespaces, user (docs/security.md)
            ProcessBuilder builder = environment(launcher.builder(argv, root, sandbox), step)
                    .redirectInput(ProcessBuilder.Redirect.from(stdin.toFile()))
                    .redirectOutput(stdout.toFile())
                    .redirectError(stderr.toFile());
            return builder.start();
        } catch (IOException e) {
            throw new StepFailure(Failure.IO_ERROR, "cannot start '" + step.executable() + "': " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StepFailure(Failure.IO_ERROR, "interrupted while starting '" + step.executable() + "'");
        }
    }

    /** Most a compiler's {@code -###} answer may hold, as {@link io.troupe.booster.toolchain.Toolchains#output} reads. */
    private static final long MAX_DRIVER_ANSWER = 1 << 20;

    /**
     * Runs a compiler's {@code -###} in this run's slot as {@code compile} would run (same user, directory and
     * environment, in the C locale so that its lines parse); what it printed, or null when it failed.
     */
    private String askInSlot(ProcessBuilder compile, List<String> argv, int index, ActorRef<Execution.Command> self)
            throws IOException, InterruptedException {
        ProcessBuilder probe = new ProcessBuilder(argv).directory(compile.directory());
        probe.environment().clear();
        probe.environment().putAll(compile.environment());
        probe.environment().put("LC_ALL", "C");
        Path out = root.resolve("driver-probe-out");
        Path err = root.resolve("driver-probe-err");
        try {
            Process asking = slot.start(probe, Path.of("/dev/null"), out, err);
            // the run's process until it ends: a timeout or a cancel kills a driver that hangs here as it kills a compile
            self.tell(new Execution.Started(index, asking));
            int exit;
            try {
                exit = asking.waitFor();
            } catch (SlotSandbox.LauncherDied e) {
                killed = true; // as for a compile (runOneStep): its processes may outlive it, swept by marker
                throw new StepFailure(Failure.IO_ERROR, "sub-work " + request.subWorkId() + " was lost on the worker"
                        + " while its driver printed its commands (-###): " + e.getMessage());
            }
            if (stop != null) {
                // killed by the stop, or answering as it came: start no compile only to kill it, and learn nothing
                throw new StoppedBeforeStart("sub-work " + request.subWorkId() + " was stopped while its driver"
                        + " printed its commands (-###)");
            }
            // an answer too long to be one compile's commands is not read in part
            return exit == 0 && Files.size(err) <= MAX_DRIVER_ANSWER
                    ? Files.readString(err, java.nio.charset.StandardCharsets.UTF_8) : null;
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    private ProcessBuilder environment(ProcessBuilder builder, Step step) {
        for (String entry : step.env()) {
            int eq = entry.indexOf('=');
            builder.environment().put(entry.substring(0, eq), entry.substring(eq + 1));
        }
        builder.environment().put(MARKER, marker);
        return builder;
    }

    private Collected collect(int index, int exitCode) {
        try {
            byte[] stdout = readCapped(root.resolve("stdout-" + index), "stdout");
            byte[] stderr = readCapped(root.resolve("stderr-" + index), "stderr");
            String diskFull = exitCode == 0 ? null : diskFull(index, exitCode, stderr);
            if (diskFull != null) {
                return failed(index, Failure.IO_ERROR, diskFull);
            }
            List<ResultFile> files = new ArrayList<>();
            if (exitCode == 0) {
                for (String name : request.steps().get(index).resultFiles()) {
                    Path file;
                    try {
                        file = SandboxPaths.resolveExisting(sandbox, name, "result file");
                    } catch (java.nio.file.NoSuchFileException e) {
                        return failed(index, Failure.MISSING_RESULT, "result file '" + name + "' was not produced by '"
                                + request.steps().get(index).executable() + "' (exit code 0)");
                    } catch (IllegalArgumentException e) {
                        return failed(index, Failure.BAD_PATH, e.getMessage());
                    } catch (IOException e) {
                        return failed(index, Failure.BAD_PATH, e.getMessage());
                    }
                    files.add(resultFile(name, file));
                }
            }
            return new Collected(new StepResult(exitCode, stdout, stderr, files), null);
        } catch (OutputTooLarge e) {
            return failed(index, Failure.TOO_LARGE, e.getMessage());
        } catch (IOException e) {
            return failed(index, Failure.IO_ERROR, "reading the output of sub-work " + request.subWorkId() + ": " + e);
        }
    }

    /**
     * A step that failed while the worker's sandbox file system is full failed for the worker, not for its
     * inputs: answered as {@link Failure#IO_ERROR} (so the booster runs it elsewhere or locally) rather than as
     * the command's own result. Full = its stderr names ENOSPC or EDQUOT, or less than {@link #DISK_FULL_BELOW}
     * bytes are left (other sandboxes may have been removed since, hence the stderr check too); else null.
     */
    private String diskFull(int index, int exitCode, byte[] stderr) {
        String text = new String(stderr, java.nio.charset.StandardCharsets.ISO_8859_1);
        boolean says = text.contains("No space left on device") || text.contains("Disk quota exceeded");
        long usable = -1;
        try {
            usable = Files.getFileStore(root).getUsableSpace();
        } catch (IOException e) {
            // the sandbox is gone or unreadable: only stderr decides
        }
        if (!says && (usable < 0 || usable >= DISK_FULL_BELOW)) {
            return null;
        }
        return "sub-work " + request.subWorkId() + ": '" + request.steps().get(index).executable() + "' exited with "
                + exitCode + " on a full sandbox file system (" + root.getParent() + ", " + usable + " bytes free"
                + (says ? ", stderr: no space left" : "") + "): a worker fault, not the command's result";
    }

    /**
     * Small results travel inline, larger ones packed when LZ4 packs them small enough (an object file packs 2-4
     * fold); the rest go into the content store and are fetched by digest.
     */
    private ResultFile resultFile(String name, Path file) throws IOException {
        // one stat for the size and the mode: the executable bit goes back with the file
        java.nio.file.attribute.PosixFileAttributes attrs =
                Files.readAttributes(file, java.nio.file.attribute.PosixFileAttributes.class);
        boolean executable = attrs.permissions().contains(java.nio.file.attribute.PosixFilePermission.OWNER_EXECUTE);
        long size = attrs.size();
        if (size > settings.maxFileBytes()) {
            throw new OutputTooLarge("result file '" + name + "' of sub-work " + request.subWorkId() + " is " + size
                    + " bytes, more than troupe.worker.max-file-size = " + settings.maxFileBytes());
        }
        if (size <= settings.inlineResultBytes()) {
            return new ResultFile(name, null, size, readCapped(file, "result file '" + name + "'"), null, executable);
        }
        long packedBudget = !request.takesPacked() ? 0
                : Math.min(settings.inlinePackedResultBytes(), settings.maxOutputBytes() - outputBytes);
        if (size <= io.troupe.booster.cas.Compression.RATIO_TRIED * packedBudget) {
            byte[] block = io.troupe.booster.cas.Compression.pack(Files.readAllBytes(file));
            if (block != null && block.length <= packedBudget) {
                outputBytes += block.length;
                return new ResultFile(name, null, size, null, block, executable);
            }
        }
        io.troupe.booster.cas.Digests.Sized stored = store.putFile(file);
        return new ResultFile(name, stored.digest(), stored.size(), null, null, executable);
    }

    private Collected failed(int index, Failure kind, String message) {
        return new Collected(null, new Failed(request.subWorkId(), kind, message, null));
    }

    private byte[] readCapped(Path file, String what) throws IOException {
        long size = Files.size(file);
        outputBytes += size;
        if (outputBytes > settings.maxOutputBytes()) {
            throw new OutputTooLarge("output of sub-work " + request.subWorkId() + " (" + what
                    + ") passes troupe.worker.max-output-bytes = " + settings.maxOutputBytes());
        }
        return Files.readAllBytes(file);
    }

    void deleteRoot() {
        if (killed) {
            killMarkedOrphans();
        }
        if (slot != null) {
            return; // a slot's run directory stays; the run's task empties it before the slot is released (releaseSlot)
        }
        try {
            FileTrees.deleteTree(root);
        } catch (IOException e) {
            LOG.warn("could not remove sandbox {}: {}", root, e.toString());
        }
    }

    private static final class OutputTooLarge extends IOException {
        OutputTooLarge(String message) {
            super(message);
        }
    }

    private static byte[] unpacked(InputFile input) {
        try {
            return io.troupe.booster.cas.Compression.unpack(input.packed(), input.size(), "input file '" + input.path() + "'");
        } catch (IllegalArgumentException e) {
            throw new StepFailure(Failure.BAD_REQUEST, e.getMessage());
        }
    }
}
