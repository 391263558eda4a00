package io.troupe.booster.client;

import static io.troupe.booster.Failures.messageOf;

import io.troupe.api.booster.DeterministicFailure;
import io.troupe.api.booster.DistCommand;
import io.troupe.api.booster.DistResult;
import io.troupe.api.booster.Handler;
import io.troupe.api.booster.Result;
import io.troupe.api.booster.Sandbox;
import io.troupe.booster.gateway.ExecutorGateway;
import io.troupe.booster.gateway.GatewayProtocol;
import io.troupe.booster.gateway.StdinIdentity;
import io.troupe.booster.handler.InlineHooks;
import io.troupe.booster.handler.SharedInputs;
import io.troupe.booster.handler.StdinUse;
import io.troupe.booster.worker.SubWorkExecutor;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * One intercepted sub-work: needRemoteResource → PreExecute → remote attempt(s) on workers chosen by the
 * {@link WorkerDirectory} (DeathWatch and a timeout on each) → PostExecute → on any remote failure a local
 * retry under {@link LocalSlots} (unless {@code --no_local}) → FinalExecute → reply to booster-exec.
 * Handler hooks, file reads/writes and local processes run on {@code troupe.blocking-dispatcher}; only the
 * hooks of a built-in {@link InlineHooks} handler are called on the actor's own thread, and then a step that
 * needs no file I/O (no input files, no result files) takes no local slot lease and no thread hand-off.
 * The actor keeps only the state machine: {@link SubWorkFiles} reads the inputs and writes the results,
 * {@link LocalRun} runs the command here. It alone decides the sub-work's reply; nothing on its path is an
 * ask (the {@link WorkerDirectory}'s choice and the worker's answers come back as messages).
 */
public final class SubWorkActor extends AbstractBehavior<SubWorkActor.Command> {

    /** Messages stay inside the booster process (the worker's replies arrive through an adapter). */
    public interface Command extends NoSerializationVerificationNeeded {}

    /** How a sub-work ended. */
    public enum Route {
        /** ran remotely, accepted by PostExecute */
        REMOTE,
        /** ran locally with exit code 0 (fallback, --local or the handler's choice) */
        LOCAL,
        /** ended with a non-zero exit code, whichever way it ran */
        FAILED
    }

    /**
     * Told to the WorkActor when the sub-work is over.
     *
     * @param worker the worker address that ran it (REMOTE only), else null
     * @param fallback why it did not run remotely though the handler wanted it to, else null
     * @param fallbackDetail with {@code fallback}, what happened in words (the worker's message, the hook that
     *     timed out with its handler and bound), else null
     */
    public record Ended(String subWorkId, Route route, int exitCode, String worker, Timings timings,
            FallbackReason fallback, String fallbackDetail) implements NoSerializationVerificationNeeded {

        public Ended(String subWorkId, Route route, int exitCode, String worker, Timings timings, FallbackReason fallback) {
            this(subWorkId, route, exitCode, worker, timings, fallback, null);
        }
    }

    /**
     * Where the time of one sub-work went, for {@code --stats_json}.
     *
     * @param argv the sub-work's command line
     * @param startMillis when it arrived (epoch milliseconds)
     * @param preMillis waiting for a PRE slot, deciding and PreExecute, including reading input files
     * @param sendMillis choosing a worker and handing it the sub-work, summed over attempts
     * @param remoteMillis from the worker's acceptance to its answer, summed over attempts
     * @param postMillis writing result files and PostExecute
     * @param localWaitMillis waiting for a local slot
     * @param localMillis running locally
     * @param totalMillis arrival to reply
     * @param attempts remote attempts made
     * @param workerMicros inside the worker, from the Execute's arrival to its answer, summed over answered attempts
     * @param processMicros of that, starting the remote processes and waiting for them
     * @param lateAnswers answers of given-up attempts that came while the sub-work still ran (dropped)
     * @param sharedInput an input was made by an earlier sub-work (the cc handler's shared preprocessing)
     */
    public record Timings(List<String> argv, long startMillis, long preMillis, long sendMillis, long remoteMillis,
            long postMillis,
            long localWaitMillis, long localMillis, long totalMillis, int attempts, long workerMicros,
            long processMicros, int lateAnswers, boolean sharedInput) {

        /**
         * About when its last attempt went to a worker (epoch ms): the arrival plus the wait for a local slot (a
         * sub-work waits there until a slot or a worker is free), PRE and the send phase.
         */
        public long handedMillis() {
            return startMillis + localWaitMillis + preMillis + sendMillis;
        }
    }

    /**
     * What every sub-work of a work shares.
     *
     * @param remoteRetryTimes {@code --remote_retry_times}, used when the handler returns a negative value
     * @param ioTimeout how long a remote attempt may go without progress (an answer or a worker heartbeat)
     * @param remoteTimeout longest run of the remote process ({@link Duration#ZERO} = the worker's own limit)
     * @param maxFileBytes an input file past this size makes the sub-work run locally ({@code --max_file_size})
     * @param inlineInputBytes inputs totalling at most this ride inside the request instead of by digest
     * @param inlinePackedBytes larger inputs that LZ4 packs into at most this ride packed inside the request
     * @param forceLocalKeys {@code --force_local_list} keys joined by {@code !!|!!} (TBS's BK_DIST_FORCE_LOCAL_KEYS), or null
     * @param hookTimeout longest call of a per-sub-work hook, {@code troupe.booster.hook-timeout} ({@link Duration#ZERO} = none)
     * @param console where warnings go (the work's {@link WorkConsole})
     */
    public record Shared(Handler handler, ActorRef<WorkerDirectory.Command> directory,
            ActorRef<LocalSlots.Command> localSlots, boolean local, boolean noLocal, int remoteRetryTimes,
            Duration ioTimeout, Duration remoteTimeout, long maxFileBytes, long inlineInputBytes, long inlinePackedBytes,
            Executor blocking, String forceLocalKeys, Duration hookTimeout, java.io.PrintStream console) {}

    /**
     * The handler's decisions, made in one blocking task: remote or not, local weight, retries and (for a
     * remote sub-work) PreExecute's plan or its failure; {@code error} = the deciding hooks themselves failed.
     */
    private record Planned(boolean needRemote, int weight, int retries, SubWorkFiles.RemotePlan plan, Throwable preExecuteError,
            Throwable error) implements Command {}

    private record UploadAnswered(SubWorkExecutor.OfferReply reply) implements Command {}

