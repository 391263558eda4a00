package io.troupe.booster.worker;

import com.typesafe.config.Config;
import io.troupe.api.CborSerializable;
import io.troupe.booster.toolchain.Toolchains;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;

/**
 * The worker side of the booster: accepts sub-works from boosters anywhere in the cluster and runs each in
 * a child {@link Execution} with its own sandbox. Registered with the Receptionist under {@link #KEY}; its load
 * reports carry the toolchain keys of its compilers ({@code troupe.worker.toolchains}), probed at start.
 * At most {@code slots} run at once, {@code queue-size} more wait; past that a sub-work is answered busy.
 */
public final class SubWorkExecutor extends AbstractBehavior<SubWorkExecutor.Command> {

    /** Receptionist key boosters look workers up by. */
    public static final ServiceKey<Command> KEY = ServiceKey.create(Command.class, "troupe-worker");

    /**
     * A {@link Step#exePath()} of {@code toolchain:<key>} asks for this worker's own compiler with that toolchain key
     * ({@code docs/booster-execution.md}); a worker without it refuses the step, it never runs another compiler.
     */
    public static final String TOOLCHAIN_PREFIX = "toolchain:";

    /** Key under {@code troupe.worker}: the compilers this worker offers ({@code -bt cc}). */
    private static final String TOOLCHAINS = "toolchains";

    public interface Command {}

    /**
     * Run one sub-work.
     *
     * @param subWorkId the booster's id of this attempt, echoed in the reply
     * @param steps the commands, run in order in one sandbox; the first non-zero exit ends the run
     * @param inputs files written into the sandbox before the first step
     * @param timeoutMillis longest the run may take (0 = the worker's {@code timeout}); capped by it
     * @param requester the booster actor waiting for the answer; if it dies the run is stopped and cleaned up
     *     (one on another node is not watched per sub-work: its node leaving the cluster or staying unreachable
     *     for {@code troupe.worker.requester-unreachable-grace}, or its {@link Cancel}, stops the run)
     * @param replyTo where the {@link Reply} goes
     * @param takesPacked the booster reads {@link ResultFile#packed()}: larger result files may come back packed
     *     in the answer (false from a booster that predates packing, which fetches every larger one by digest)
     */
    public record Execute(
            String subWorkId,
            List<Step> steps,
            List<InputFile> inputs,
            long timeoutMillis,
            ActorRef<?> requester,
            ActorRef<Reply> replyTo,
            boolean takesPacked) implements Command, CborSerializable {
        public Execute {
            steps = List.copyOf(steps);
            inputs = List.copyOf(inputs);
        }

        /** A request from this booster, which takes packed result files. */
        public Execute(String subWorkId, List<Step> steps, List<InputFile> inputs, long timeoutMillis,
                ActorRef<?> requester, ActorRef<Reply> replyTo) {
            this(subWorkId, steps, inputs, timeoutMillis, requester, replyTo, true);
        }
    }

    /**
     * The booster gave up attempt {@code subWorkId} (or stopped waiting for it): stop its run, or drop it from
     * the queue, and answer nothing. Unknown ids are ignored (the run ended already).
     */
    public record Cancel(String subWorkId) implements Command, CborSerializable {}

    /** Ask for the current load. */
    public record GetLoad(ActorRef<Load> replyTo) implements Command, CborSerializable {}

    /**
     * The node is shutting down ({@link WorkerDrain}): take no more sub-works ({@link Failure#DRAINING}), hand the
     * queued ones back, leave the Receptionist, let the running ones finish, and tell {@code replyTo}
     * {@link Drained} once every one has answered. Past {@code timeout} the running ones are stopped and answered
     * {@link Failure#DRAINING}, so their boosters re-run them elsewhere.
     */
    public record Drain(java.time.Duration timeout, ActorRef<Drained> replyTo)
            implements Command, NoSerializationVerificationNeeded {}

    /**
     * Answer to {@link Drain}: no sub-work is left here.
     *
     * @param handedBack queued or newly arrived sub-works refused since the drain began
     * @param stopped running sub-works stopped at the drain timeout
     */
    public record Drained(int handedBack, int stopped) implements NoSerializationVerificationNeeded {}

    /**
     * One command of a sub-work.
     *
     * @param exeName the program as named by the client
     * @param exePath an absolute path to run instead of looking {@code exeName} up on PATH, or null
     * @param params arguments after the program
     * @param env extra {@code NAME=value} entries
     * @param resultFiles sandbox-relative files to bring back after this step
     * @param stdin a sandbox-relative input file the step reads as stdin, or null for /dev/null
     */
    public record Step(String exeName, String exePath, List<String> params, List<String> env, List<String> resultFiles,
            String stdin) implements CborSerializable {
        public Step {
            params = params == null ? List.of() : List.copyOf(params);
            env = env == null ? List.of() : List.copyOf(env);
            resultFiles = resultFiles == null ? List.of() : List.copyOf(resultFiles);
        }

        /** A step reading /dev/null. */
        public Step(String exeName, String exePath, List<String> params, List<String> env, List<String> resultFiles) {
            this(exeName, exePath, params, env, resultFiles, null);
        }

        /** What runs: the path if given, else the name. */
        public String executable() {
            return exePath != null && !exePath.isBlank() ? exePath : exeName;
        }

        /** The toolchain key when {@code exePath} is {@code toolchain:<key>}, else null. */
        public String toolchain() {
            return exePath != null && exePath.startsWith(TOOLCHAIN_PREFIX) ? exePath.substring(TOOLCHAIN_PREFIX.length()) : null;
        }
    }

