package io.troupe.booster.worker;

import io.troupe.booster.worker.SubWorkExecutor.Done;
import io.troupe.booster.worker.SubWorkExecutor.Execute;
import io.troupe.booster.worker.SubWorkExecutor.Failed;
import io.troupe.booster.worker.SubWorkExecutor.Failure;
import io.troupe.booster.worker.SubWorkExecutor.InputFile;
import io.troupe.booster.worker.SubWorkExecutor.Reply;
import io.troupe.booster.worker.SubWorkExecutor.ResultFile;
import io.troupe.booster.worker.SubWorkExecutor.Step;
import io.troupe.booster.worker.SubWorkExecutor.StepResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * Runs one sub-work in its own sandbox directory: writes the inputs, runs the steps, collects stdout,
 * stderr, exit codes and result files, answers, removes the sandbox and stops. Kills the whole process tree
 * on timeout or when the requester dies. Every process start, wait and file operation runs on
 * {@code troupe.blocking-dispatcher} and reports back by message.
 */
final class Execution extends AbstractBehavior<Execution.Command> {

    interface Command extends NoSerializationVerificationNeeded {}

    /** Sent by the blocking task as soon as the process runs, so a timeout can kill it. */
    private record Started(int step, Process process) implements Command {}

    private record Collected(int step, StepResult result, Failed failure) implements Command {}

    /** A step could not run; carries the kind of failure out of the blocking task. */
    private static final class StepFailure extends RuntimeException {
        final Failure kind;

        StepFailure(Failure kind, String message) {
            super(message);
            this.kind = kind;
        }
    }

    private enum TimedOut implements Command { INSTANCE }

    private enum RequesterDied implements Command { INSTANCE }

    private enum CleanedUp implements Command { INSTANCE }

    /** Environment variable naming the run's sandbox root in every process it starts. */
    static final String MARKER = "TROUPE_EXECUTION";

    private final Execute request;
    private final WorkerSettings settings;
    private final ActorRef<SubWorkExecutor.Command> executor;
    private final Executor blocking;
    private final org.slf4j.Logger log;
    private final Path root;
    private final Path sandbox;
    private final Duration timeout;
    private final List<StepResult> results = new ArrayList<>();
    private Process process;
    /** a blocking operation or a process is under way; cleanup waits for it */
    private boolean inFlight;
    /** answered (or nobody to answer); only cleanup is left */
    private boolean closing;
    private long outputBytes;
    private boolean cleanedUp;
    /** a process tree was killed: sweep for orphans before removing the sandbox */
    private volatile boolean killed;

    static Behavior<Command> create(Execute request, WorkerSettings settings, ActorRef<SubWorkExecutor.Command> executor) {
        return Behaviors.setup(context -> Behaviors.withTimers(timers ->
                new Execution(context, timers, request, settings, executor)));
    }