    private record UploadStreamEnded(String attemptId, Throwable error) implements Command {}

    private record DownloadAnswered(SubWorkExecutor.DownloadFrom reply) implements Command {}

    private record ResultsFetched(String attemptId, Throwable error) implements Command {}

    /** Bytes of this attempt's upload or fetch are still moving: that is progress for --io_timeout_secs. */
    private record TransferProgress(int attempt) implements Command {}

    /** PreExecute's answer (inline hooks) whose input files are still to be read, on the blocking dispatcher. */
    private record PendingInputs(int weight, int retries, DistCommand dist) {}

    private record WorkerChoice(WorkerDirectory.Choice choice) implements Command {}

    private record WorkerAnswered(SubWorkExecutor.Reply reply) implements Command {}

    /** from the WorkerDirectory, which watches every worker once (no DeathWatch per sub-work) */
    private record WorkerDied(ActorRef<SubWorkExecutor.Command> worker, boolean unreachable) implements Command {}

    private record AttemptTimedOut(int attempt) implements Command {}

    private record PostExecuted(Throwable error) implements Command {}

    private enum RemoteFailNoted implements Command { INSTANCE }

    private record LocalGranted(LocalSlots.Granted granted) implements Command {}

    private record WorkersKnown(WorkerDirectory.Snapshot snapshot) implements Command {}

    private enum LocalWaitWithdrawn implements Command { INSTANCE }

    private record LocalDone(Result result) implements Command {}

    private enum Finalized implements Command { INSTANCE }

    private final TimerScheduler<Command> timers;
    private final Shared shared;
    /** The handler of this sub-work: the work's, or the fresh one its {@link Handler#forSubWork()} made. */
    private final Handler handler;
    private final String id;
    private final List<String> argv;
    private final Path cwd;
    private final Map<String, String> env;
    private final ExecutorGateway.Stdin stdin;
    private final ActorRef<ExecutorGateway.SubWorkReply> replyTo;
    private final ActorRef<Ended> reportTo;
    private final ActorRef<SubWorkExecutor.Reply> workerReplies;
    private final ActorRef<WorkerDirectory.WorkerLost> workerLosses;
    private final ActorRef<WorkerDirectory.Choice> choices;
    private final ActorRef<LocalSlots.Granted> slotGrants;
    private final ActorRef<WorkerDirectory.Snapshot> workerPushes;
    private final ActorRef<LocalSlots.Withdrawn> withdrawals;
    private final ActorRef<SubWorkExecutor.OfferReply> uploadReplies;
    private final ActorRef<SubWorkExecutor.DownloadFrom> downloadReplies;
    /** the Execute of the current attempt, sent again once missing inputs are uploaded */
    private SubWorkExecutor.Execute execute;
    /** uploads made in this attempt: a worker that keeps losing inputs is given up on */
    private int uploads;
    /** result blobs fetched in this attempt, by digest: where the bytes landed */
    private Map<String, Path> fetched = Map.of();
    /** stops the result fetch of an attempt given up */
    private org.apache.pekko.stream.UniqueKillSwitch fetchSwitch;
    /** the running upload of this attempt's inputs, stopped when the attempt is given up */
    private org.apache.pekko.stream.UniqueKillSwitch uploadSwitch;
    /** the blobs the worker asked for last */
    private List<String> lastMissing = List.of();
    /** reads this sub-work's inputs and writes its results */
    private final SubWorkFiles files;
    /** the handler's hooks are called on this thread ({@link InlineHooks}) */
    private final boolean inline;
    private PendingInputs pendingInputs;
    /** what the outstanding local-slot request is for */
    private LocalSlots.Kind awaitedSlot;
    /** Queued for a local slot only because no worker was known yet: a worker joining sends it remote. */
    private boolean mayStillGoRemote;
    /** the directory has been told this sub-work is over */
    private boolean forgotten;
    /** The local run's process while it runs (set and cleared on the blocking pool), so a stop can end it. */
    private final LocalRun.Handle localProcess = new LocalRun.Handle();
    private boolean withdrawing;
    private int weight = 1;
    private int maxAttempts = 1;
    private int attempt;
    private SubWorkFiles.RemotePlan plan;
    private ActorRef<SubWorkExecutor.Command> worker;
    private SubWorkExecutor.Done remoteDone;
    /** the worker's answer when it overtook the directory's {@link WorkerDirectory.Chosen} */
    private SubWorkExecutor.Reply earlyReply;
    /** a worker the directory reported dead before its {@link WorkerDirectory.Chosen} arrived here */
    private ActorRef<SubWorkExecutor.Command> earlyLost;
    private boolean earlyLostUnreachable;
    /** answers of attempts already given up (a worker that came back too late): dropped, counted */
    private int lateAnswers;
    /** PreExecute gave an input an earlier sub-work made ({@link SharedInputs}). */
    private boolean sharedInput;
    private String lastFailure = "";
    /** why the last remote try failed, and whether another worker would fail the same way */
    private FallbackReason lastReason;
    private boolean permanentFailure;
    /** set when the sub-work falls back: what {@link Ended} reports */
    private FallbackReason fallback;
    private int lastRemoteExit;
    private byte[] lastRemoteStdout = new byte[0];
    private byte[] lastRemoteStderr = new byte[0];
    private final long startMillis = System.currentTimeMillis();
    private final long startNanos = System.nanoTime();
    private long mark = System.nanoTime();
    private long preNanos;
    private long sendNanos;
    private long remoteNanos;
    private long postNanos;
    private long localWaitNanos;
    private long localNanos;
    private long workerMicros;
    private long processMicros;

    public static Behavior<Command> create(String id, ExecutorGateway.SubWorkArrived arrived, Shared shared,
            ActorRef<Ended> reportTo) {
        return Behaviors.setup(context -> Behaviors.withTimers(timers ->
                new SubWorkActor(context, timers, id, arrived, shared, reportTo)));
    }