    /**
     * A file put into the sandbox at {@code path} (relative) before the run: blob {@code digest} of the worker's
     * content store (the worker answers {@link NeedInputs} when it lacks it), or {@code content} itself when
     * given (small files only: it travels inside the message), or {@code packed}, one LZ4 block
     * ({@link io.troupe.booster.cas.Compression#pack}) of the file's {@code size} bytes, also inside the message.
     * A packed file has no digest and no content, so a worker that does not know packing refuses it.
     */
    public record InputFile(String path, String digest, long size, boolean executable, byte[] content, byte[] packed)
            implements CborSerializable {
        /** A file sent inline. */
        public InputFile(String path, byte[] content, boolean executable) {
            this(path, null, content == null ? 0 : content.length, executable, content, null);
        }

        /** A file sent by digest. */
        public static InputFile byDigest(String path, String digest, long size, boolean executable) {
            return new InputFile(path, digest, size, executable, null, null);
        }

        /** A file sent inline as an LZ4 block of its {@code size} bytes. */
        public static InputFile packed(String path, byte[] block, long size, boolean executable) {
            return new InputFile(path, null, size, executable, null, block);
        }

        /** Whether the bytes travel in the message (as they are or packed), not by digest. */
        public boolean inline() {
            return content != null || packed != null;
        }
    }

    /**
     * A result file brought back from {@code path} (relative to the sandbox): {@code content} inline when small,
     * {@code packed} (one LZ4 block of its {@code size} bytes) when it packed small enough, else both null and
     * fetched by {@code digest} from the worker's content store ({@link Fetch}); {@code executable} when the run
     * left it executable, so that it comes back so (a node without the field sends false).
     */
    public record ResultFile(String path, String digest, long size, byte[] content, byte[] packed, boolean executable)
            implements CborSerializable {
        public ResultFile(String path, byte[] content) {
            this(path, null, content.length, content, null, false);
        }

        /** A result file in the worker's store, fetched by digest. */
        public static ResultFile byDigest(String path, String digest, long size) {
            return new ResultFile(path, digest, size, null, null, false);
        }

        /** Whether the bytes came in the answer (as they are or packed), not by digest. */
        public boolean inline() {
            return content != null || packed != null;
        }

        /**
         * The bytes that came in the answer.
         *
         * @throws IllegalArgumentException naming the file when a packed block is damaged
         */
        public byte[] bytes() {
            if (packed == null) {
                return content;
            }
            return io.troupe.booster.cas.Compression.unpack(packed, size, "result file '" + path + "'");
        }
    }

    /** Answer to {@link Execute} when input blobs are missing: send them ({@link Offer}), then the Execute again. */
    public record NeedInputs(String subWorkId, List<String> missing, Load load) implements Reply {
        public NeedInputs {
            missing = List.copyOf(missing);
        }

        @Override
        public NeedInputs withLoad(Load newLoad) {
            return new NeedInputs(subWorkId, missing, newLoad);
        }
    }

    /** A blob about to be sent: its digest and size. */
    public record Blob(String digest, long size) implements CborSerializable {}

    /** The booster will send these blobs; the worker answers {@link UploadTo}, then {@link Uploaded}. */
    public record Offer(String subWorkId, List<Blob> blobs, ActorRef<OfferReply> replyTo) implements Command, CborSerializable {}

    /** Answers to {@link Offer}. */
    public interface OfferReply extends CborSerializable {}

    /** Where to stream the offered blobs' {@link io.troupe.booster.cas.Piece}s; null sink = refused, see error. */
    public record UploadTo(String subWorkId, org.apache.pekko.stream.SinkRef<io.troupe.booster.cas.Piece> sink,
            String error)
            implements OfferReply {}

    /** The upload is over: every blob verified and stored (error null), or why not. */
    public record Uploaded(String subWorkId, String error) implements OfferReply {}

    /** Send these blobs (results by digest); the worker answers {@link DownloadFrom}. */
    public record Fetch(String subWorkId, List<Blob> blobs, ActorRef<DownloadFrom> replyTo) implements Command, CborSerializable {}

    /** The requested blobs as a stream of pieces, or why not (source null). */
    public record DownloadFrom(String subWorkId, org.apache.pekko.stream.SourceRef<io.troupe.booster.cas.Piece> source,
            String error)
            implements CborSerializable {}

    /** Ask for the content store's counters. */
    public record GetCasStats(ActorRef<io.troupe.booster.cas.ContentStore.Stats> replyTo)
            implements Command, CborSerializable {}

    /** Outcome of one step. */
    public record StepResult(int exitCode, byte[] stdout, byte[] stderr, List<ResultFile> files)
            implements CborSerializable {
        public StepResult {
            files = files == null ? List.of() : List.copyOf(files);
        }
    }

    /**
     * A worker's load.
     *
     * @param worker the worker's node address, for messages
     * @param slots concurrent sub-works it runs
     * @param running sub-works running now
     * @param queued sub-works waiting for a slot
     * @param queueSize how many may wait before it answers busy
     * @param toolchains the toolchain keys of the compilers this worker runs ({@code troupe.worker.toolchains})
     * @param draining the worker's node is shutting down: it takes no new sub-work ({@link Drain})
     * @param runs which sub-works run, oldest first, at most {@link #MAX_LISTED_RUNS}; only in the answer to
     *     {@link GetLoad} (the load riding on every {@link Reply} leaves it empty), and empty from a worker
     *     from before the field
     * @param freed runs ended since the executor started, each counted once, as it answers or as its slot is freed;
     *     it orders two loads of one worker, so that a poll's answer composed before a run ended, arriving after
     *     that run's answer, is read as the older of the two (0 from a worker from before the field)
     */
    public record Load(String worker, int slots, int running, int queued, int queueSize, List<String> toolchains,
            boolean draining, List<Run> runs, long freed) implements CborSerializable {
        public Load {
            toolchains = toolchains == null ? List.of() : List.copyOf(toolchains);
            runs = runs == null ? List.of() : List.copyOf(runs);
        }

        /** A load report without the list of running sub-works or the count of ends. */
        public Load(String worker, int slots, int running, int queued, int queueSize, List<String> toolchains,
                    boolean draining) {
            this(worker, slots, running, queued, queueSize, toolchains, draining, List.of(), 0);
        }

        /** A load report of a worker that is not draining. */
        public Load(String worker, int slots, int running, int queued, int queueSize, List<String> toolchains) {
            this(worker, slots, running, queued, queueSize, toolchains, false);
        }

        /** A load report of a worker that holds no toolchain. */
        public Load(String worker, int slots, int running, int queued, int queueSize) {
            this(worker, slots, running, queued, queueSize, List.of());
        }

        /** Free slots; negative when sub-works are queued. */
        public int free() {
            return slots - running - queued;
        }

        /**
         * This load once {@code ended} runs in all have ended: each end it does not count yet frees a slot, which a
         * queued sub-work takes or which stays free. A run's answer carries it, since the executor counts the run
         * until it hears the run is over, after the answer.
         */
        public Load asOf(long ended) {
            if (ended <= freed) {
                return this;
            }
            long more = ended - freed; // the queued take the first slots freed
            int stillQueued = (int) Math.max(0, queued - more);
            int stillRunning = (int) Math.max(0, running - Math.max(0, more - queued));
            return new Load(worker, slots, stillRunning, stillQueued, queueSize, toolchains, draining, runs, ended);
        }
    }

