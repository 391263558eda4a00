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
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * The blocking half of an {@link Execution}: its sandbox, processes and files, and the answer its last step
 * sends. Made by the {@link SubWorkExecutor}, which submits the first step itself so the run does not wait
 * for the Execution actor to start; thread-safe where the actor and the step tasks share it.
 */
final class SandboxRun {

    /** Environment variable naming the run's sandbox root in every process it starts. */
    static final String MARKER = "TROUPE_EXECUTION";

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(SandboxRun.class);

    /** A step could not run; carries the kind of failure out of the blocking task. */
    static final class StepFailure extends RuntimeException {
        final Failure kind;

        StepFailure(Failure kind, String message) {
            super(message);
            this.kind = kind;
        }
    }

    final Execute request;
    final WorkerSettings settings;
    private final io.troupe.booster.cas.ContentStore store;
    /** the executor's load now, added to the answer */
    private final Supplier<Load> load;
    /** set by whoever answers the requester first: the last step's task, or the Execution actor */
    final AtomicBoolean answered = new AtomicBoolean();
    final Path root;
    private final Path sandbox;
    /** a process tree was killed: sweep for orphans before removing the sandbox */
    volatile boolean killed;
    /** steps run one after another: only one task touches this at a time */
    private long outputBytes;

    SandboxRun(Execute request, WorkerSettings settings, io.troupe.booster.cas.ContentStore store, Supplier<Load> load,
            Path root) {
        this.request = request;
        this.settings = settings;
        this.store = store;
        this.load = load;
        this.root = root;
        this.sandbox = root.resolve("work");
    }

    /** Runs step {@code index} on {@code blocking}; {@code self} gets {@link Execution.Started}. */
    CompletableFuture<Execution.Collected> submitStep(int index, List<StepResult> before,
            ActorRef<Execution.Command> self, Executor blocking) {
        return CompletableFuture.supplyAsync(() -> runStepBlocking(index, before, self), blocking);
    }

    /** Thread-safe: called by the actor and by the last step's blocking task. */
    void send(Reply reply) {
        request.replyTo().tell(reply.withLoad(load.get()));
    }