    private SubWorkActor(ActorContext<Command> context, TimerScheduler<Command> timers, String id,
            ExecutorGateway.SubWorkArrived arrived, Shared shared, ActorRef<Ended> reportTo) {
        super(context);
        this.timers = timers;
        this.shared = shared;
        this.id = id;
        this.argv = List.copyOf(arrived.argv());
        this.cwd = Path.of(arrived.cwd() == null || arrived.cwd().isBlank() ? "." : arrived.cwd());
        this.env = arrived.env() == null ? Map.of() : Map.copyOf(arrived.env());
        this.stdin = arrived.stdin() == null ? ExecutorGateway.Stdin.UNKNOWN : arrived.stdin();
        this.replyTo = arrived.replyTo();
        this.reportTo = reportTo;
        this.workerReplies = context.messageAdapter(SubWorkExecutor.Reply.class, WorkerAnswered::new);
        this.workerLosses = context.messageAdapter(WorkerDirectory.WorkerLost.class, lost -> new WorkerDied(lost.worker(), lost.unreachable()));
        this.choices = context.messageAdapter(WorkerDirectory.Choice.class, WorkerChoice::new);
        this.slotGrants = context.messageAdapter(LocalSlots.Granted.class, LocalGranted::new);
        this.workerPushes = context.messageAdapter(WorkerDirectory.Snapshot.class, WorkersKnown::new);
        this.withdrawals = context.messageAdapter(LocalSlots.Withdrawn.class, withdrawn -> LocalWaitWithdrawn.INSTANCE);
        this.uploadReplies = context.messageAdapter(SubWorkExecutor.OfferReply.class, UploadAnswered::new);
        this.downloadReplies = context.messageAdapter(SubWorkExecutor.DownloadFrom.class, DownloadAnswered::new);
        this.handler = subWorkHandler(shared);
        this.inline = isInline(handler);
        this.files = new SubWorkFiles(cwd, stdin, shared.maxFileBytes(), shared.inlineInputBytes(),
                shared.inlinePackedBytes());
        if (io.troupe.booster.exec.BoosterExec.forcedLocal(argv, shared.forceLocalKeys())) {
            // decided here, not in booster-exec, so that the summary and --stats_json count it; booster-exec runs it
            fallback = shared.local() ? null : FallbackReason.FORCED_LOCAL;
            replyTo.tell(ExecutorGateway.SubWorkReply.runLocally("forced local by --force_local_list"));
            reportTo.tell(new Ended(id, Route.LOCAL, 0, null, timings(), fallback,
                    fallback == null ? null : "forced local by --force_local_list"));
            context.getSelf().tell(Finalized.INSTANCE);
            return;
        }
        if (stdin.kind() == GatewayProtocol.StdinKind.PIPE && !StdinIdentity.isOwn(stdin.id()) && mayReadStdin()) {
            // only booster-exec's own process can read a pipe: it runs the command itself, inheriting it
            fallback = shared.local() ? null : FallbackReason.STDIN; // under --local it was never to run remotely
            replyTo.tell(ExecutorGateway.SubWorkReply.runLocally("stdin is a pipe"));
            reportTo.tell(new Ended(id, Route.LOCAL, 0, null, timings(), fallback,
                    fallback == null ? null : "stdin is a pipe"));
            context.getSelf().tell(Finalized.INSTANCE);
            return;
        }
        Planned inlinePlan = inline ? planInline() : null;
        if (inlinePlan != null) {
            context.getSelf().tell(inlinePlan); // processed right after setup, on this thread
        } else if (inline) {
            acquireSlot(LocalSlots.Kind.PRE, 1); // input files to read first (pendingInputs)
        } else if (shared.local()) {
            onBlocking("LocalLockWeight", () -> new Planned(false, handler.localLockWeight(argv), handler.remoteRetryTimes(),
                            null, null, null), error -> new Planned(false, 1, -1, null, null, error));
        } else {
            acquireSlot(LocalSlots.Kind.PRE, 1);
        }
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Planned.class, this::onPlanned)
                .onMessage(WorkerChoice.class, this::onWorkerChoice)
                .onMessage(WorkerAnswered.class, this::onWorkerAnswered)
                .onMessage(WorkerDied.class, this::onWorkerDied)
                .onMessage(AttemptTimedOut.class, this::onAttemptTimedOut)
                .onMessage(PostExecuted.class, this::onPostExecuted)
                .onMessageEquals(RemoteFailNoted.INSTANCE, this::onRemoteFailNoted)
                .onMessage(LocalGranted.class, this::onLocalGranted)
                .onMessage(WorkersKnown.class, this::onWorkersKnown)
                .onMessageEquals(LocalWaitWithdrawn.INSTANCE, this::onLocalWaitWithdrawn)
                .onMessage(LocalDone.class, this::onLocalDone)
                .onMessage(UploadAnswered.class, this::onUploadAnswered)
                .onMessage(UploadStreamEnded.class, this::onUploadStreamEnded)
                .onMessage(DownloadAnswered.class, this::onDownloadAnswered)
                .onMessage(ResultsFetched.class, this::onResultsFetched)
                .onMessage(TransferProgress.class, this::onTransferProgress)
                .onMessageEquals(Finalized.INSTANCE, () -> Behaviors.stopped())
                .onSignal(org.apache.pekko.actor.typed.PostStop.class, signal -> onPostStop())
                .build();
    }

    private Behavior<Command> onPlanned(Planned planned) {
        preNanos += lap();
        weight = planned.weight();
        int retries = planned.retries() >= 0 ? planned.retries() : shared.remoteRetryTimes();
        maxAttempts = 1 + Math.max(0, retries);
        if (planned.error() != null) {
            lastFailure = "handler failed deciding where to run: " + planned.error();
            lastReason = FallbackReason.REFUSED;
            return fallBack();
        }
        if (!planned.needRemote()) {
            return runLocally();
        }
        if (planned.preExecuteError() instanceof FallbackException known) {
            lastFailure = known.getMessage(); // names the file, limit or cause; cannot change: no remote attempt
            lastReason = known.reason();
            getContext().getLog().warn("sub-work {} runs locally: {}", id, lastFailure);
            return fallBack();
        }
        if (planned.preExecuteError() instanceof HookTimeoutException timedOut) {
            return hookTimedOut(timedOut);
        }
        if (planned.preExecuteError() != null) {
            lastFailure = "PreExecute failed: " + messageOf(planned.preExecuteError());
            lastReason = FallbackReason.REFUSED;
            return fallBack();
        }
        plan = planned.plan();
        sharedInput = handler instanceof SharedInputs sharing && sharing.sharesInput(plan.commands());
        return nextAttempt();
    }

    private Behavior<Command> acquireSlot(LocalSlots.Kind kind, int slotWeight) {
        awaitedSlot = kind;
        shared.localSlots().tell(new LocalSlots.Acquire(kind, slotWeight, getContext().getSelf(), slotGrants));
        return this;
    }

    private Behavior<Command> onLocalGranted(LocalGranted granted) {
        long lease = granted.granted().lease();
        LocalSlots.Kind kind = awaitedSlot;
        awaitedSlot = null;
        if (kind == LocalSlots.Kind.EXE) {
            mayStillGoRemote = false; // the slot came first: it runs here (a Withdrawn that follows changes nothing)
            withdrawing = false;
        }
        // released when the step returns, or at its timeout: a hung hook must not keep the slot
        Runnable release = releaseOnce(lease);
        switch (kind) {
            case PRE -> onBlocking("PreExecute", () -> {
                try {
                    if (pendingInputs != null) {
                        return withInputs(pendingInputs);
                    }
                    return plan();
                } finally {
                    release.run();
                }
            }, error -> {
                release.run();
                return error instanceof HookTimeoutException timedOut
                        ? new Planned(true, 1, -1, null, timedOut, null) // not decided: counted as PreExecute's
                        : new Planned(false, 1, -1, null, null, error);
            });
            case POST -> onBlocking("PostExecute", () -> {
                try {
                    DistResult result = files.writeResults(plan, remoteDone, fetched);
                    handler.postExecute(result);
                    return new PostExecuted(null);
                } finally {
                    release.run();
                }
            }, error -> {
                release.run();
                return new PostExecuted(error);
            });
            case EXE -> runLocalWithLease(lease);
        }
        return this;
    }

    /** The directory chooses the worker and sends it the Execute itself; its answer says which one. */
    private Behavior<Command> nextAttempt() {
        // inline-packed-bytes = 0 turns packing off both ways
        execute = new SubWorkExecutor.Execute(AttemptIds.attempt(id, attempt + 1), plan.steps(),
                plan.inputs(), shared.remoteTimeout().toMillis(), getContext().getSelf(), workerReplies,
                shared.inlinePackedBytes() > 0);
        uploads = 0;
        fetched = Map.of();
        earlyReply = null;
        earlyLost = null;
        // no ask: the directory is local and always answers, so its answer needs no timeout
        shared.directory().tell(new WorkerDirectory.Dispatch(id, execute, choices, workerLosses));
        return this;
    }

    private Behavior<Command> onWorkerChoice(WorkerChoice choice) {
        sendNanos += lap();
        if (choice.choice() instanceof WorkerDirectory.NoWorker none) {
            String reason = none.reason();
            // after a failed attempt the worker's failure is the cause worth reporting
            lastFailure = attempt > 0 ? lastFailure + " (no other worker to retry on: " + reason + ")" : reason;
            if (attempt == 0 || lastReason == null) {
                lastReason = reasonOf(none);
            }
            return fallBack(); // nobody else to try now
        }
        attempt++;
        worker = ((WorkerDirectory.Chosen) choice.choice()).worker();
        armProgressTimer();
        if (earlyReply != null) {
            SubWorkExecutor.Reply reply = earlyReply;
            earlyReply = null;
            return onWorkerAnswered(new WorkerAnswered(reply));
        }
        if (worker.equals(earlyLost)) {
            return onWorkerDied(new WorkerDied(worker, earlyLostUnreachable));
        }
        return this;
    }

    private Behavior<Command> onWorkerAnswered(WorkerAnswered answered) {
        SubWorkExecutor.Reply reply = answered.reply();
        if (reply instanceof SubWorkExecutor.Running) {
            // only while the attempt is awaited: a heartbeat overtaken by the answer changes nothing
            if (worker != null && reply.subWorkId().equals(attemptId()) && timers.isTimerActive("attempt")) {
                armProgressTimer(); // the worker is alive and the process still runs: progress
            }
            return this;
        }
        if (worker == null && reply.subWorkId().equals(AttemptIds.attempt(id, attempt + 1))) {
            earlyReply = reply; // the worker answered before the directory's Chosen arrived here
            return this;
        }
        if (worker == null || !reply.subWorkId().equals(attemptId())) {
            if (AttemptIds.isAttemptOf(reply.subWorkId(), id)) {
                lateAnswers++; // the attempt was given up and re-sent: the first result won
                getContext().getLog().info("sub-work {}: dropped a late answer from {}", id, reply.load() == null
                        ? "a worker" : reply.load().worker());
            }
            return this;
        }
        timers.cancel("attempt");
        remoteNanos += lap();
        if (reply instanceof SubWorkExecutor.Failed failed && failed.failure() == SubWorkExecutor.Failure.DRAINING) {
            return handedBack(failed);
        }
        if (reply instanceof SubWorkExecutor.Failed failed) {
            FallbackReason reason = reasonOf(failed.failure());
            return remoteFailed(WorkerDirectory.Outcome.FAILED, failed.load(),
                    "worker " + failed.load().worker() + ": " + failed.message(), reason,
                    reason.permanent() || failed.failure() == SubWorkExecutor.Failure.TIMEOUT);
        }
        if (reply instanceof SubWorkExecutor.NeedInputs need) {
            return uploadInputs(need);
        }
        remoteDone = (SubWorkExecutor.Done) reply;
        workerMicros += remoteDone.workerMicros();
        processMicros += remoteDone.processMicros();
        rememberRemoteOutput(remoteDone);
        if (remoteDone.results().stream().anyMatch(step -> step.files().stream().anyMatch(f -> !f.inline()))) {
            return fetchResults();
        }
        if (inline && remoteDone.results().stream().allMatch(step -> step.files().isEmpty())) {
            return onPostExecuted(postExecuteInline()); // nothing to write: no lease, no hand-off
        }
        return acquireSlot(LocalSlots.Kind.POST, 1);
    }

    // ---- moving files by digest (io.troupe.booster.cas) ----

    /** The worker lacks some inputs: offer them, stream them into its store, then send the Execute again. */
    private Behavior<Command> uploadInputs(SubWorkExecutor.NeedInputs need) {
        if (++uploads > 2) {
            return remoteFailed(WorkerDirectory.Outcome.FAILED, need.load(), "worker " + need.load().worker()
                    + " lost input files again after they were sent: " + need.missing());
        }
        List<SubWorkExecutor.Blob> blobs = new ArrayList<>();
        for (String digest : need.missing()) {
            Path local = plan.localFiles().get(digest);
            if (local == null) {
                return remoteFailed(WorkerDirectory.Outcome.FAILED, need.load(), "worker " + need.load().worker()
                        + " asked for blob " + digest + ", which this sub-work does not send");
            }
            long size = plan.inputs().stream().filter(f -> digest.equals(f.digest())).findFirst().orElseThrow().size();
            blobs.add(new SubWorkExecutor.Blob(digest, size));
        }
        lastMissing = need.missing();
        // the upload is part of the attempt: a worker that stops answering is given up after --io_timeout_secs
        armProgressTimer();
        worker.tell(new SubWorkExecutor.Offer(attemptId(), blobs, uploadReplies));
        return this;
    }

    private Behavior<Command> onUploadAnswered(UploadAnswered answered) {
        if (worker == null) {
            return this; // the attempt was given up
        }
        if (answered.reply() instanceof SubWorkExecutor.UploadTo to && to.subWorkId().equals(attemptId())) {
            if (to.sink() == null) {
                return remoteFailed(WorkerDirectory.Outcome.FAILED, null, "worker " + worker.path().address()
                        + " refused the input files: " + to.error());
            }
            List<io.troupe.booster.cas.CasStreams.LocalBlob> blobs = new ArrayList<>();
            for (String digest : lastMissing) {
                blobs.add(new io.troupe.booster.cas.CasStreams.LocalBlob(digest, plan.localFiles().get(digest)));
            }
            String attemptId = attemptId();
            armProgressTimer(); // the worker answered: the clock restarts, and moving bytes keep restarting it
            var running = io.troupe.booster.cas.CasStreams.ofFiles(blobs)
                    .via(progressTap())
                    .viaMat(org.apache.pekko.stream.KillSwitches.single(), org.apache.pekko.stream.javadsl.Keep.right())
                    .watchTermination(org.apache.pekko.stream.javadsl.Keep.both())
                    .to(to.sink().getSink())
                    .run(org.apache.pekko.stream.Materializer.matFromSystem(getContext().getSystem()));
            uploadSwitch = running.first();
            getContext().pipeToSelf(running.second(), (done, error) -> new UploadStreamEnded(attemptId, error));
        } else if (answered.reply() instanceof SubWorkExecutor.Uploaded uploaded && uploaded.subWorkId().equals(attemptId())) {
            if (uploaded.error() != null) {
                return remoteFailed(WorkerDirectory.Outcome.FAILED, null, "worker " + worker.path().address() + ": "
                        + uploaded.error());
            }
            armProgressTimer();
            worker.tell(execute);
        }
        return this;
    }

    private Behavior<Command> onUploadStreamEnded(UploadStreamEnded ended) {
        if (ended.attemptId().equals(attemptId())) {
            uploadSwitch = null;
        }
        if (ended.error() == null || worker == null || !ended.attemptId().equals(attemptId())) {
            return this; // success is confirmed by the worker's Uploaded
        }
        return remoteFailed(WorkerDirectory.Outcome.FAILED, null, "sending input files to worker "
                + worker.path().address() + " failed: " + messageOf(ended.error()));
    }

    /** Result files too large to come inline: stream them from the worker's store next to their targets. */
    private Behavior<Command> fetchResults() {
        List<SubWorkExecutor.Blob> blobs = new ArrayList<>();
        for (SubWorkExecutor.StepResult step : remoteDone.results()) {
            for (SubWorkExecutor.ResultFile file : step.files()) {
                if (!file.inline() && blobs.stream().noneMatch(b -> b.digest().equals(file.digest()))) {
                    blobs.add(new SubWorkExecutor.Blob(file.digest(), file.size()));
                }
            }
        }
        armProgressTimer();
        worker.tell(new SubWorkExecutor.Fetch(attemptId(), blobs, downloadReplies));
        return this;
    }

    private Behavior<Command> onDownloadAnswered(DownloadAnswered answered) {
        SubWorkExecutor.DownloadFrom from = answered.reply();
        if (worker == null || remoteDone == null || !from.subWorkId().equals(attemptId())) {
            return this;
        }
        if (from.source() == null) {
            return remoteFailed(WorkerDirectory.Outcome.FAILED, remoteDone.load(), "worker "
                    + remoteDone.load().worker() + " could not send result files: " + from.error());
        }
        Map<String, Path> targets = new java.util.LinkedHashMap<>();
        Map<String, Long> sizes = new java.util.HashMap<>();
        for (int i = 0; i < remoteDone.results().size(); i++) {
            for (SubWorkExecutor.ResultFile file : remoteDone.results().get(i).files()) {
                if (!file.inline() && !targets.containsKey(file.digest())) {
                    try {
                        targets.put(file.digest(), files.targetOf(plan, i, file));
                    } catch (IllegalArgumentException e) {
                        return remoteFailed(WorkerDirectory.Outcome.FAILED, remoteDone.load(), e.getMessage());
                    }
                    sizes.put(file.digest(), file.size());
                }
            }
        }
        io.troupe.booster.cas.PieceReceiver receiver = new io.troupe.booster.cas.PieceReceiver(
                List.copyOf(targets.keySet()),
                digest -> io.troupe.booster.cas.BlobWriter.toFile(digest, sizes.get(digest), targets.get(digest)));
        String attemptId = attemptId();
        armProgressTimer();
        var running = from.source().getSource()
                .via(progressTap())
                .viaMat(org.apache.pekko.stream.KillSwitches.single(), org.apache.pekko.stream.javadsl.Keep.right())
                .toMat(io.troupe.booster.cas.CasStreams.into(receiver, shared.blocking()), org.apache.pekko.stream.javadsl.Keep.both())
                .run(org.apache.pekko.stream.Materializer.matFromSystem(getContext().getSystem()));
        fetchSwitch = running.first();
        getContext().pipeToSelf(running.second(), (done, error) -> new ResultsFetched(attemptId, error));
        fetched = targets;
        return this;
    }

    private Behavior<Command> onResultsFetched(ResultsFetched done) {
        if (worker == null || !done.attemptId().equals(attemptId())) {
            return this;
        }
        timers.cancel("attempt");
        fetchSwitch = null;
        remoteNanos += lap();
        if (done.error() != null) {
            return remoteFailed(WorkerDirectory.Outcome.FAILED, remoteDone.load(), "fetching result files from worker "
                    + remoteDone.load().worker() + " failed: " + messageOf(done.error()));
        }
        return acquireSlot(LocalSlots.Kind.POST, 1);
    }

    private Behavior<Command> onPostExecuted(PostExecuted executed) {
        postNanos += lap();
        if (executed.error() instanceof HookTimeoutException timedOut) {
            // the result was never judged: not accepted; the local run writes the result files anew
            shared.console().println("[booster] warning: sub-work '" + String.join(" ", argv) + "': " + timedOut.getMessage()
                    + "; its remote result is not used" + (shared.noLocal() ? "" : ", it runs locally"));
            return remoteFailed(WorkerDirectory.Outcome.OK, remoteDone.load(), timedOut.getMessage()
                    + "; the remote result (exit code " + lastRemoteExit + ") is not used", FallbackReason.HOOK_TIMEOUT, true);
        }
        if (executed.error() != null) {
            // a deterministic failure (a compile error) fails alike everywhere: straight to the local re-run
            boolean deterministic = executed.error() instanceof DeterministicFailure;
            return remoteFailed(WorkerDirectory.Outcome.FAILED, remoteDone.load(), "worker "
                    + remoteDone.load().worker() + ": PostExecute rejected the result (exit code " + lastRemoteExit
                    + "): " + messageOf(executed.error()),
                    deterministic || lastRemoteExit != 0 ? FallbackReason.REMOTE_NONZERO : FallbackReason.REJECTED,
                    deterministic);
        }
        String ranOn = remoteDone.load().worker();
        shared.directory().tell(new WorkerDirectory.Release(id, worker, WorkerDirectory.Outcome.OK, remoteDone.load()));
        worker = null;
        return finish(lastRemoteExit == 0 ? Route.REMOTE : Route.FAILED, lastRemoteExit, lastRemoteStdout,
                lastRemoteStderr, ranOn);
    }

    private Behavior<Command> onWorkerDied(WorkerDied died) {
        if (worker == null) {
            earlyLost = died.worker(); // may be the worker of a Chosen still on its way here
            earlyLostUnreachable = died.unreachable();
            return this;
        }
        if (!worker.equals(died.worker())) {
            return this;
        }
        timers.cancel("attempt");
        remoteNanos += lap();
        return remoteFailed(WorkerDirectory.Outcome.NETWORK_ERROR, null, "worker " + worker.path().address()
                + (died.unreachable() ? " became unreachable" : " died") + " while running the sub-work",
                FallbackReason.WORKER_LOST, false);
    }

    private Behavior<Command> onAttemptTimedOut(AttemptTimedOut timedOut) {
        if (timedOut.attempt() != attempt || worker == null) {
            return this;
        }
        remoteNanos += lap();
        return remoteFailed(WorkerDirectory.Outcome.NETWORK_ERROR, null, "no progress from worker "
                + worker.path().address() + " for " + shared.ioTimeout().toSeconds() + " s (--io_timeout_secs)",
                FallbackReason.TIMEOUT, false);
    }

    /**
     * The worker's node shuts down and handed the sub-work back (it never ran there, or was stopped at the
     * worker's drain timeout): not a failure of the sub-work. Another worker gets it in an attempt that uses up
     * no retry; the draining worker is not chosen again (banned for it, and its load says it drains).
     */
    private Behavior<Command> handedBack(SubWorkExecutor.Failed failed) {
        shared.directory().tell(new WorkerDirectory.Release(id, worker, WorkerDirectory.Outcome.FAILED, failed.load()));
        worker = null;
        maxAttempts++;
        lastFailure = "worker " + (failed.load() == null ? "" : failed.load().worker() + " ") + "handed it back: "
                + failed.message();
        lastReason = FallbackReason.NO_WORKER; // if it ends local: no other worker could take it
        permanentFailure = false;
        return nextAttempt();
    }

    /** No answer and no heartbeat for --io_timeout_secs ends the attempt; each heartbeat restarts the clock. */
    private void armProgressTimer() {
        timers.startSingleTimer("attempt", new AttemptTimedOut(attempt), shared.ioTimeout());
    }

    private Behavior<Command> onTransferProgress(TransferProgress progress) {
        if (progress.attempt() == attempt && worker != null) {
            armProgressTimer();
        }
        return this;
    }

    /** Passes the pieces on and tells this actor, a few times per --io_timeout_secs, that bytes are moving. */
    private <T> org.apache.pekko.stream.javadsl.Flow<T, T, org.apache.pekko.NotUsed> progressTap() {
        ActorRef<Command> self = getContext().getSelf();
        int forAttempt = attempt;
        long every = Math.min(1_000_000_000L, shared.ioTimeout().toNanos() / 4);
        long[] last = {System.nanoTime()}; // one materialisation, one element at a time
        return org.apache.pekko.stream.javadsl.Flow.<T>create().map(piece -> {
            long now = System.nanoTime();
            if (now - last[0] >= every) {
                last[0] = now;
                self.tell(new TransferProgress(forAttempt));
            }
            return piece;
        });
    }

    /** A file transfer to or from the worker failed: counted as the worker lost for this attempt, retryable. */
    private Behavior<Command> remoteFailed(WorkerDirectory.Outcome outcome, SubWorkExecutor.Load load, String reason) {
        return remoteFailed(outcome, load, reason, FallbackReason.WORKER_LOST, false);
    }

    private Behavior<Command> remoteFailed(WorkerDirectory.Outcome outcome, SubWorkExecutor.Load load, String reason,
            FallbackReason fallbackReason, boolean permanent) {
        if (fetchSwitch != null) {
            // a fetch still running must not put remote results over what the local run writes
            fetchSwitch.abort(new java.util.concurrent.CancellationException("attempt given up: " + reason));
            fetchSwitch = null;
        }
        if (uploadSwitch != null) {
            uploadSwitch.abort(new java.util.concurrent.CancellationException("attempt given up: " + reason));
            uploadSwitch = null;
        }
        shared.directory().tell(new WorkerDirectory.Release(id, worker, outcome, load));
        // the worker does not watch this actor: it may still run the attempt (a timeout, a lost transfer)
        if (worker != null) {
            worker.tell(new SubWorkExecutor.Cancel(attemptId()));
        }
        worker = null;
        lastFailure = reason;
        lastReason = fallbackReason;
        permanentFailure = permanent;
        if (inline) {
            callInline(() -> handler.onRemoteFail(argv));
            return onRemoteFailNoted();
        }
        onBlocking("OnRemoteFail", () -> {
            handler.onRemoteFail(argv);
            return RemoteFailNoted.INSTANCE;
        }, error -> RemoteFailNoted.INSTANCE);
        return this;
    }

    /**
     * Stopped before it finished (the work is ending): the worker stops running the attempt still out, and the
     * directory releases what it holds for this sub-work, a dispatch whose answer never came here included.
     */
    private Behavior<Command> onPostStop() {
        // nothing of a stopped sub-work writes into the build after it gave up; listing its descendants scans /proc,
        // so off this actor's thread
        try {
            shared.blocking().execute(localProcess::end);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            localProcess.end(); // the system is going down
        }
        if (worker != null) {
            worker.tell(new SubWorkExecutor.Cancel(attemptId()));
        }
        forget();
        return this;
    }

    private void forget() {
        if (!forgotten) {
            forgotten = true;
            shared.directory().tell(new WorkerDirectory.Forget(id));
        }
    }

    private Behavior<Command> onRemoteFailNoted() {
        return attempt < maxAttempts && !permanentFailure ? nextAttempt() : fallBack();
    }

    /** Remote execution is over without success: local retry, or fail under --no_local. */
    private Behavior<Command> fallBack() {
        fallback = lastReason != null ? lastReason : FallbackReason.REFUSED;
        if (!shared.noLocal()) {
            if (fallback == FallbackReason.NO_WORKER_YET && plan != null && attempt == 0) {
                // a worker may be known before a local slot frees: then it goes remote after all (onWorkersKnown)
                mayStillGoRemote = true;
                shared.directory().tell(new WorkerDirectory.Subscribe(workerPushes));
            }
            return runLocally();
        }
        String message = "[booster] sub-work '" + String.join(" ", argv) + "' "
                + (attempt > 0 ? "failed remotely after " + attempt + " attempt(s)" : "could not run remotely")
                + ": " + lastFailure
                + "; not retried locally because of --no_local\n";
        byte[] stderr = concat(lastRemoteStderr, message.getBytes(StandardCharsets.UTF_8));
        return finish(Route.FAILED, lastRemoteExit != 0 ? lastRemoteExit : 1, lastRemoteStdout, stderr, null);
    }

    private Behavior<Command> runLocally() {
        lap(); // handler callbacks since the last step are not local time
        return acquireSlot(LocalSlots.Kind.EXE, weight);
    }

    /** A worker became known while this waits for a local slot: take the request back, then go remote. */
    private Behavior<Command> onWorkersKnown(WorkersKnown known) {
        if (!mayStillGoRemote || awaitedSlot != LocalSlots.Kind.EXE || known.snapshot().usableWorkers() == 0) {
            return this;
        }
        mayStillGoRemote = false;
        withdrawing = true;
        shared.localSlots().tell(new LocalSlots.Withdraw(LocalSlots.Kind.EXE, getContext().getSelf(), withdrawals));
        return this;
    }

    private Behavior<Command> onLocalWaitWithdrawn() {
        if (!withdrawing) {
            return this; // the slot was granted first and the sub-work runs here
        }
        withdrawing = false;
        awaitedSlot = null;
        fallback = null;
        lastReason = null;
        lastFailure = "";
        localWaitNanos += lap();
        return nextAttempt();
    }

    private void runLocalWithLease(long lease) {
        localWaitNanos += lap();
        // not bounded: a local run lasts as long as the command (and the handler's localExecute) takes
        HandlerCalls.pipeToSelf(getContext(), handler, shared.blocking(), () -> {
            try {
                return new LocalDone(LocalRun.run(handler, argv, cwd, env, stdin, localProcess));
            } finally {
                shared.localSlots().tell(new LocalSlots.Release(lease));
            }
        }, error -> new LocalDone(new Result(127, new byte[0], ("[booster] local run of '" + String.join(" ", argv)
                + "' failed: " + messageOf(error) + "\n").getBytes(StandardCharsets.UTF_8), List.of())));
    }

    private Behavior<Command> onLocalDone(LocalDone done) {
        localNanos += lap();
        Result result = done.result();
        return finish(result.retCode() == 0 ? Route.LOCAL : Route.FAILED, result.retCode(), result.stdout(),
                result.stderr(), null);
    }

    private Behavior<Command> finish(Route route, int exitCode, byte[] stdout, byte[] stderr, String ranOn) {
        replyTo.tell(new ExecutorGateway.SubWorkReply(exitCode, stdout, stderr));
        reportTo.tell(new Ended(id, route, exitCode, ranOn, timings(), fallback,
                fallback == null || lastFailure.isEmpty() ? null : lastFailure));
        forget();
        if (inline) {
            callInline(() -> handler.finalExecute(argv, sandbox()));
            return Behaviors.stopped();
        }
        onBlocking("FinalExecute", () -> {
            handler.finalExecute(argv, sandbox());
            return Finalized.INSTANCE;
        }, error -> {
            // its result was already answered: a failing FinalExecute changes nothing, but the handler's author sees it
            shared.console().println("[booster] warning: " + (error instanceof HookTimeoutException ? error.getMessage()
                    : "FinalExecute of sub-work '" + String.join(" ", argv) + "' failed: " + error));
            return Finalized.INSTANCE;
        });
        return this;
    }

    /** Nanoseconds since the last mark; moves the mark. */
    private long lap() {
        long now = System.nanoTime();
        long elapsed = now - mark;
        mark = now;
        return elapsed;
    }

    private Timings timings() {
        return new Timings(argv, startMillis, preNanos / 1_000_000, sendNanos / 1_000_000, remoteNanos / 1_000_000,
                postNanos / 1_000_000,
                localWaitNanos / 1_000_000, localNanos / 1_000_000, (System.nanoTime() - startNanos) / 1_000_000, attempt,
                workerMicros, processMicros, lateAnswers, sharedInput);
    }

    private String attemptId() {
        return AttemptIds.attempt(id, attempt);
    }

    private void rememberRemoteOutput(SubWorkExecutor.Done done) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = 0;
        for (SubWorkExecutor.StepResult step : done.results()) {
            out.writeBytes(step.stdout());
            err.writeBytes(step.stderr());
            exit = step.exitCode();
        }
        lastRemoteExit = done.results().isEmpty() ? 1 : exit;
        lastRemoteStdout = out.toByteArray();
        lastRemoteStderr = err.toByteArray();
    }

    /** A step that calls hook {@code hook}, bounded by {@code troupe.booster.sub-work-hook-timeout}. */
    private void onBlocking(String hook, java.util.concurrent.Callable<Command> work,
            java.util.function.Function<Throwable, Command> onError) {
        HandlerCalls.pipeToSelf(getContext(), handler, shared.blocking(), hook, shared.hookTimeout(),
                HandlerCalls.SUB_WORK_TIMEOUT_KEY, work, onError);
    }

    /** Releases the local slot lease once, whoever comes first: the step's end or its timeout. */
    private Runnable releaseOnce(long lease) {
        java.util.concurrent.atomic.AtomicBoolean released = new java.util.concurrent.atomic.AtomicBoolean();
        ActorRef<LocalSlots.Command> slots = shared.localSlots();
        return () -> {
            if (released.compareAndSet(false, true)) {
                slots.tell(new LocalSlots.Release(lease));
            }
        };
    }

    /** PreExecute hung: no remote attempt; said on stderr, counted as hook_timeout. */
    private Behavior<Command> hookTimedOut(HookTimeoutException timedOut) {
        lastFailure = timedOut.getMessage();
        lastReason = FallbackReason.HOOK_TIMEOUT;
        shared.console().println("[booster] warning: sub-work '" + String.join(" ", argv) + "': " + lastFailure
                + (shared.noLocal() ? "" : "; running it locally"));
        return fallBack();
    }

    // ---- inline hooks, on the actor's thread ----

    /** The work's handler's {@link Handler#forSubWork()}; when that throws, the work's handler itself, with a warning. */
    private static Handler subWorkHandler(Shared shared) {
        try {
            Handler own = shared.handler().forSubWork();
            return own != null ? own : shared.handler();
        } catch (RuntimeException e) {
            shared.console().println("[booster] warning: the handler's forSubWork failed (" + e + "); using the work's handler");
            return shared.handler();
        }
    }

    /** Only built-in handlers: a plugin's class loader is never the booster's own. */
    private static boolean isInline(Handler handler) {
        return handler instanceof InlineHooks && handler.getClass().getClassLoader() == InlineHooks.class.getClassLoader();
    }

    /**
     * The handler's decisions made here; null when PreExecute names input files, which are then read under a
     * PRE lease on the blocking dispatcher ({@link #pendingInputs}).
     */
    private Planned planInline() {
        boolean needRemote;
        int localWeight;
        int retries;
        try {
            needRemote = !shared.local() && handler.needRemoteResource(argv);
            localWeight = handler.localLockWeight(argv);
            retries = handler.remoteRetryTimes();
        } catch (RuntimeException e) {
            return new Planned(false, 1, -1, null, null, e);
        }
        if (!needRemote) {
            return new Planned(false, localWeight, retries, null, null, null);
        }
        try {
            DistCommand dist = SubWorkFiles.checked(handler.preExecute(argv, sandbox()));
            if (SubWorkFiles.hasInputFiles(dist)) {
                pendingInputs = new PendingInputs(localWeight, retries, dist);
                return null;
            }
            return new Planned(true, localWeight, retries, files.planOf(dist, SubWorkFiles.Inputs.NONE), null, null);
        } catch (Exception e) {
            return new Planned(true, localWeight, retries, null, e, null);
        }
    }

    private PostExecuted postExecuteInline() {
        try {
            handler.postExecute(files.resultsOf(plan, remoteDone));
            return new PostExecuted(null);
        } catch (Exception e) {
            return new PostExecuted(e);
        }
    }

    /** A hook whose failure changes nothing (onRemoteFail, finalExecute): logged, not thrown. */
    private void callInline(Runnable hook) {
        try {
            hook.run();
        } catch (RuntimeException e) {
            shared.console().println("[booster] warning: a handler hook of sub-work '" + String.join(" ", argv)
                    + "' failed: " + e);
        }
    }

    // ---- blocking work, on troupe.blocking-dispatcher ----

    private Planned withInputs(PendingInputs pending) {
        try {
            return new Planned(true, pending.weight(), pending.retries(), files.planOf(pending.dist(), files.readInputs(pending.dist())),
                    null, null);
        } catch (Exception e) {
            return new Planned(true, pending.weight(), pending.retries(), null, e, null);
        }
    }

    private Planned plan() {
        boolean needRemote = handler.needRemoteResource(argv);
        int localWeight = handler.localLockWeight(argv);
        int retries = handler.remoteRetryTimes();
        if (!needRemote) {
            return new Planned(false, localWeight, retries, null, null, null);
        }
        try {
            return new Planned(true, localWeight, retries, prepareRemote(), null, null);
        } catch (Exception e) {
            return new Planned(true, localWeight, retries, null, e, null);
        }
    }

    private SubWorkFiles.RemotePlan prepareRemote() throws Exception {
        DistCommand dist = SubWorkFiles.checked(handler.preExecute(argv, sandbox()));
        return files.planOf(dist, files.readInputs(dist));
    }

    /** The sub-work's directory and environment as the build started it (TBS InitSandbox). */
    private Sandbox sandbox() {
        return new Sandbox(cwd.toAbsolutePath(), env);
    }

    /** What a worker's refusal means for the sub-work. */
    private static FallbackReason reasonOf(SubWorkExecutor.Failure failure) {
        return switch (failure) {
            case BUSY, DRAINING -> FallbackReason.NO_WORKER;
            case NOT_ALLOWED, BAD_PATH, BAD_REQUEST -> FallbackReason.WORKER_REFUSED;
            case TOO_LARGE -> FallbackReason.TOO_LARGE;
            case TIMEOUT -> FallbackReason.TIMEOUT;
            case MISSING_RESULT -> FallbackReason.REMOTE_NONZERO;
            case IO_ERROR -> FallbackReason.WORKER_LOST;
            case TOOLCHAIN_MISMATCH -> FallbackReason.TOOLCHAIN_MISMATCH;
        };
    }

    /** Why the directory had no worker to offer (a toolchain filter answers TOOLCHAIN_MISMATCH here). */
    private static FallbackReason reasonOf(WorkerDirectory.NoWorker none) {
        return none.toolchainMismatch() ? FallbackReason.TOOLCHAIN_MISMATCH
                : none.noneYet() ? FallbackReason.NO_WORKER_YET : FallbackReason.NO_WORKER;
    }

    /**
     * False when the handler knows the command never reads stdin (a compile of a named file): under make -j
     * every job but one gets a pipe nobody writes, which is then no reason to stay local.
     */
    private boolean mayReadStdin() {
        return !(handler instanceof StdinUse use) || use.readsStdin(argv);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] joined = new byte[a.length + b.length];
        System.arraycopy(a, 0, joined, 0, a.length);
        System.arraycopy(b, 0, joined, a.length, b.length);
        return joined;
    }


}