    /** {@link Load#runs()} lists at most this many running sub-works (the count in {@code running} is exact). */
    public static final int MAX_LISTED_RUNS = 64;

    /**
     * One running sub-work, as {@code /workers} lists it.
     *
     * @param subWorkId the booster's id of the attempt ({@code <build id>-<n>#<attempt>} from a booster)
     * @param command the first step's executable name
     * @param booster the requesting booster's node address
     * @param sinceMs when it took its slot (epoch ms)
     */
    public record Run(String subWorkId, String command, String booster, long sinceMs) implements CborSerializable {}

    /** Answer to {@link Execute}. */
    public interface Reply extends CborSerializable {
        String subWorkId();

        Load load();

        /** The same reply with the worker's load filled in. */
        Reply withLoad(Load load);
    }

    /**
     * The run completed (whatever the exit codes); one result per step that ran.
     *
     * @param workerMicros from the Execute's arrival at the worker to this answer (queue, sandbox, steps, collection)
     * @param processMicros of that, starting the steps' processes and waiting for them
     */
    public record Done(String subWorkId, List<StepResult> results, Load load, long workerMicros, long processMicros)
            implements Reply {
        public Done {
            results = List.copyOf(results);
        }

        @Override
        public Done withLoad(Load newLoad) {
            return new Done(subWorkId, results, newLoad, workerMicros, processMicros);
        }
    }

    /**
     * Sent every {@code troupe.worker.heartbeat-interval} while a sub-work waits or runs here: the booster counts
     * it as progress, so {@code --io_timeout_secs} bounds silence, not run time.
     */
    public record Running(String subWorkId, Load load) implements Reply {
        @Override
        public Running withLoad(Load newLoad) {
            return new Running(subWorkId, newLoad);
        }
    }

    /** The run was refused or could not complete. */
    public record Failed(String subWorkId, Failure failure, String message, Load load) implements Reply {
        @Override
        public Failed withLoad(Load newLoad) {
            return new Failed(subWorkId, failure, message, newLoad);
        }
    }

    /** Why a run failed. */
    public enum Failure {
        /** all slots and the queue are full */
        BUSY,
        /** an executable is not on {@code troupe.worker.allowlist} */
        NOT_ALLOWED,
        /** a step names a toolchain key this worker does not hold */
        TOOLCHAIN_MISMATCH,
        /** an input or result path is absolute, escapes with {@code ..}, or leaves the sandbox by a link */
        BAD_PATH,
        /** inputs or outputs exceed the worker's size limits */
        TOO_LARGE,
        /** the run took longer than its timeout; its process tree was killed */
        TIMEOUT,
        /** a step exited 0 but a result file it should produce is missing */
        MISSING_RESULT,
        /** the sandbox could not be made or written, or a process could not start */
        IO_ERROR,
        /** the request itself is malformed (no steps, bad env entry) */
        BAD_REQUEST,
        /**
         * the worker's node is shutting down (rolling update): it refused the sub-work, handed it back from its
         * queue, or stopped it at {@code troupe.worker.drain-timeout}; not a failure of the sub-work, the booster
         * sends it to another worker
         */
        DRAINING
    }

    /**
     * Install a toolchain shipped by a booster (a {@link io.troupe.booster.toolchain.ToolchainBundle}) and hold its
     * key from then on. Answered {@link ToolchainNeeds} while the content store lacks some of its files (the booster
     * sends them with {@link Offer}, {@code installId} as the sub-work id, and asks again), then
     * {@link ToolchainInstalled}.
     *
     * @param installId names this install in the answers and in the {@link Offer}
     * @param key the toolchain key the driver must answer with
     * @param driver the driver's path among {@code files}
     * @param interpreter the ELF interpreter the bundle's loader is mounted over, or null
     * @param files the bundle's files, by digest
     */
    public record InstallToolchain(String installId, String key, String driver, String interpreter,
            List<InputFile> files, ActorRef<InstallReply> replyTo) implements Command, CborSerializable {
        public InstallToolchain {
            files = List.copyOf(files);
        }
    }

    /** Answer to {@link InstallToolchain}. */
    public interface InstallReply extends CborSerializable {}

    /** The worker's content store lacks these blobs of the toolchain. */
    public record ToolchainNeeds(String installId, List<String> missing) implements InstallReply {}

    /** The toolchain is installed ({@code error} null) or cannot be, and why. */
    public record ToolchainInstalled(String installId, String key, String error) implements InstallReply {}

    /** A shipped toolchain's directory was made and its driver checked, or not. */
    private record ToolchainReady(InstallToolchain request, Path driver, Throwable error)
            implements Command, NoSerializationVerificationNeeded {}

    /** The compilers named by {@code troupe.worker.toolchains} were probed. */
    private record ToolchainsProbed(Toolchains.Probe probe, Throwable error) implements Command, NoSerializationVerificationNeeded {}

    /** A child Execution ended (any way). */
    private record ExecutionEnded(String subWorkId, long run) implements Command, NoSerializationVerificationNeeded {}