    private Execution(ActorContext<Command> context, TimerScheduler<Command> timers, Execute request,
            WorkerSettings settings, ActorRef<SubWorkExecutor.Command> executor) {
        super(context);
        this.request = request;
        this.settings = settings;
        this.executor = executor;
        this.log = context.getLog();
        this.blocking = context.getSystem().dispatchers().lookup(DispatcherSelector.fromConfig("troupe.blocking-dispatcher"));
        this.root = settings.sandboxRoot().resolve(context.getSelf().path().name() + "-" + System.nanoTime());
        this.sandbox = root.resolve("work");
        long asked = request.timeoutMillis();
        long max = settings.timeout().toMillis();
        this.timeout = Duration.ofMillis(asked > 0 && asked < max ? asked : max);
        context.watchWith(request.requester(), RequesterDied.INSTANCE);
        timers.startSingleTimer(TimedOut.INSTANCE, timeout);
        runStep(0);
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Started.class, this::onStarted)
                .onMessage(Collected.class, this::onCollected)
                .onMessageEquals(TimedOut.INSTANCE, this::onTimedOut)
                .onMessageEquals(RequesterDied.INSTANCE, this::onRequesterDied)
                .onMessageEquals(CleanedUp.INSTANCE, this::onCleanedUp)
                .onSignal(org.apache.pekko.actor.typed.PostStop.class, signal -> onPostStop())
                .build();
    }

    private Behavior<Command> onCleanedUp() {
        cleanedUp = true;
        return Behaviors.stopped();
    }

    /** Stopped from outside (worker shutting down): leave no process and no sandbox behind. */
    private Behavior<Command> onPostStop() {
        if (!cleanedUp) {
            killTree();
            try {
                CompletableFuture.runAsync(this::deleteRoot, blocking);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                deleteRoot(); // the dispatcher is gone with the actor system: last chance, on this thread
            }
        }
        return this;
    }

    /**
     * One blocking task per step — (write the inputs,) start, wait, collect — so a sub-work costs few thread
     * hand-offs; the process is reported by {@link Started} on the way so a timeout can kill it.
     */
    private Behavior<Command> runStep(int index) {
        inFlight = true;
        ActorRef<Command> self = getContext().getSelf();
        getContext().pipeToSelf(CompletableFuture.supplyAsync(() -> runStepBlocking(index, self), blocking),
                (collected, error) -> collected != null ? collected : new Collected(index, null, failureOf(unwrap(error))));
        return this;
    }

    private Failed failureOf(Throwable error) {
        if (error instanceof StepFailure failure) {
            return new Failed(request.subWorkId(), failure.kind, failure.getMessage(), null);
        }
        return new Failed(request.subWorkId(), Failure.IO_ERROR, "sub-work " + request.subWorkId() + ": " + error, null);
    }

    private Behavior<Command> onStarted(Started started) {
        process = started.process();
        if (closing) {
            killTree();
        }
        return this;
    }

    private Behavior<Command> onCollected(Collected collected) {
        inFlight = false;
        process = null;
        if (closing) {
            return cleanup();
        }
        if (collected.failure() != null) {
            return answer(collected.failure());
        }
        results.add(collected.result());
        int next = collected.step() + 1;
        if (collected.result().exitCode() != 0 || next == request.steps().size()) {
            return answer(new Done(request.subWorkId(), results, null));
        }
        return runStep(next);
    }

    private Behavior<Command> onTimedOut() {
        if (closing) {
            return this;
        }
        String killed = killTree();
        return answer(new Failed(request.subWorkId(), Failure.TIMEOUT, "sub-work " + request.subWorkId()
                + " timed out after " + timeout.toMillis() + " ms; " + killed, null));
    }

    private Behavior<Command> onRequesterDied() {
        if (closing) {
            return this; // answered already; the requester simply finished first
        }
        getContext().getLog().info("requester of sub-work {} is gone; stopping it", request.subWorkId());
        killTree();
        closing = true;
        return inFlight ? this : cleanup();
    }

    private Behavior<Command> answer(Reply reply) {
        executor.tell(new SubWorkExecutor.Completed(request.replyTo(), reply));
        closing = true;
        return inFlight ? this : cleanup();
    }

    private Behavior<Command> cleanup() {
        inFlight = true;
        getContext().pipeToSelf(CompletableFuture.runAsync(this::deleteRoot, blocking), (ok, error) -> CleanedUp.INSTANCE);
        return this;
    }

    /** Kills the running process and every descendant (collected first: orphans are re-parented). */
    private String killTree() {
        Process running = process;
        if (running == null || !running.isAlive()) {
            return "no process was running";
        }
        List<ProcessHandle> descendants = running.descendants().toList();
        running.destroyForcibly();
        descendants.forEach(ProcessHandle::destroyForcibly);
        killed = true;
        return "killed process " + running.pid() + " and " + descendants.size() + " descendant(s)";
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

    // ---- blocking work, on troupe.blocking-dispatcher ----

    private Collected runStepBlocking(int index, ActorRef<Command> self) {
        if (index == 0) {
            prepare();
        }
        Process started = startProcess(index);
        self.tell(new Started(index, started));
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

    private void prepare() {
        try {
            Files.createDirectories(sandbox);
            for (InputFile input : request.inputs()) {
                Path file = SandboxPaths.resolve(sandbox, input.path(), "input file");
                Files.createDirectories(file.getParent());
                Files.write(file, input.content() == null ? new byte[0] : input.content());
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
        ProcessBuilder builder = new ProcessBuilder(argv).directory(sandbox.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
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

    private Collected collect(int index, int exitCode) {
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
                    files.add(new ResultFile(name, readCapped(file, "result file '" + name + "'")));
                }
            }
            return new Collected(index, new StepResult(exitCode, stdout, stderr, files), null);
        } catch (OutputTooLarge e) {
            return failed(index, Failure.TOO_LARGE, e.getMessage());
        } catch (IOException e) {
            return failed(index, Failure.IO_ERROR, "reading the output of sub-work " + request.subWorkId() + ": " + e);
        }
    }

    private Collected failed(int index, Failure kind, String message) {
        return new Collected(index, null, new Failed(request.subWorkId(), kind, message, null));
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

    private void deleteRoot() {
        if (killed) {
            killMarkedOrphans();
        }
        try {
            if (Files.exists(root)) {
                Files.walkFileTree(root, new SimpleFileVisitor<>() {
                    @Override
                    public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                        Files.delete(file);
                        return FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                        Files.delete(dir);
                        return FileVisitResult.CONTINUE;
                    }
                });
            }
        } catch (IOException e) {
            log.warn("could not remove sandbox {}: {}", root, e.toString());
        }
    }

    private static Throwable unwrap(Throwable error) {
        Throwable t = error;
        while ((t instanceof java.util.concurrent.CompletionException || t instanceof UncheckedIOException)
                && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    private static final class OutputTooLarge extends IOException {
        OutputTooLarge(String message) {
            super(message);
        }
    }
}
