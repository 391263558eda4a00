package io.troupe.booster.worker;

import static io.troupe.booster.Failures.unwrap;

import io.troupe.booster.worker.SubWorkExecutor.Execute;
import io.troupe.booster.worker.SubWorkExecutor.Failed;
import io.troupe.booster.worker.SubWorkExecutor.Failure;
import io.troupe.booster.worker.SubWorkExecutor.Reply;
import io.troupe.booster.worker.SubWorkExecutor.StepResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
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
 * {@code troupe.blocking-dispatcher} and reports back by message. The last step's blocking task answers the
 * requester itself and then removes the sandbox, so the answer leaves without waiting for this actor's
 * thread; the actor answers only on timeout or an unexpected failure, and whichever answers first wins.
 */
final class Execution extends AbstractBehavior<Execution.Command> {

    interface Command extends NoSerializationVerificationNeeded {}

    /** Sent by the blocking task as soon as the process runs, so a timeout can kill it. */
    record Started(int step, Process process) implements Command {}

    /** @param cleanedUp the task also answered (or nobody is left to answer) and removed the sandbox */
    record Collected(int step, StepResult result, Failed failure, boolean cleanedUp) implements Command {}

    private enum TimedOut implements Command { INSTANCE }

    private enum RequesterDied implements Command { INSTANCE }

    private enum CleanedUp implements Command { INSTANCE }

    private final SandboxRun run;
    private final Execute request;
    private final Executor blocking;
    /** set by whoever answers the requester first: the last step's task, or this actor */
    private final AtomicBoolean answered;
    private final Duration timeout;
    private final List<StepResult> results = new ArrayList<>();
    private Process process;
    /** a blocking operation or a process is under way; cleanup waits for it */
    private boolean inFlight;
    /** answered (or nobody to answer); only cleanup is left */
    private boolean closing;
    private boolean cleanedUp;

    /**
     * @param firstStep step 0, already submitted to the blocking dispatcher by the executor (so the process
     *     starts without waiting for this actor's first turn); completes with its {@link Collected}
     */
    static Behavior<Command> create(SandboxRun run, CompletableFuture<Collected> firstStep) {
        return Behaviors.setup(context -> Behaviors.withTimers(timers ->
                new Execution(context, timers, run, firstStep)));
    }

    private Execution(ActorContext<Command> context, TimerScheduler<Command> timers, SandboxRun run,
            CompletableFuture<Collected> firstStep) {
        super(context);
        this.run = run;
        this.request = run.request;
        this.answered = run.answered;
        this.blocking = context.getSystem().dispatchers().lookup(DispatcherSelector.fromConfig("troupe.blocking-dispatcher"));
        long asked = request.timeoutMillis();
        long max = run.settings.timeout().toMillis();
        this.timeout = Duration.ofMillis(asked > 0 && asked < max ? asked : max);
        context.watchWith(request.requester(), RequesterDied.INSTANCE);
        timers.startSingleTimer(TimedOut.INSTANCE, timeout);
        await(0, firstStep);
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
            answered.set(true); // the killed step's task must not answer with the kill's exit code
            Process running = process;
            Runnable stop = () -> {
                killTree(running, run); // first: deleteRoot sweeps orphans only once it knows of the kill
                run.deleteRoot();
            };
            try {
                CompletableFuture.runAsync(stop, blocking);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                stop.run(); // the dispatcher is gone with the actor system: last chance, on this thread
            }
        }
        return this;
    }

    /**
     * One blocking task per step — (write the inputs,) start, wait, collect, and after the last step answer
     * and clean up — so a sub-work costs few thread hand-offs; the process is reported by {@link Started} on
     * the way so a timeout can kill it.
     */
    private Behavior<Command> runStep(int index) {
        return await(index, run.submitStep(index, List.copyOf(results), getContext().getSelf(), blocking));
    }

    private Behavior<Command> await(int index, CompletableFuture<Collected> step) {
        inFlight = true;
        getContext().pipeToSelf(step, (collected, error) -> collected != null ? collected
                : new Collected(index, null, failureOf(unwrap(error)), false));
        return this;
    }

    private Failed failureOf(Throwable error) {
        if (error instanceof SandboxRun.StepFailure failure) {
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
        if (collected.cleanedUp()) {
            return onCleanedUp();
        }
        if (closing) {
            return cleanup();
        }
        if (collected.failure() != null) {
            return answer(collected.failure());
        }
        results.add(collected.result());
        return runStep(collected.step() + 1); // a last step's task answers and cleans up itself (cleanedUp)
    }

    private Behavior<Command> onTimedOut() {
        // claimed before the kill: the killed process's exit must not be answered by the step's task
        if (closing || !answered.compareAndSet(false, true)) {
            return this; // the last step's task answered; its Collected is on the way
        }
        // the answer names what the kill found, so it leaves from the kill's blocking task (send is thread-safe)
        killTree().thenAccept(killed -> send(new Failed(request.subWorkId(), Failure.TIMEOUT, "sub-work "
                + request.subWorkId() + " timed out after " + timeout.toMillis() + " ms; " + killed, null)));
        closing = true;
        return inFlight ? this : cleanup();
    }

    private Behavior<Command> onRequesterDied() {
        if (closing || !answered.compareAndSet(false, true)) {
            return this; // answered already; the requester simply finished first
        }
        getContext().getLog().info("requester of sub-work {} is gone; stopping it", request.subWorkId());
        killTree();
        closing = true;
        return inFlight ? this : cleanup();
    }

    private Behavior<Command> answer(Reply reply) {
        if (answered.compareAndSet(false, true)) {
            send(reply);
        }
        closing = true;
        return inFlight ? this : cleanup();
    }

    private Behavior<Command> cleanup() {
        inFlight = true;
        getContext().pipeToSelf(CompletableFuture.runAsync(run::deleteRoot, blocking), (ok, error) -> CleanedUp.INSTANCE);
        return this;
    }

    /** Thread-safe: called by this actor and by the last step's blocking task. */
    private void send(Reply reply) {
        run.send(reply);
    }

    /**
     * Kills the running process and every descendant (collected first: orphans are re-parented). Listing
     * descendants scans /proc, so it runs on the blocking dispatcher, not on this actor's thread.
     */
    private CompletableFuture<String> killTree() {
        Process running = process;
        try {
            return CompletableFuture.supplyAsync(() -> killTree(running, run), blocking);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            return CompletableFuture.completedFuture(killTree(running, run)); // the system is going down
        }
    }

    private static String killTree(Process running, SandboxRun run) {
        if (running == null || !running.isAlive()) {
            return "no process was running";
        }
        List<ProcessHandle> descendants = running.descendants().toList();
        run.killed = true; // before the kill: the step's task may remove the sandbox as soon as its process is gone
        running.destroyForcibly();
        descendants.forEach(ProcessHandle::destroyForcibly);
        return "killed process " + running.pid() + " and " + descendants.size() + " descendant(s)";
    }

}