    /** A run has answered: its slot is free (its sandbox may still be being removed). */
    private record SlotFreed(String subWorkId, long run) implements Command, NoSerializationVerificationNeeded {}

    /** A booster's node left the cluster or stayed unreachable ({@link RequesterWatch}): its runs are stopped. */
    private record MemberGone(RequesterWatch.Gone gone) implements Command, NoSerializationVerificationNeeded {}

    /** A started run: which one, its actor, and the node of its requester. */
    private record RunningRun(long number, ActorRef<Execution.Command> execution,
            org.apache.pekko.actor.Address requester, String command, long sinceMs) {}

    /** A sub-work waiting for a slot, and since when (for {@link Done#workerMicros}). */
    private record Queued(Execute request, long arrivedNanos) {}

    private enum HeartbeatTick implements Command, NoSerializationVerificationNeeded { INSTANCE }

    /** {@link Drain#timeout()} has passed with sub-works still running. */
    private enum DrainTimedOut implements Command, NoSerializationVerificationNeeded { INSTANCE }

    /** While draining: whether the last answers' result downloads have ended. */
    private enum DrainCheck implements Command, NoSerializationVerificationNeeded { INSTANCE }

    /**
     * A drained worker waits this long after its last answer, and for the result downloads under way: a booster
     * asks for large result files ({@link Fetch}) once it has the answer.
     */
    private static final java.time.Duration FETCH_GRACE = java.time.Duration.ofSeconds(1);

    private final WorkerSettings settings;
    /** how this worker's processes are confined; resolved once, not per process */
    private final SandboxLauncher launcher;
    /** each slot's sandbox entered once and reused (troupe.worker.sandbox.reuse) */
    private final SlotSandboxes slotSandboxes;
    /** the sandbox check at start ({@link SandboxLauncher#start}) */
    private final CompletableFuture<Void> started;
    private final Executor blocking;
    private final ArrayDeque<Queued> queue = new ArrayDeque<>();
    /** toolchain key → this worker's binary for it; empty until probed */
    private Map<String, Path> toolchains = Map.of();
    /** key → the requests waiting on its install under way: two boosters shipping one toolchain get one install */
    private final Map<String, List<InstallToolchain>> installing = new java.util.HashMap<>();
    /** load polls that came before the compilers were probed, answered once they are */
    private List<GetLoad> pendingLoads = new java.util.ArrayList<>();
    private final String address;
    /** the load as of the last change, read by Executions (on their blocking tasks) for their answers */
    private final AtomicReference<Load> loadView = new AtomicReference<>();
    private final CasService cas;
    private final ShippedToolchains shipped;
    /** troupe.worker.accept-toolchains: whether boosters may ship compilers here */
    private final boolean acceptsToolchains;
    private int running;
    /**
     * Runs ended ({@link Load#freed()}), each counted once by whoever comes first: the run as it answers (its
     * answer's load counts it) or this actor as it frees the run's slot. Read and counted on runs' threads too.
     */
    private final java.util.concurrent.atomic.AtomicLong ends = new java.util.concurrent.atomic.AtomicLong();
    /** the ends that {@code running} and the queue already reflect */
    private long accounted;
    /** run numbers, unique across restarts: a stopped run's late SlotFreed must not free a new run's slot */
    private static final java.util.concurrent.atomic.AtomicLong RUN_NUMBERS = new java.util.concurrent.atomic.AtomicLong();
    /** queued and running sub-works, told {@link Running} on every heartbeat */
    private final java.util.Map<String, ActorRef<Reply>> inFlight = new java.util.HashMap<>();
    /** running Executions by sub-work id, to stop on {@link Cancel} or when their requester's node leaves */
    private final java.util.Map<String, RunningRun> runs = new java.util.HashMap<>();
    /** runs (by number) that hold a slot until they answer or end */
    private final java.util.Map<Long, java.util.concurrent.atomic.AtomicBoolean> occupying = new java.util.HashMap<>();
    private final java.time.Duration heartbeat;
    /** the next heartbeat, cancelled on restart so one chain of ticks runs, not one per incarnation */
    private org.apache.pekko.actor.Cancellable nextHeartbeat;
    /** who waits for the drain to end; null while the worker takes sub-works */
    private List<ActorRef<Drained>> drainWaiters;
    private int handedBack;
    private int drainStopped;
    private boolean drainTimedOut;
    private boolean drainCheckScheduled;
    /** when the last sub-work answered (System.nanoTime), for {@link #FETCH_GRACE} */
    private long lastAnswerNanos = System.nanoTime();

    /** Reads {@code troupe.worker} from the actor system's config. */
    public static Behavior<Command> create() {
        return supervised(Behaviors.setup(context -> {
            Config worker = context.getSystem().settings().config().getConfig("troupe.worker");
            return new SubWorkExecutor(context, WorkerSettings.fromConfig(worker),
                    worker.hasPath(TOOLCHAINS) ? worker.getStringList(TOOLCHAINS) : List.of());
        }));
    }

    /**
     * Restart on a failure (a bug, a malformed message): the worker keeps serving. Its state is rebuilt from what
     * is real: the restart stops every Execution (each answers its requester IO_ERROR), queued sub-works are
     * answered IO_ERROR, the content store is reopened from disk and the slots start empty.
     */
    private static Behavior<Command> supervised(Behavior<Command> executor) {
        return Behaviors.supervise(executor).onFailure(org.apache.pekko.actor.typed.SupervisorStrategy.restart());
    }

    /** With explicit settings (tests, embedding); offers the compilers found on PATH. */
    public static Behavior<Command> create(WorkerSettings settings) {
        return create(settings, List.of());
    }

    /**
     * With explicit settings and compilers.
     *
     * @param toolchains compilers to offer (names on PATH or absolute paths); empty = every compiler found on PATH
     */
    public static Behavior<Command> create(WorkerSettings settings, List<String> toolchains) {
        return supervised(Behaviors.setup(context -> new SubWorkExecutor(context, settings, toolchains)));
    }