    /**
     * A child forked between the descendants snapshot and the kill is re-parented and no longer a descendant;
     * every process of this run carries {@link #MARKER} in its environment, so sweep for those (Linux /proc).
     */
    private void killMarkedOrphans() {
        byte[] marker = (MARKER + "=" + root + "\0").getBytes(java.nio.charset.StandardCharsets.UTF_8);
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

    /**
     * Runs step {@code index}; after the last one (or a failure) answers the requester, unless this actor has
     * already, and removes the sandbox. {@code before} holds the results of the earlier steps.
     */
    Execution.Collected runStepBlocking(int index, List<StepResult> before, ActorRef<Execution.Command> self) {
        Execution.Collected collected;
        try {
            collected = runOneStep(index, self);
        } catch (StepFailure e) {
            collected = failed(index, e.kind, e.getMessage());
        }
        boolean last = collected.failure() != null || collected.result().exitCode() != 0
                || index + 1 == request.steps().size();
        if (last && answered.compareAndSet(false, true)) {
            send(collected.failure() != null ? collected.failure() : new Done(request.subWorkId(), append(before, collected.result()), null));
        }
        if (!last && !answered.get()) {
            return collected; // the next step runs in the same sandbox
        }
        deleteRoot();
        return new Execution.Collected(index, collected.result(), collected.failure(), true);
    }

    private Execution.Collected runOneStep(int index, ActorRef<Execution.Command> self) {
        if (index == 0) {
            prepare();
        }
        Process started = startProcess(index);
        self.tell(new Execution.Started(index, started));
        int exitCode;
        try {
            exitCode = started.waitFor();
        } catch (InterruptedException e) {
            started.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new StepFailure(Failure.IO_ERROR, "interrupted while waiting for '"
                    + request.steps().get(index).executable() + "'");
        }
        return collect(index, exitCode);
    }

    private static List<StepResult> append(List<StepResult> before, StepResult last) {
        List<StepResult> all = new ArrayList<>(before);
        all.add(last);
        return all;
    }

    private void prepare() {
        try {
            Files.createDirectories(sandbox);
            for (InputFile input : request.inputs()) {
                Path file = SandboxPaths.resolve(sandbox, input.path(), "input file");
                Files.createDirectories(file.getParent());
                if (input.content() == null) {
                    if (!store.materialize(input.digest(), file, input.executable())) {
                        // evicted since the Execute was accepted: the booster retries, sending it again
                        throw new StepFailure(Failure.IO_ERROR, "input file '" + input.path() + "' (blob "
                                + input.digest() + ") left the worker's content store before the run");
                    }
                    continue;
                }
                Files.write(file, input.content());
                if (input.executable() && !file.toFile().setExecutable(true)) {
                    throw new IOException("cannot make input file '" + input.path() + "' executable");
                }
            }
        } catch (IllegalArgumentException e) {
            throw new StepFailure(Failure.BAD_PATH, e.getMessage());
        } catch (IOException e) {
            throw new StepFailure(Failure.IO_ERROR, "preparing the sandbox of sub-work " + request.subWorkId() + ": " + e);
        }
    }

    private Process startProcess(int index) {
        Step step = request.steps().get(index);
        List<String> argv = new ArrayList<>();
        argv.add(step.executable());
        argv.addAll(step.params());
        // the launcher decides what really runs: limits, namespaces, user (docs/security.md)
        ProcessBuilder builder = SandboxLauncher.of(settings).builder(argv, root, sandbox)
                .redirectInput(ProcessBuilder.Redirect.from(step.stdin() != null
                        ? sandbox.resolve(SandboxPaths.check(step.stdin(), "stdin file")).toFile()
                        : new java.io.File("/dev/null")))
                .redirectOutput(root.resolve("stdout-" + index).toFile())
                .redirectError(root.resolve("stderr-" + index).toFile());
        for (String entry : step.env()) {
            int eq = entry.indexOf('=');
            builder.environment().put(entry.substring(0, eq), entry.substring(eq + 1));
        }
        builder.environment().put(MARKER, root.toString());
        try {
            return builder.start();
        } catch (IOException e) {
            throw new StepFailure(Failure.IO_ERROR, "cannot start '" + step.executable() + "': " + e.getMessage());
        }
    }

    private Execution.Collected collect(int index, int exitCode) {
        try {
            byte[] stdout = readCapped(root.resolve("stdout-" + index), "stdout");
            byte[] stderr = readCapped(root.resolve("stderr-" + index), "stderr");
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
            return new Execution.Collected(index, new StepResult(exitCode, stdout, stderr, files), null, false);
        } catch (OutputTooLarge e) {
            return failed(index, Failure.TOO_LARGE, e.getMessage());
        } catch (IOException e) {
            return failed(index, Failure.IO_ERROR, "reading the output of sub-work " + request.subWorkId() + ": " + e);
        }
    }

    /** Small results travel inline; larger ones go into the content store and are fetched by digest. */
    private ResultFile resultFile(String name, Path file) throws IOException {
        long size = Files.size(file);
        if (size > settings.maxFileBytes()) {
            throw new OutputTooLarge("result file '" + name + "' of sub-work " + request.subWorkId() + " is " + size
                    + " bytes, more than troupe.worker.max-file-size = " + settings.maxFileBytes());
        }
        if (size <= settings.inlineResultBytes()) {
            return new ResultFile(name, readCapped(file, "result file '" + name + "'"));
        }
        io.troupe.booster.cas.Digests.Sized stored = store.putFile(file);
        return new ResultFile(name, stored.digest(), stored.size(), null);
    }

    private Execution.Collected failed(int index, Failure kind, String message) {
        return new Execution.Collected(index, null, new Failed(request.subWorkId(), kind, message, null), false);
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
}
