package io.troupe.booster.worker;

import io.troupe.booster.ProcessTrees;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * Watches one sub-work's run in its own sandbox: its timeout and its requester. The run itself (inputs,
 * steps, output collection, the answer and the sandbox's removal) is one blocking task of its
 * {@link SandboxRun}, which alone answers the requester. On timeout or when the requester dies, this actor
 * asks the run to stop and kills the whole process tree; the task then answers for that stop. Stops when
 * the task has finished. Stopped any other way (a failure of this actor, the worker stopping) it kills the tree
 * too, and the task answers {@link SubWorkExecutor.Failure#IO_ERROR}: the requester never waits for nothing.
 */
final class Execution extends AbstractBehavior<Execution.Command> {

    interface Command extends NoSerializationVerificationNeeded {}

    /** Sent by the blocking task as soon as a step's process runs, so a timeout can kill it. */
    record Started(int step, Process process) implements Command {}

    private enum Finished implements Command { INSTANCE }

    private enum TimedOut implements Command { INSTANCE }

    private enum RequesterDied implements Command { INSTANCE }

    /** From the executor: the booster cancelled the attempt, or the requester's node left the cluster. */
    enum Abandon implements Command { INSTANCE }

    /** From the executor: stop the run and answer the requester why (its booster node is unreachable). */
    record StopAndAnswer(String why) implements Command {}
    /** From the executor: its node is shutting down and the drain timeout passed; the run answers DRAINING. */
    enum Drain implements Command { INSTANCE }

    private final SandboxRun run;
    private final Executor blocking;
    private Process process;
    private boolean finished;

    /**
     * @param submitted the run, already submitted to the blocking dispatcher by the executor (so the process
     *     starts without waiting for this actor's first turn); completes when it has answered and cleaned up
     */
    static Behavior<Command> create(SandboxRun run, CompletableFuture<Void> submitted) {
        // stop, never restart: a run cannot be repeated (its process may have run); PostStop kills it and the
        // task answers IO_ERROR, so the booster retries elsewhere or locally
        return Behaviors.supervise(Behaviors.<Command>setup(context -> Behaviors.withTimers(timers ->
                new Execution(context, timers, run, submitted)))).onFailure(SupervisorStrategy.stop());
    }

    private Execution(ActorContext<Command> context, TimerScheduler<Command> timers, SandboxRun run,
            CompletableFuture<Void> submitted) {
        super(context);
        this.run = run;
        this.blocking = context.getSystem().dispatchers().lookup(DispatcherSelector.fromConfig("troupe.blocking-dispatcher"));
        if (run.request.requester().path().address().hasLocalScope()) {
            // a requester on another node costs no watch per sub-work: the executor follows its node, and the
            // booster sends Cancel when it gives the attempt up
            context.watchWith(run.request.requester(), RequesterDied.INSTANCE);
        }
        timers.startSingleTimer(TimedOut.INSTANCE, run.timeout());
        // never pipe a future whose value is null: reaching this actor after it stopped, Pekko's dead-letter
        // listener fails on the null message (NullPointerException in DeadLetterListener)
        context.pipeToSelf(submitted.handle((ok, error) -> Finished.INSTANCE), (finished, error) -> Finished.INSTANCE);
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Started.class, this::onStarted)
                .onMessageEquals(Finished.INSTANCE, this::onFinished)
                .onMessageEquals(TimedOut.INSTANCE, this::onTimedOut)
                .onMessageEquals(RequesterDied.INSTANCE, this::onRequesterDied)
                .onMessageEquals(Abandon.INSTANCE, this::onRequesterDied)
                .onMessage(StopAndAnswer.class, this::onStopAndAnswer)
                .onMessageEquals(Drain.INSTANCE, this::onDrain)
                .onSignal(PostStop.class, signal -> onPostStop())
                .build();
    }

    private Behavior<Command> onStarted(Started started) {
        getContext().getLog().debug("sub-work {} step {} runs as process {}", run.request.subWorkId(), started.step(),
                started.process().pid());
        process = started.process();
        if (run.stopRequested()) {
            killTree(); // started before the task saw the stop
        }
        return this;
    }

    private Behavior<Command> onFinished() {
        finished = true;
        return Behaviors.stopped();
    }

    private Behavior<Command> onTimedOut() {
        return stop(SandboxRun.Stop.TIMEOUT);
    }

    private Behavior<Command> onRequesterDied() {
        if (!run.stopRequested()) {
            getContext().getLog().info("requester of sub-work {} is gone; stopping it", run.request.subWorkId());
        }
        return stop(SandboxRun.Stop.ABANDONED);
    }

    private Behavior<Command> onDrain() {
        return stop(SandboxRun.Stop.DRAINED);
    }

    private Behavior<Command> onStopAndAnswer(StopAndAnswer stop) {
        if (!run.stopRequested()) {
            getContext().getLog().info("stopping sub-work {}: {}", run.request.subWorkId(), stop.why());
        }
        return stop(SandboxRun.Stop.FAILED, stop.why());
    }

    private Behavior<Command> stop(SandboxRun.Stop why) {
        return stop(why, null);
    }

    private Behavior<Command> stop(SandboxRun.Stop why, String reason) {
        if (!run.stopRequested()) {
            run.requestStop(why, reason);
            killTree();
        }
        return this;
    }

    /**
     * Stopped before the run ended (a failure here, the worker stopping): leave no process and no sandbox
     * behind, and have the task answer the requester (unless a stop asked before says otherwise).
     */
    private Behavior<Command> onPostStop() {
        if (!finished) {
            run.requestStop(SandboxRun.Stop.FAILED, "its execution ended before the run did (worker stopping or an"
                    + " internal error, see the worker's log)");
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
     * Kills the running process and every descendant (collected first: orphans are re-parented). Listing
     * descendants scans /proc, so it runs on the blocking dispatcher, not on this actor's thread.
     */
    private void killTree() {
        Process running = process;
        try {
            CompletableFuture.runAsync(() -> killTree(running, run), blocking);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            killTree(running, run); // the system is going down
        }
    }

    private static void killTree(Process running, SandboxRun run) {
        if (running == null || !running.isAlive()) {
            return;
        }
        ProcessTrees.end(running, true, descendants ->
                run.killing("killed process " + running.pid() + " and " + descendants.size() + " descendant(s)"));
    }
}