    private SubWorkExecutor(ActorContext<Command> context, WorkerSettings settings, List<String> toolchainNames) {
        super(context);
        this.settings = settings;
        this.launcher = SandboxLauncher.of(settings);
        this.blocking = context.getSystem().dispatchers().lookup(DispatcherSelector.fromConfig("troupe.blocking-dispatcher"));
        this.address = context.getSystem().address().toString();
        this.cas = CasService.open(context, settings, blocking);
        this.shipped = new ShippedToolchains(settings.sandboxRoot(), cas.store(), launcher);
        this.acceptsToolchains = context.getSystem().settings().config().getBoolean("troupe.worker.accept-toolchains");
        loadView.set(load());
        com.typesafe.config.Config config = context.getSystem().settings().config();
        this.heartbeat = config.hasPath("troupe.worker.heartbeat-interval")
                ? config.getDuration("troupe.worker.heartbeat-interval") : java.time.Duration.ofSeconds(2);
        if (!heartbeat.isZero()) {
            nextHeartbeat = context.scheduleOnce(heartbeat, context.getSelf(), HeartbeatTick.INSTANCE);
        }
        this.started = launcher.start(blocking); // removes stale sandboxes, logs how sub-works are confined
        this.slotSandboxes = SlotSandboxes.create(settings, launcher);
        slotSandboxes.prewarm(blocking);
        context.getSystem().receptionist().tell(Receptionist.register(KEY, context.getSelf()));
        if (context.getSystem().settings().config().getString("pekko.actor.provider").contains("luster")) {
            // one cluster subscription instead of a remote DeathWatch per sub-work on its requester
            context.spawn(RequesterWatch.create(context.messageAdapter(RequesterWatch.Gone.class, MemberGone::new)),
                    "requester-watch");
        }
        context.getLog().info("worker ready: {} slots, queue {}, sandboxes in {}",
                settings.slots(), settings.queueSize(), settings.sandboxRoot());
        // probing runs the compilers, so on the blocking pool; load polls wait for it, so the booster's first
        // view of this worker already lists its toolchains
        String path = System.getenv("PATH");
        boolean defaults = toolchainNames.isEmpty();
        context.pipeToSelf(CompletableFuture.supplyAsync(() -> {
                    Toolchains.Probe probe = Toolchains.probe(defaults ? Toolchains.defaultNames(path) : toolchainNames,
                            path, defaults);
                    Map<String, Path> held = new java.util.LinkedHashMap<>(acceptsToolchains ? shipped.installed() : Map.of());
                    held.putAll(probe.held());
                    return new Toolchains.Probe(held, probe.problems());
                }, blocking),
                ToolchainsProbed::new);
    }

    private Behavior<Command> onToolchainsProbed(ToolchainsProbed probed) {
        if (probed.error() != null) {
            getContext().getLog().warn("worker cannot probe its compilers, it offers none: {}", probed.error().toString());
        } else {
            Map<String, Path> held = new java.util.LinkedHashMap<>(probed.probe().held());
            held.putAll(toolchains); // a toolchain shipped while the probe ran (after a restart)
            toolchains = Map.copyOf(held);
            probed.probe().problems().forEach(problem -> getContext().getLog().warn("worker: {}", problem));
        }
        loadView.set(load());
        getContext().getLog().info("worker offers {} toolchains", toolchains.size());
        List<GetLoad> waiting = pendingLoads == null ? List.of() : pendingLoads; // null: a probe from before a restart
        pendingLoads = null;
        waiting.forEach(this::onGetLoad);
        return this;
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(ToolchainsProbed.class, this::onToolchainsProbed)
                .onMessage(Execute.class, this::onExecute)
                .onMessage(GetLoad.class, this::onGetLoad)
                .onMessage(Offer.class, this::onOffer)
                .onMessage(InstallToolchain.class, this::onInstallToolchain)
                .onMessage(ToolchainReady.class, this::onToolchainReady)
                .onMessage(Fetch.class, this::onFetch)
                .onMessage(GetCasStats.class, this::onGetCasStats)
                .onMessage(ExecutionEnded.class, this::onExecutionEnded)
                .onMessage(SlotFreed.class, this::onSlotFreed)
                .onMessage(Cancel.class, this::onCancel)
                .onMessage(MemberGone.class, this::onMemberGone)
                .onMessageEquals(HeartbeatTick.INSTANCE, this::onHeartbeatTick)
                .onSignal(org.apache.pekko.actor.typed.PreRestart.class, signal -> onPreRestart())
                .onMessage(Drain.class, this::onDrain)
                .onMessageEquals(DrainTimedOut.INSTANCE, this::onDrainTimedOut)
                .onMessageEquals(DrainCheck.INSTANCE, this::onDrainCheck)
                .onSignal(org.apache.pekko.actor.typed.PostStop.class, signal -> onPostStop())
                .build();
    }

    private Behavior<Command> onPostStop() {
        CompletableFuture<Void> closing;
        try {
            closing = CompletableFuture.runAsync(slotSandboxes::close, blocking);
        } catch (RejectedExecutionException e) {
            slotSandboxes.close(); // the dispatcher is gone with the actor system
            closing = CompletableFuture.completedFuture(null);
        }
        // an embedding program (the booster's embedded worker, tests) may remove the sandbox root once the
        // system terminated: nothing of this worker may still write there then
        CompletableFuture<Void> done = CompletableFuture.allOf(started, closing);
        try {
            org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(getContext().getSystem()).registerOnTermination(
                    () -> done.exceptionally(failure -> null).completeOnTimeout(null, 15, TimeUnit.SECONDS).join());
        } catch (IllegalStateException e) {
            // the system terminated already
        }
        return this;
    }

    private Behavior<Command> onExecute(Execute request) {
        if (drainWaiters != null) {
            handedBack++;
            request.replyTo().tell(new Failed(request.subWorkId(), Failure.DRAINING, "worker " + address
                    + " is shutting down and takes no new sub-work", load()));
            return this;
        }
        Failed refusal = validate(request);
        List<String> missing = refusal != null ? List.of() : cas.missing(request.inputs());
        if (refusal != null) {
            request.replyTo().tell(refusal);
        } else if (!missing.isEmpty()) {
            request.replyTo().tell(new NeedInputs(request.subWorkId(), missing, load()));
        } else if (running < settings.slots()) {
            inFlight.put(request.subWorkId(), request.replyTo());
            start(request, System.nanoTime());
        } else if (queue.size() < settings.queueSize()) {
            inFlight.put(request.subWorkId(), request.replyTo());
            queue.add(new Queued(request, System.nanoTime()));
        } else {
            request.replyTo().tell(new Failed(request.subWorkId(), Failure.BUSY, "worker " + address + " is busy: "
                    + running + " sub-works running, " + queue.size() + " queued (troupe.worker.queue-size = "
                    + settings.queueSize() + ")", load()));
        }
        loadView.set(load());
        return this;
    }

    private Behavior<Command> onOffer(Offer offer) {
        cas.offer(offer);
        return this;
    }

    private Behavior<Command> onInstallToolchain(InstallToolchain request) {
        if (toolchains.containsKey(request.key())) {
            request.replyTo().tell(new ToolchainInstalled(request.installId(), request.key(), null));
            return this;
        }
        String refused = !acceptsToolchains ? "worker " + address + " does not run shipped toolchains"
                + " (troupe.worker.accept-toolchains = off)"
                // the launcher's plan is made on the blocking pool at start; until then install() checks it
                : started.isDone() && !launcher.namespaced() ? "worker " + address + " runs sub-works without bubblewrap, so it cannot run"
                + " a shipped toolchain (docs/security.md)"
                : ShippedToolchains.refusal(request, settings.maxFileBytes());
        if (refused != null) {
            request.replyTo().tell(new ToolchainInstalled(request.installId(), request.key(), refused));
            return this;
        }
        List<String> missing = cas.missing(request.files());
        if (!missing.isEmpty()) {
            request.replyTo().tell(new ToolchainNeeds(request.installId(), missing));
            return this;
        }
        List<InstallToolchain> waiting = installing.get(request.key());
        if (waiting != null) {
            waiting.add(request);
            return this;
        }
        installing.put(request.key(), new java.util.ArrayList<>(List.of(request)));
        getContext().pipeToSelf(CompletableFuture.supplyAsync(() -> {
            try {
                return shipped.install(request);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, blocking), (driver, error) -> new ToolchainReady(request, driver, error));
        return this;
    }

    private Behavior<Command> onToolchainReady(ToolchainReady ready) {
        InstallToolchain request = ready.request();
        List<InstallToolchain> waiting = installing.remove(request.key());
        String error = null;
        if (ready.error() != null) {
            String cause = io.troupe.booster.Failures.messageOf(ready.error());
            getContext().getLog().warn("worker cannot install the shipped toolchain {}: {}", request.key(), cause);
            error = "worker " + address + " cannot install toolchain " + request.key() + ": " + cause;
        } else {
            Map<String, Path> held = new java.util.LinkedHashMap<>(toolchains);
            held.put(request.key(), ready.driver());
            toolchains = Map.copyOf(held);
            loadView.set(load());
            getContext().getLog().info("worker installed the shipped toolchain {} in {}", request.key(), ready.driver());
        }
        for (InstallToolchain each : waiting == null ? List.of(request) : waiting) {
            each.replyTo().tell(new ToolchainInstalled(each.installId(), each.key(), error));
        }
        return this;
    }

    private Behavior<Command> onFetch(Fetch fetch) {
        cas.fetch(fetch);
        return this;
    }

    private Behavior<Command> onGetCasStats(GetCasStats request) {
        request.replyTo().tell(cas.store().stats());
        return this;
    }

    private Behavior<Command> onGetLoad(GetLoad request) {
        if (pendingLoads != null) {
            pendingLoads.add(request);
            return this;
        }
        request.replyTo().tell(loadWithRuns());
        return this;
    }

    private Behavior<Command> onSlotFreed(SlotFreed freed) {
        return freeSlot(freed.subWorkId(), freed.run());
    }

    private Behavior<Command> onCancel(Cancel cancel) {
        queue.removeIf(queued -> queued.request().subWorkId().equals(cancel.subWorkId())
                && inFlight.remove(cancel.subWorkId()) != null);
        RunningRun run = runs.get(cancel.subWorkId());
        if (run != null) {
            run.execution().tell(Execution.Abandon.INSTANCE);
        }
        loadView.set(load());
        return this;
    }

    /** Queued sub-works of that node are dropped, its runs stopped; a node still a member is answered why. */
    private Behavior<Command> onMemberGone(MemberGone lost) {
        RequesterWatch.Gone gone = lost.gone();
        List<Queued> dropped = queue.stream()
                .filter(queued -> queued.request().requester().path().address().equals(gone.address())).toList();
        queue.removeAll(dropped);
        dropped.forEach(queued -> inFlight.remove(queued.request().subWorkId()));
        List<RunningRun> stopped = runs.values().stream().filter(run -> run.requester().equals(gone.address())).toList();
        stopped.forEach(run -> run.execution().tell(gone.unreachable()
                ? new Execution.StopAndAnswer(gone.why()) : Execution.Abandon.INSTANCE));
        if (gone.unreachable()) {
            dropped.forEach(queued -> queued.request().replyTo().tell(new Failed(queued.request().subWorkId(),
                    Failure.IO_ERROR, "sub-work " + queued.request().subWorkId() + " was dropped from the queue of worker "
                    + address + ": " + gone.why(), load())));
        }
        if (!dropped.isEmpty() || !stopped.isEmpty()) {
            getContext().getLog().info("{}: stopping {} running and dropping {} queued sub-works", gone.why(),
                    stopped.size(), dropped.size());
        }
        loadView.set(load());
        return this;
    }

    /** The running Executions are stopped by the restart and answer for themselves; the queued ones are answered here. */
    private Behavior<Command> onPreRestart() {
        if (nextHeartbeat != null) {
            nextHeartbeat.cancel();
        }
        for (Queued queued : queue) {
            queued.request().replyTo().tell(new Failed(queued.request().subWorkId(), Failure.IO_ERROR, "worker " + address
                    + " restarted after an internal error before sub-work " + queued.request().subWorkId() + " started",
                    load()));
        }
        // the next incarnation starts its own slot launchers: these would otherwise outlive it
        return onPostStop();
    }

    private Behavior<Command> onExecutionEnded(ExecutionEnded ended) {
        RunningRun run = runs.get(ended.subWorkId());
        if (run != null && run.number() == ended.run()) {
            runs.remove(ended.subWorkId());
        }
        return freeSlot(ended.subWorkId(), ended.run()); // a no-op after its SlotFreed; frees the slot of a run that never answered
    }

    private Behavior<Command> freeSlot(String subWorkId, long run) {
        java.util.concurrent.atomic.AtomicBoolean endCounted = occupying.remove(run);
        if (endCounted == null) {
            return this;
        }
        if (endCounted.compareAndSet(false, true)) {
            ends.incrementAndGet(); // the run never answered
        }
        accounted++;
        inFlight.remove(subWorkId);
        lastAnswerNanos = System.nanoTime();
        running--;
        while (running < settings.slots() && !queue.isEmpty()) {
            Queued next = queue.poll();
            start(next.request(), next.arrivedNanos());
        }
        loadView.set(load());
        return drainWaiters != null ? answerIfDrained() : this;
    }

    private Behavior<Command> onDrain(Drain drain) {
        if (drainWaiters == null) {
            drainWaiters = new java.util.ArrayList<>();
            List<Queued> waiting = List.copyOf(queue);
            queue.clear();
            for (Queued queued : waiting) {
                inFlight.remove(queued.request().subWorkId());
                handedBack++;
                queued.request().replyTo().tell(new Failed(queued.request().subWorkId(), Failure.DRAINING, "worker "
                        + address + " is shutting down: the sub-work was handed back before it started", load()));
            }
            loadView.set(load());
            // boosters stop listing it within a gossip round; until then they are refused with DRAINING
            getContext().getSystem().receptionist().tell(Receptionist.deregister(KEY, getContext().getSelf()));
            getContext().getLog().info("worker draining: {} sub-works running, {} handed back; waiting up to {} ms"
                    + " for the running ones (troupe.worker.drain-timeout)", runs.size(), waiting.size(),
                    drain.timeout().toMillis());
            getContext().scheduleOnce(drain.timeout(), getContext().getSelf(), DrainTimedOut.INSTANCE);
        }
        drainWaiters.add(drain.replyTo());
        return answerIfDrained();
    }

    private Behavior<Command> onDrainTimedOut() {
        drainTimedOut = true;
        if (inFlight.isEmpty()) {
            return answerIfDrained(); // only downloads were left: the boosters fetch from elsewhere after a re-run
        }
        drainStopped += runs.size();
        getContext().getLog().warn("worker drain timeout: stopping {} running sub-works; their boosters re-run them"
                + " elsewhere", runs.size());
        runs.values().forEach(run -> run.execution().tell(Execution.Drain.INSTANCE));
        return this;
    }

    /**
     * Every sub-work has answered (or was stopped) and their result downloads are over: whoever waits for the
     * drain may go on. Until then this is checked again every quarter second.
     */
    private Behavior<Command> answerIfDrained() {
        if (drainWaiters.isEmpty()) {
            return this;
        }
        boolean downloadsOver = drainTimedOut || (cas.fetching() == 0
                && System.nanoTime() - lastAnswerNanos >= FETCH_GRACE.toNanos());
        if (!inFlight.isEmpty() || !downloadsOver) {
            if (inFlight.isEmpty() && !drainCheckScheduled) {
                drainCheckScheduled = true;
                getContext().scheduleOnce(java.time.Duration.ofMillis(250), getContext().getSelf(), DrainCheck.INSTANCE);
            }
            return this;
        }
        getContext().getLog().info("worker drained: no sub-work left ({} handed back, {} stopped at the drain"
                + " timeout)", handedBack, drainStopped);
        Drained drained = new Drained(handedBack, drainStopped);
        drainWaiters.forEach(waiter -> waiter.tell(drained));
        drainWaiters.clear();
        return this;
    }

    private Behavior<Command> onDrainCheck() {
        drainCheckScheduled = false;
        return answerIfDrained();
    }

    private Behavior<Command> onHeartbeatTick() {
        Load now = load();
        inFlight.forEach((subWorkId, replyTo) -> replyTo.tell(new Running(subWorkId, now)));
        nextHeartbeat = getContext().scheduleOnce(heartbeat, getContext().getSelf(), HeartbeatTick.INSTANCE);
        return this;
    }

    /**
     * Submits the run here, so the process starts without waiting for the Execution's first turn. The run
     * tells {@link SlotFreed} as soon as it has answered: the next queued sub-work starts while the sandbox
     * is still being removed.
     */
    private void start(Execute unbound, long arrivedNanos) {
        Execute request = withOwnCompilers(unbound);
        running++;
        long number = RUN_NUMBERS.incrementAndGet();
        java.util.concurrent.atomic.AtomicBoolean endCounted = new java.util.concurrent.atomic.AtomicBoolean();
        occupying.put(number, endCounted);
        String name = "execution-" + number;
        ActorRef<Command> self = getContext().getSelf();
        SlotSandbox slot = slotSandboxes.acquire();
        SandboxRun run = new SandboxRun(request, settings, launcher, slotSandboxes, slot, cas.store(), () -> answerLoad(endCounted),
                () -> self.tell(new SlotFreed(request.subWorkId(), number)), arrivedNanos,
                slot != null ? slot.runRoot() : SandboxDirs.newRoot(settings.sandboxRoot(), name));
        CompletableFuture<Void> submitted = new CompletableFuture<>();
        ActorRef<Execution.Command> child = getContext().spawn(Execution.create(run, submitted), name);
        runs.put(request.subWorkId(), new RunningRun(number, child, request.requester().path().address(),
                request.steps().isEmpty() ? "" : request.steps().get(0).exeName(), System.currentTimeMillis()));
        getContext().watchWith(child, new ExecutionEnded(request.subWorkId(), number));
        try {
            run.submit(child, blocking).whenComplete((ok, error) -> submitted.complete(null));
        } catch (RejectedExecutionException e) {
            run.notStarted(e); // shutting down: answered IO_ERROR; the Execution stops
            submitted.complete(null);
        }
    }

    private Load load() {
        return load(List.of());
    }

    private Load load(List<Run> listed) {
        return new Load(address, settings.slots(), running, queue.size(), settings.queueSize(),
                List.copyOf(toolchains.keySet()), drainWaiters != null, listed, accounted).asOf(ends.get());
    }

    /** The load a run answers with (on its own thread): its end counted, with every other end counted so far. */
    private Load answerLoad(java.util.concurrent.atomic.AtomicBoolean endCounted) {
        if (endCounted.compareAndSet(false, true)) {
            ends.incrementAndGet();
        }
        Load last = loadView.get();
        return last == null ? null : last.asOf(ends.get());
    }

    /** The load with which sub-works run, for {@link GetLoad} (not on every reply: it is up to 64 entries). */
    private Load loadWithRuns() {
        List<Run> listed = runs.entrySet().stream()
                .sorted(java.util.Comparator.comparingLong(e -> e.getValue().sinceMs()))
                .limit(MAX_LISTED_RUNS)
                .map(e -> new Run(e.getKey(), e.getValue().command(), e.getValue().requester().toString(),
                        e.getValue().sinceMs()))
                .toList();
        return load(listed);
    }

    /** The request with each keyed step bound to this worker's compiler for its key ({@link #validate} checked them). */
    private Execute withOwnCompilers(Execute request) {
        if (request.steps().stream().allMatch(step -> step.toolchain() == null)) {
            return request;
        }
        List<Step> steps = new java.util.ArrayList<>();
        for (Step step : request.steps()) {
            Path own = step.toolchain() == null ? null : toolchains.get(step.toolchain());
            steps.add(own == null ? step : new Step(step.exeName(), own.toString(), step.params(), step.env(), step.resultFiles(),
                    step.stdin()));
        }
        return new Execute(request.subWorkId(), steps, request.inputs(), request.timeoutMillis(), request.requester(),
                request.replyTo(), request.takesPacked());
    }

    /** Checks that need no disk: steps present, allowlist, path rules, input size. */
    private Failed validate(Execute request) {
        String id = request.subWorkId();
        if (request.steps().isEmpty()) {
            return new Failed(id, Failure.BAD_REQUEST, "sub-work " + id + " has no command to run", load());
        }
        long inputBytes = 0;
        for (InputFile input : request.inputs()) {
            try {
                SandboxPaths.check(input.path(), "input file");
            } catch (IllegalArgumentException e) {
                return new Failed(id, Failure.BAD_PATH, e.getMessage(), load());
            }
            if (!input.inline() && !io.troupe.booster.cas.Digests.valid(input.digest())) {
                return new Failed(id, Failure.BAD_REQUEST, "input file '" + input.path() + "' of sub-work " + id
                        + " has neither content nor a SHA-256 digest", load());
            }
            long size = input.content() != null ? input.content().length : input.size();
            if (input.packed() != null) {
                try { // refused here, before the sub-work queues, not when its sandbox is filled
                    io.troupe.booster.cas.Compression.checkClaim(size, input.packed().length,
                            "input file '" + input.path() + "' of sub-work " + id);
                } catch (IllegalArgumentException e) {
                    return new Failed(id, Failure.BAD_REQUEST, e.getMessage(), load());
                }
            }
            if (size > settings.maxFileBytes()) {
                return new Failed(id, Failure.TOO_LARGE, "input file '" + input.path() + "' is " + size
                        + " bytes, more than troupe.worker.max-file-size = " + settings.maxFileBytes(), load());
            }
            inputBytes += size;
        }
        if (inputBytes > settings.maxInputBytes()) {
            return new Failed(id, Failure.TOO_LARGE, "input files of sub-work " + id + " total " + inputBytes
                    + " bytes, more than troupe.worker.max-input-bytes = " + settings.maxInputBytes(), load());
        }
        for (Step step : request.steps()) {
            if (step.toolchain() != null && !toolchains.containsKey(step.toolchain())) {
                return new Failed(id, Failure.TOOLCHAIN_MISMATCH, "toolchain mismatch: worker " + address
                        + " does not hold toolchain " + step.toolchain(), load());
            }
            // a keyed step runs a compiler this worker's own configuration chose (troupe.worker.toolchains)
            if (step.toolchain() == null && !settings.allows(step.executable())) {
                return new Failed(id, Failure.NOT_ALLOWED, "executable '" + step.executable()
                        + "' is not on the worker allowlist (troupe.worker.allowlist on " + address + ")", load());
            }
            if (step.stdin() != null) {
                try {
                    SandboxPaths.check(step.stdin(), "stdin file");
                } catch (IllegalArgumentException e) {
                    return new Failed(id, Failure.BAD_PATH, e.getMessage(), load());
                }
            }
            for (String result : step.resultFiles()) {
                try {
                    SandboxPaths.check(result, "result file");
                } catch (IllegalArgumentException e) {
                    return new Failed(id, Failure.BAD_PATH, e.getMessage(), load());
                }
            }
            for (String entry : step.env()) {
                if (entry == null || entry.indexOf('=') < 1) {
                    return new Failed(id, Failure.BAD_REQUEST, "environment entry '" + entry
                            + "' of sub-work " + id + " is not NAME=value", load());
                }
                String name = entry.substring(0, entry.indexOf('='));
                if (!settings.allowsEnv(name)) {
                    return new Failed(id, Failure.NOT_ALLOWED, "environment variable '" + name
                            + "' may not be set by a sub-work (troupe.worker.env-denylist on " + address + ")", load());
                }
            }
        }
        return null;
    }
}
