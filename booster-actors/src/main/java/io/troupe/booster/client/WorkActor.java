package io.troupe.booster.client;

import io.troupe.booster.FileTrees;
import static io.troupe.booster.Failures.unwrap;
import static io.troupe.booster.Failures.messageOf;

import com.typesafe.config.Config;
import io.troupe.api.booster.BoosterConfig;
import io.troupe.api.booster.Handler;
import io.troupe.booster.gateway.ExecutorGateway;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.function.Function;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.BehaviorBuilder;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * One work (a whole build): decides {@code @BK_JOBS}, calls PreWork, installs hooks from GetPreloadConfig,
 * starts the ExecutorGateway, runs the work command, turns every intercepted sub-work into a
 * {@link SubWorkActor}, waits for them after the command exits, calls PostWork and prints the summary. Its
 * children are {@link LocalSlots}, {@link WorkerDirectory}, the gateway and the sub-works.
 *
 * <p>It does not wait for workers unless told to (docs/booster-execution.md, "Start"): the directory pushes
 * each change of the worker set, and a sub-work that arrives while none is known runs locally. One behaviour
 * per phase: {@link #waiting} (for the first worker, only where that is wanted), {@link #settingUp},
 * {@link #running}, {@link #draining}, {@link #ending}. A work whose command {@link Prelaunch} started before
 * the actor system ({@link #adopting}) skips the first two: it adopts the command and the bound socket.
 */
public final class WorkActor {

    /** Messages stay inside the booster process. */
    public interface Command extends NoSerializationVerificationNeeded {}

    /** How the work's sub-works arrive. */
    public enum Launch {
        /** run the work command with {@code bash -c} and an ExecutorGateway for booster-exec */
        RUN_COMMAND,
        /** no command and no gateway: the embedding code sends {@link SubWork} and then {@link WorkCommandExited} */
        EXTERNAL
    }

    /** One intercepted sub-work (the gateway's message, or sent directly under {@link Launch#EXTERNAL}). */
    public record SubWork(ExecutorGateway.SubWorkArrived arrived) implements Command {}

    /** The work command exited with {@code exitCode}; the work ends once its sub-works are done. */
    public record WorkCommandExited(int exitCode) implements Command {}

    /** What the WorkActor tells its owner. */
    public interface Event extends NoSerializationVerificationNeeded {}

    /** The booster's node has joined the cluster (from the BoosterGuardian); only timing and messages use it. */
    public enum ClusterJoined implements Command { INSTANCE }

    /** The booster could not join the cluster: {@code reason} says how (from the BoosterGuardian). */
    public record ClusterUnavailable(String reason) implements Command {}

    /**
     * Hooks installed, the command about to start; under {@link Launch#EXTERNAL} (which waits for the first
     * worker) sub-works may be sent now.
     *
     * @param jobs the value {@code @BK_JOBS} stands for
     * @param socket the gateway socket path ({@code TROUPE_BOOSTER_SOCKET})
     */
    public record Ready(int jobs, Path socket) implements Event {}

    /** The work is over; {@code exitCode} is the work command's (or the booster's own failure code). */
    public record Finished(int exitCode, Summary summary) implements Event {}

    /**
     * Counts of the sub-works of a work; {@code total = remoteOk + localFallback + failed}.
     *
     * @param fallbacks sub-works that did not run remotely though the handler wanted them to, per reason
     */
    public record Summary(int total, int remoteOk, int localFallback, int failed, int workersUsed,
            Map<FallbackReason, Integer> fallbacks) {

        public Summary {
            fallbacks = Map.copyOf(fallbacks);
        }

        public Summary(int total, int remoteOk, int localFallback, int failed, int workersUsed) {
            this(total, remoteOk, localFallback, failed, workersUsed, Map.of());
        }

        /**
         * Sub-works that fell back, but for those the user forced local (--force_local_list) and those the handler
         * kept local from the start (links, configure probes).
         */
        public int fellBack() {
            return fallbacks.entrySet().stream().filter(e -> e.getKey().countsAsFallback())
                    .mapToInt(Map.Entry::getValue).sum();
        }

        /** Sub-works that were meant to run remotely: all but the forced-local ones and the handler's refusals. */
        public int meantRemote() {
            return total - fallbacks.entrySet().stream().filter(e -> !e.getKey().countsAsFallback())
                    .mapToInt(Map.Entry::getValue).sum();
        }

        /** The line printed at the end of a work. */
        public String line() {
            StringBuilder line = new StringBuilder("[booster] total " + total + ", remote ok " + remoteOk
                    + ", local fallback " + localFallback + ", failed " + failed + ", workers used " + workersUsed);
            if (!fallbacks.isEmpty()) {
                line.append("; fell back: ");
                String separator = "";
                for (FallbackReason reason : FallbackReason.values()) { // a fixed order, to compare runs
                    Integer count = fallbacks.get(reason);
                    if (count != null) {
                        line.append(separator).append(reason.label()).append(' ').append(count);
                        separator = ", ";
                    }
                }
            }
            return line.toString();
        }
    }

    /** Exit code when the booster itself cannot run the work (bad hook rules, PreWork under --no_local). */
    public static final int SETUP_FAILED = 2;

    /** Exit code of a work that succeeded but fell back more than {@code --max_fallback_ratio} allows. */
    public static final int FALLBACK_RATIO_EXCEEDED = 3;

    /** How long the worker set must hold still before a waiting work takes its slot count for @BK_JOBS. */
    private static final Duration SETTLE = Duration.ofMillis(400);

    private record WorkersChanged(WorkerDirectory.Snapshot snapshot) implements Command {}

    private enum FirstWorkerTimedOut implements Command { INSTANCE }

    private enum WorkersSettled implements Command { INSTANCE }

    private record PreWorkDone(Throwable error) implements Command {}

    private record EnvReady(Map<String, String> env, Path tempDir, String warning, Throwable error,
            io.troupe.booster.hook.HookMode hookMode) implements Command {}

    private record GatewayEvent(ExecutorGateway.Event event) implements Command {}

    private enum GatewayTimedOut implements Command { INSTANCE }

    private record CommandStarted(Process process, long atMillis) implements Command {}

    private record SubWorkEnded(SubWorkActor.Ended ended) implements Command {}

    private record SubWorkStopped(String id) implements Command {}

    private enum DrainTimedOut implements Command { INSTANCE }

    private enum ProgressTick implements Command { INSTANCE }

    private record PostWorkDone(Throwable error) implements Command {}

    private enum CleanedUp implements Command { INSTANCE }

    private final ActorContext<Command> context;
    private final TimerScheduler<Command> timers;
    private final WorkSettings settings;
    private final Handler handler;
    private final Launch launch;
    private final ActorRef<Event> owner;
    /** the command and socket started before the actor system (Prelaunch), or null */
    private final Prelaunch.Started prelaunched;
    private final Executor blocking;
    private final ActorRef<LocalSlots.Command> localSlots;
    private final ActorRef<WorkerDirectory.Command> directory;
    private final ActorRef<SubWorkActor.Ended> endedAdapter;
    private final Duration firstWorkerTimeout;
    private final Duration discoveryTimeout;
    private final int expectedJobs;
    private final ActorRef<io.troupe.booster.report.WorkReporter.Command> workReporter;
    private final Duration drainTimeout;
    private final Duration progressInterval;
    private final ProgressReporter reporter;
    private final long maxFileBytes;
    private final long inlineInputBytes;
    private final long inlinePackedBytes;
    private final int localTotal;
    private final Map<String, ActorRef<ExecutorGateway.SubWorkReply>> pending = new HashMap<>();
    private final Set<String> workersUsed = new HashSet<>();
    private final List<SubWorkActor.Ended> endedSubWorks = new ArrayList<>();
    private final long startMillis = System.currentTimeMillis();
    private final StartTimes times = new StartTimes();
    private WorkerDirectory.Snapshot workers = new WorkerDirectory.Snapshot(0, 0, 0);
    private boolean local;
    private int jobs = 1;
    private BoosterConfig boosterConfig;
    private Map<String, String> workEnv;
    /** How the hook catches sub-works (null: not hooked); a shims work that caught none gets a note. */
    private io.troupe.booster.hook.HookMode hookMode;
    private Path tempDir;
    private Path socket;
    private ActorRef<ExecutorGateway.Command> gateway;
    private SubWorkActor.Shared shared;
    private long arrived;
    private int remoteOk;
    private int localFallback;
    private int failed;
    private final Map<FallbackReason, Integer> fallbacks = new java.util.EnumMap<>(FallbackReason.class);
    private int exitCode;
    private String clusterUnavailable;

    /**
     * @param settings what the CLI was told
     * @param handler the loaded handler ({@code Handlers.load})
     * @param launch whether to run the work command, or take sub-works from the caller
     * @param owner told {@link Ready} and {@link Finished}
     */
    public static Behavior<Command> create(WorkSettings settings, Handler handler, Launch launch, ActorRef<Event> owner) {
        return Behaviors.setup(context -> Behaviors.withTimers(timers ->
                new WorkActor(context, timers, settings, handler, launch, owner, null, null).start()));
    }

    /** A work whose command {@link Prelaunch} started before the actor system: it goes straight to running. */
    public static Behavior<Command> adopting(WorkSettings settings, Handler handler, Prelaunch.Started prelaunched,
            ActorRef<Event> owner) {
        return adopting(settings, handler, prelaunched, owner, null);
    }

    /**
     * As {@link #adopting(WorkSettings, Handler, Prelaunch.Started, ActorRef)}, choosing workers through
     * {@code directory} (a controller's, shared by its works and warm from earlier ones), or a directory of its own
     * when null.
     */
    public static Behavior<Command> adopting(WorkSettings settings, Handler handler, Prelaunch.Started prelaunched,
            ActorRef<Event> owner, ActorRef<WorkerDirectory.Command> directory) {
        return Behaviors.setup(context -> Behaviors.withTimers(timers ->
                new WorkActor(context, timers, settings, handler, Launch.RUN_COMMAND, owner, prelaunched, directory).start()));
    }

    private WorkActor(ActorContext<Command> context, TimerScheduler<Command> timers, WorkSettings settings,
            Handler handler, Launch launch, ActorRef<Event> owner, Prelaunch.Started prelaunched,
            ActorRef<WorkerDirectory.Command> sharedDirectory) {
        Config config = context.getSystem().settings().config();
        this.context = context;
        this.timers = timers;
        this.settings = settings;
        this.reporter = new ProgressReporter(settings.console().err(), settings.console().terminal(), System::nanoTime);
        this.handler = handler;
        this.launch = launch;
        this.owner = owner;
        this.prelaunched = prelaunched;
        this.local = settings.local();
        this.blocking = context.getSystem().dispatchers().lookup(DispatcherSelector.fromConfig("troupe.blocking-dispatcher"));
        this.localTotal = WorkLaunch.localTotal(settings);
        this.localSlots = context.spawn(LocalSlots.create(localTotal, settings.jobLimits().kindLimits()), "local-slots");
        this.directory = sharedDirectory != null ? sharedDirectory
                : context.spawn(WorkerDirectory.create(config, settings.jobLimits().limit()), "workers");
        this.endedAdapter = context.messageAdapter(SubWorkActor.Ended.class, SubWorkEnded::new);
        this.discoveryTimeout = config.getDuration("troupe.booster.worker-discovery-timeout");
        // a longer discovery hold lengthens this wait too: whoever set it expects workers that slowly
        Duration firstWorker = config.getDuration("troupe.booster.first-worker-timeout");
        this.firstWorkerTimeout = firstWorker.compareTo(discoveryTimeout) >= 0 ? firstWorker : discoveryTimeout;
        this.expectedJobs = WorkLaunch.expectedJobs(config);
        this.workReporter = io.troupe.booster.report.WorkReporter.start(context, settings);
        this.drainTimeout = config.getDuration("troupe.booster.drain-timeout");
        this.progressInterval = config.getDuration("troupe.booster.progress-interval");
        // an input file past this runs the sub-work locally (files move by digest, DESIGN.md 4.7)
        this.maxFileBytes = config.getBytes("troupe.booster.max-file-size");
        // well inside the Artery frame, whatever the setting: the request carries them with commands and env
        long halfFrame = config.getBytes("pekko.remote.artery.advanced.maximum-frame-size") / 2;
        this.inlineInputBytes = Math.min(config.getBytes("troupe.booster.inline-input-bytes"), halfFrame);
        this.inlinePackedBytes = Math.min(config.getBytes("troupe.booster.inline-packed-bytes"), halfFrame);
    }

    // ---- waiting for the first worker (only the embedded worker, --no_local, EXTERNAL, or a discovery hold) ----

    private Behavior<Command> start() {
        times.workActorStarted = System.currentTimeMillis();
        directory.tell(new WorkerDirectory.Subscribe(context.messageAdapter(WorkerDirectory.Snapshot.class, WorkersChanged::new)));
        if (prelaunched != null) {
            return adopt(prelaunched);
        }
        if (local) {
            return decideAndPreWork();
        }
        if (waitsForJoin()) {
            return waiting(); // the first-worker timer starts once the guardian reports the join
        }
        if (launch == Launch.EXTERNAL) {
            timers.startSingleTimer(FirstWorkerTimedOut.INSTANCE, firstWorkerTimeout); // its owner has joined already
            return waiting();
        }
        if (discoveryTimeout.isZero()) {
            return decideAndPreWork(); // the usual case with --cluster: start at once
        }
        timers.startSingleTimer(FirstWorkerTimedOut.INSTANCE, discoveryTimeout);
        return waiting();
    }

    /** The embedded worker is sure to come, and --no_local has no use for a command without workers. */
    private boolean waitsForJoin() {
        return launch == Launch.RUN_COMMAND && (embedded() || settings.noLocal());
    }

    private boolean embedded() {
        return settings.clusterSeeds().isEmpty();
    }

    private Behavior<Command> waiting() {
        return Behaviors.receive(Command.class)
                .onMessage(WorkersChanged.class, this::onWorkersChangedWhileWaiting)
                .onMessageEquals(WorkersSettled.INSTANCE, this::decideAndPreWork)
                .onMessageEquals(FirstWorkerTimedOut.INSTANCE, this::onFirstWorkerTimedOut)
                .onMessageEquals(ClusterJoined.INSTANCE, this::onClusterJoinedWhileWaiting)
                .onMessage(ClusterUnavailable.class, this::onClusterUnavailableWhileWaiting)
                .onMessage(SubWork.class, this::rejectSubWork)
                .build();
    }

    private Behavior<Command> onWorkersChangedWhileWaiting(WorkersChanged changed) {
        noteWorkers(changed);
        if (workers.usableWorkers() == 0) {
            return Behaviors.same();
        }
        if (embedded() && launch == Launch.RUN_COMMAND) {
            return decideAndPreWork(); // one worker, in this process: nothing more will come
        }
        timers.startSingleTimer(WorkersSettled.INSTANCE, SETTLE); // the rest arrive by gossip: wait until it holds still
        return Behaviors.same();
    }

    private Behavior<Command> onClusterJoinedWhileWaiting() {
        noteJoined();
        if (waitsForJoin()) { // a discovery hold counts from the start instead
            timers.startSingleTimer(FirstWorkerTimedOut.INSTANCE, firstWorkerTimeout);
        }
        return Behaviors.same();
    }

    private Behavior<Command> onClusterUnavailableWhileWaiting(ClusterUnavailable unavailable) {
        clusterUnavailable = unavailable.reason();
        if (settings.noLocal()) {
            return abort(unavailable.reason() + "; --no_local forbids running the work locally");
        }
        warn(unavailable.reason() + "; running every sub-work locally");
        return decideAndPreWork();
    }

    private Behavior<Command> onFirstWorkerTimedOut() {
        if (workers.usableWorkers() == 0) {
            warn("no workers found in the cluster; sub-works will run locally"
                    + (settings.noLocal() ? " -- and fail, because of --no_local" : ""));
        }
        return decideAndPreWork();
    }

    // ---- setting up: PreWork, hooks, gateway ----

    /** Fixes @BK_JOBS (it is written into the command line once) and calls PreWork. */
    private Behavior<Command> decideAndPreWork() {
        timers.cancel(FirstWorkerTimedOut.INSTANCE);
        timers.cancel(WorkersSettled.INSTANCE);
        jobs = WorkLaunch.jobs(settings, workers.totalSlots(), localTotal, local, expectedJobs);
        boosterConfig = WorkLaunch.boosterConfig(settings, jobs);
        HandlerCalls.pipeToSelf(context, handler, blocking, "PreWork", () -> {
            handler.preWork(boosterConfig);
            return new PreWorkDone(null);
        }, PreWorkDone::new);
        return settingUp();
    }

    private Behavior<Command> settingUp() {
        return common(Behaviors.receive(Command.class))
                .onMessage(PreWorkDone.class, this::onPreWorkDone)
                .onMessage(EnvReady.class, this::onEnvReady)
                .onMessage(GatewayEvent.class, this::onGatewayEvent)
                .onMessageEquals(GatewayTimedOut.INSTANCE, this::onGatewayTimedOut)
                .onMessage(SubWork.class, this::rejectSubWork)
                .build();
    }

    private Behavior<Command> onPreWorkDone(PreWorkDone done) {
        if (done.error() != null && settings.noLocal()) {
            return abort("PreWork failed: " + messageOf(done.error()) + "; --no_local forbids running the work locally");
        }
        afterPreWork(done.error());
        java.time.Duration handlerTimeout = HandlerCalls.timeout(context.getSystem().settings().config(), HandlerCalls.TIMEOUT_KEY);
        onBlocking(() -> prepareEnvironment(handlerTimeout), error -> new EnvReady(null, null, null, error, null));
        return Behaviors.same();
    }

    /** A failed PreWork runs the work locally; either way the sub-works' shared settings are fixed now. */
    private void afterPreWork(Throwable error) {
        if (error != null) {
            warn("PreWork failed: " + messageOf(error) + "; running every sub-work locally");
            local = true;
        }
        shared = new SubWorkActor.Shared(handler, directory, localSlots, local, settings.noLocal(),
                settings.remoteRetryTimes(), Duration.ofSeconds(settings.ioTimeoutSecs() > 0 ? settings.ioTimeoutSecs() : 600),
                Duration.ofSeconds(Math.max(0, settings.remoteTimeoutSecs())), maxFileBytes,
                inlineInputBytes, inlinePackedBytes, blocking, settings.env().get(io.troupe.booster.exec.BoosterExec.FORCE_LOCAL_KEYS_ENV),
                HandlerCalls.timeout(context.getSystem().settings().config(), HandlerCalls.SUB_WORK_TIMEOUT_KEY),
                settings.console().err());
    }

    /**
     * Takes over what {@link Prelaunch} did before the actor system started — @BK_JOBS, PreWork, the hooks, the
     * bound socket, the running command — and goes straight to running; the same warnings and failures as the
     * actor path, only later on stderr.
     */
    private Behavior<Command> adopt(Prelaunch.Started started) {
        jobs = started.jobs();
        boosterConfig = started.boosterConfig();
        afterPreWork(started.preWorkError()); // --no_local never prelaunches: a failed PreWork only means local
        WorkLaunch.Environment environment = started.environment();
        tempDir = environment.tempDir();
        if (environment.error() != null) {
            return abort(messageOf(environment.error()));
        }
        if (environment.warning() != null) {
            warn(environment.warning());
        }
        workEnv = environment.env();
        hookMode = environment.hookMode();
        socket = started.socket();
        if (started.server() != null) {
            gateway = context.spawn(ExecutorGateway.adopt(started.server(), socket,
                    context.messageAdapter(ExecutorGateway.SubWorkArrived.class, SubWork::new),
                    context.messageAdapter(ExecutorGateway.Event.class, GatewayEvent::new)), "gateway");
        } else {
            warn(started.bindFailure() + "; booster-exec will run sub-works locally");
        }
        startProgress();
        owner.tell(new Ready(jobs, socket));
        if (started.process() == null) {
            settings.console().err().println("[booster] cannot run the work command: " + started.startFailure());
            context.getSelf().tell(new WorkCommandExited(127));
        } else {
            context.getSelf().tell(new CommandStarted(started.process(), started.commandStartedMillis()));
        }
        return running();
    }

    private Behavior<Command> onEnvReady(EnvReady ready) {
        tempDir = ready.tempDir();
        if (ready.error() != null) {
            return abort(messageOf(ready.error()));
        }
        if (ready.warning() != null) {
            warn(ready.warning());
        }
        workEnv = ready.env();
        hookMode = ready.hookMode();
        socket = Path.of(workEnv.get("TROUPE_BOOSTER_SOCKET"));
        if (launch == Launch.EXTERNAL) {
            startProgress();
            owner.tell(new Ready(jobs, socket));
            return running();
        }
        gateway = context.spawn(ExecutorGateway.create(socket,
                context.messageAdapter(ExecutorGateway.SubWorkArrived.class, SubWork::new),
                context.messageAdapter(ExecutorGateway.Event.class, GatewayEvent::new)), "gateway");
        timers.startSingleTimer(GatewayTimedOut.INSTANCE, Duration.ofSeconds(10));
        return Behaviors.same();
    }

    private Behavior<Command> onGatewayEvent(GatewayEvent event) {
        timers.cancel(GatewayTimedOut.INSTANCE);
        if (event.event() instanceof ExecutorGateway.BindFailed bindFailed) {
            warn("executor gateway could not listen on " + socket + ": " + bindFailed.reason()
                    + "; booster-exec will run sub-works locally");
        }
        return startCommand();
    }

    private Behavior<Command> onGatewayTimedOut() {
        warn("executor gateway did not start listening on " + socket + " within 10 s; booster-exec will run sub-works locally");
        return startCommand();
    }

    private Behavior<Command> startCommand() {
        startProgress();
        owner.tell(new Ready(jobs, socket));
        context.pipeToSelf(CompletableFuture.supplyAsync(this::startWorkProcess, blocking),
                (process, error) -> {
                    if (error != null) {
                        settings.console().err().println("[booster] cannot run the work command: " + messageOf(unwrap(error)));
                        return new WorkCommandExited(127);
                    }
                    return new CommandStarted(process, System.currentTimeMillis());
                });
        return running();
    }

    private void startProgress() {
        if (!progressInterval.isZero()) {
            timers.startTimerWithFixedDelay(ProgressTick.INSTANCE, reporter.interval(progressInterval));
        }
    }

    // ---- running: the command runs, sub-works come and go ----

    private Behavior<Command> running() {
        return common(Behaviors.receive(Command.class))
                .onMessage(CommandStarted.class, this::onCommandStarted)
                .onMessage(SubWork.class, this::onSubWork)
                .onMessage(SubWorkEnded.class, this::onSubWorkEnded)
                .onMessage(SubWorkStopped.class, this::onSubWorkStopped)
                .onMessage(WorkCommandExited.class, this::onWorkCommandExited)
                .onMessageEquals(ProgressTick.INSTANCE, this::onProgressTick)
                .onMessage(GatewayEvent.class, event -> Behaviors.same()) // a late bind report: the command runs already
                .onMessageEquals(GatewayTimedOut.INSTANCE, Behaviors::same)
                .build();
    }

    /** The live line on a terminal, else a plain line when something changed (ProgressReporter). */
    private Behavior<Command> onProgressTick() {
        reporter.update(new ProgressReporter.Progress(arrived, remoteOk, localFallback, failed, pending.size(),
                workersUsed.size(), workers.usableWorkers(), workers.totalSlots()));
        return Behaviors.same();
    }

    private Behavior<Command> onCommandStarted(CommandStarted started) {
        times.commandStarted = started.atMillis();
        context.pipeToSelf(started.process().onExit(),
                (process, error) -> new WorkCommandExited(error != null ? 127 : process.exitValue()));
        return Behaviors.same();
    }

    private Behavior<Command> onSubWork(SubWork subWork) {
        ExecutorGateway.SubWorkArrived request = subWork.arrived();
        arrived++;
        String id = AttemptIds.subWork(settings.buildId(), arrived);
        ActorRef<SubWorkActor.Command> child =
                context.spawn(SubWorkActor.create(id, request, shared, endedAdapter), "subwork-" + arrived);
        context.watchWith(child, new SubWorkStopped(id));
        pending.put(id, request.replyTo());
        workReporter.tell(io.troupe.booster.report.WorkReporter.Arrived.INSTANCE);
        return Behaviors.same();
    }

    private Behavior<Command> rejectSubWork(SubWork subWork) {
        subWork.arrived().replyTo().tell(new ExecutorGateway.SubWorkReply(1, new byte[0],
                "[booster] the work is not accepting sub-works (starting or finished)\n".getBytes(StandardCharsets.UTF_8)));
        return Behaviors.same();
    }

    private Behavior<Command> onSubWorkEnded(SubWorkEnded message) {
        SubWorkActor.Ended ended = message.ended();
        if (pending.remove(ended.subWorkId()) == null) {
            return Behaviors.same();
        }
        if (settings.statsJson() != null) {
            endedSubWorks.add(ended);
        }
        workReporter.tell(new io.troupe.booster.report.WorkReporter.Ended(ended));
        if (ended.fallback() != null && !confirmedFailure(ended)) {
            fallbacks.merge(ended.fallback(), 1, Integer::sum);
        }
        switch (ended.route()) {
            case REMOTE -> {
                remoteOk++;
                workersUsed.add(ended.worker());
                SubWorkActor.Timings t = ended.timings();
                times.firstRemote = Math.min(times.firstRemote, t.handedMillis());
            }
            case LOCAL -> localFallback++;
            case FAILED -> {
                failed++;
                if (ended.worker() != null) { // a remote non-zero exit the handler accepted: that worker ran it
                    workersUsed.add(ended.worker());
                }
            }
        }
        return Behaviors.same();
    }

    /**
     * A remote non-zero exit the local re-run repeated (a compile error, a failing configure probe): the worker did
     * its job, so it is a failure, not a fallback, and --max_fallback_ratio does not count it.
     */
    private static boolean confirmedFailure(SubWorkActor.Ended ended) {
        return ended.route() == SubWorkActor.Route.FAILED && ended.fallback() == FallbackReason.REMOTE_NONZERO;
    }

    private Behavior<Command> onSubWorkStopped(SubWorkStopped stopped) {
        ActorRef<ExecutorGateway.SubWorkReply> replyTo = pending.remove(stopped.id());
        if (replyTo != null) { // stopped without answering: a bug or a crashed handler; never leave booster-exec hanging
            replyTo.tell(new ExecutorGateway.SubWorkReply(1, new byte[0],
                    ("[booster] sub-work " + stopped.id() + " stopped unexpectedly\n").getBytes(StandardCharsets.UTF_8)));
            failed++;
        }
        return Behaviors.same();
    }

    private Behavior<Command> onWorkCommandExited(WorkCommandExited exited) {
        exitCode = exited.exitCode();
        if (!pending.isEmpty() && interrupted(exitCode)) {
            return stopSubWorks();
        }
        timers.startSingleTimer(DrainTimedOut.INSTANCE, drainTimeout);
        return pending.isEmpty() ? postWork() : draining();
    }

    /**
     * Whether a command's exit code says a signal that ends a build killed it: SIGHUP, SIGINT, SIGQUIT, SIGTERM (a
     * user's interrupt) or SIGKILL (also what a controller reports for a client that went away).
     */
    static boolean interrupted(int exitCode) {
        return exitCode == 128 + 1 || exitCode == 128 + 2 || exitCode == 128 + 3 || exitCode == 128 + 9
                || exitCode == 128 + 15;
    }

    /**
     * The build was interrupted (Ctrl-C, a kill): its sub-works still out are stopped now, remote runs cancelled and
     * no output written after the build gave up, as a local build's compilers die with it. A booster-exec still
     * waiting gets the command's exit code.
     */
    private Behavior<Command> stopSubWorks() {
        warn(pending.size() + " sub-work(s) stopped: the work command was interrupted (exit code " + exitCode + ")");
        for (ActorRef<Void> child : context.getChildren()) {
            if (child.path().name().startsWith("subwork-")) {
                context.stop(child);
            }
        }
        pending.values().forEach(replyTo -> replyTo.tell(new ExecutorGateway.SubWorkReply(exitCode, new byte[0],
                "[booster] interrupted\n".getBytes(java.nio.charset.StandardCharsets.UTF_8))));
        failed += pending.size();
        pending.clear();
        return postWork();
    }

    // ---- draining: the command has exited, its sub-works finish ----

    private Behavior<Command> draining() {
        return common(Behaviors.receive(Command.class))
                .onMessage(SubWork.class, this::onSubWork) // a detached child of the build may still send one
                .onMessage(SubWorkEnded.class, ended -> {
                    onSubWorkEnded(ended);
                    return drained();
                })
                .onMessage(SubWorkStopped.class, stopped -> {
                    onSubWorkStopped(stopped);
                    return drained();
                })
                .onMessageEquals(DrainTimedOut.INSTANCE, this::onDrainTimedOut)
                .onMessageEquals(ProgressTick.INSTANCE, this::onProgressTick)
                .onMessage(CommandStarted.class, started -> Behaviors.same())
                .build();
    }

    private Behavior<Command> drained() {
        return pending.isEmpty() ? postWork() : Behaviors.same();
    }

    private Behavior<Command> onDrainTimedOut() {
        warn(pending.size() + " sub-work(s) still running " + drainTimeout.toSeconds()
                + " s after the work command exited; ending the work without them");
        failed += pending.size();
        pending.clear();
        return postWork();
    }

    // ---- ending: PostWork, summary, clean-up ----

    private Behavior<Command> postWork() {
        timers.cancel(DrainTimedOut.INSTANCE);
        timers.cancel(ProgressTick.INSTANCE);
        HandlerCalls.pipeToSelf(context, handler, blocking, "PostWork", () -> {
            handler.postWork(boosterConfig);
            return new PostWorkDone(null);
        }, PostWorkDone::new);
        return ending();
    }

    private Behavior<Command> ending() {
        return common(Behaviors.receive(Command.class))
                .onMessage(PostWorkDone.class, this::onPostWorkDone)
                .onMessageEquals(CleanedUp.INSTANCE, this::onCleanedUp)
                .onMessage(SubWork.class, this::rejectSubWork)
                // sub-works given up at the drain timeout, or the command of an aborted setup: nothing to count
                .onMessage(SubWorkEnded.class, ended -> Behaviors.same())
                .onMessage(SubWorkStopped.class, stopped -> Behaviors.same())
                .onMessage(CommandStarted.class, started -> Behaviors.same())
                .onMessage(WorkCommandExited.class, exited -> Behaviors.same())
                .onMessage(GatewayEvent.class, event -> Behaviors.same())
                .onMessageEquals(ProgressTick.INSTANCE, Behaviors::same)
                .onMessageEquals(DrainTimedOut.INSTANCE, Behaviors::same)
                .build();
    }

    private Behavior<Command> onPostWorkDone(PostWorkDone done) {
        if (done.error() != null) {
            warn("PostWork failed: " + messageOf(done.error()));
        }
        Summary summary = summary();
        reporter.finish(summary.line());
        String noWorker = noWorkerReason();
        if (noWorker != null && summary.total() > 0) {
            settings.console().err().println("[booster] no worker was known during the work: " + noWorker);
        }
        if (hookMode == io.troupe.booster.hook.HookMode.SHIMS && summary.total() == 0) {
            settings.console().err().println("[booster] note: the hook caught no sub-work. PATH shims catch only"
                    + " commands the build runs by bare name; a build that runs its compiler by path (a CMake tree's"
                    + " recorded /usr/bin/c++, CC=/usr/bin/gcc) needs --hook_mode preload");
        }
        checkFallbackRatio(summary);
        return cleanup();
    }

    /** Why no worker was ever usable (null when one was, or under --local): for the summary and the stats. */
    private String noWorkerReason() {
        if (local || times.firstWorker != 0) {
            return null;
        }
        String where = embedded() ? "the embedded cluster" : "the cluster at " + String.join(", ", settings.clusterSeeds());
        if (clusterUnavailable != null) {
            return clusterUnavailable;
        }
        if (times.joined == 0 && launch == Launch.RUN_COMMAND) {
            return "not joined " + where + " after " + (System.currentTimeMillis() - startMillis)
                    + " ms (still joining, or the seed cannot be reached)";
        }
        return "no worker registered in " + where;
    }

    /** {@code --max_fallback_ratio}: too many fallbacks mean the cluster did not do the work; say so and fail. */
    private void checkFallbackRatio(Summary summary) {
        double limit = settings.maxFallbackRatio();
        int meantRemote = summary.meantRemote();
        if (meantRemote == 0 || limit >= 1 || summary.fellBack() <= limit * meantRemote) {
            return;
        }
        settings.console().err().printf(java.util.Locale.ROOT, "[booster] error: %d of %d sub-works (%.0f%%) fell back to local, more"
                        + " than --max_fallback_ratio %s allows%n", summary.fellBack(), meantRemote,
                100.0 * summary.fellBack() / meantRemote, settings.maxFallbackRatio());
        if (exitCode == 0) {
            exitCode = FALLBACK_RATIO_EXCEEDED;
        }
    }

    private Behavior<Command> abort(String message) {
        settings.console().err().println("[booster] " + message);
        exitCode = SETUP_FAILED;
        return cleanup();
    }

    private Behavior<Command> cleanup() {
        timers.cancel(FirstWorkerTimedOut.INSTANCE);
        timers.cancel(WorkersSettled.INSTANCE);
        timers.cancel(GatewayTimedOut.INSTANCE);
        if (gateway != null) {
            context.stop(gateway);
        }
        Path dir = tempDir;
        Map<String, Object> stats = settings.statsJson() == null ? null : stats();
        onBlocking(() -> {
            FileTrees.deleteTree(dir);
            if (stats != null) {
                writeStats(stats);
            }
            return CleanedUp.INSTANCE;
        }, error -> {
            warn("cleaning up after the work: " + messageOf(error));
            return CleanedUp.INSTANCE;
        });
        return ending();
    }

    private Behavior<Command> onCleanedUp() {
        workReporter.tell(new io.troupe.booster.report.WorkReporter.WorkFinished(exitCode, summary()));
        owner.tell(new Finished(exitCode, summary()));
        return Behaviors.stopped();
    }

    // ---- in every phase past waiting: the worker set and the cluster join, for timing and messages ----

    private BehaviorBuilder<Command> common(BehaviorBuilder<Command> builder) {
        return builder
                .onMessage(WorkersChanged.class, changed -> {
                    noteWorkers(changed);
                    return Behaviors.same();
                })
                .onMessageEquals(ClusterJoined.INSTANCE, () -> {
                    noteJoined();
                    return Behaviors.same();
                })
                .onMessage(ClusterUnavailable.class, this::onClusterUnavailable)
                .onMessageEquals(FirstWorkerTimedOut.INSTANCE, Behaviors::same)
                .onMessageEquals(WorkersSettled.INSTANCE, Behaviors::same);
    }

    private void noteWorkers(WorkersChanged changed) {
        int before = workers.totalSlots();
        workers = changed.snapshot();
        if (workers.totalSlots() > before && settings.clusterSeeds().size() > 0 && !local) {
            rememberSlots(workers.uncappedSlots(), workers.usableWorkers());
        }
        if (workers.usableWorkers() > 0 && times.firstWorker == 0) {
            times.firstWorker = System.currentTimeMillis();
        }
    }

    /** For the next run's @BK_JOBS before its workers are known (ClusterSlotsMemory); best effort. */
    private void rememberSlots(int slots, int workerCount) {
        ClusterSlotsMemory memory = ClusterSlotsMemory.of(settings.clusterSeeds(), settings.env());
        CompletableFuture.runAsync(() -> {
            try {
                memory.remember(slots, workerCount);
            } catch (java.io.IOException e) {
                // only a guess for the next run is lost
            }
        }, blocking);
    }

    private void noteJoined() {
        if (times.joined == 0) {
            times.joined = System.currentTimeMillis();
        }
    }

    private Behavior<Command> onClusterUnavailable(ClusterUnavailable unavailable) {
        clusterUnavailable = unavailable.reason();
        if (!local && times.firstWorker == 0) {
            warn(unavailable.reason() + "; running every sub-work locally");
        }
        return Behaviors.same();
    }

    private Summary summary() {
        return new Summary(remoteOk + localFallback + failed, remoteOk, localFallback, failed, workersUsed.size(),
                fallbacks);
    }

    private void warn(String message) {
        reporter.clear();
        settings.console().err().println("[booster] warning: " + message);
    }

    private void onBlocking(Callable<Command> work, Function<Throwable, Command> onError) {
        HandlerCalls.pipeToSelf(context, handler, blocking, work, onError);
    }

    /** When the start-up steps happened (epoch ms; 0 = not yet), for --stats_json. */
    private static final class StartTimes {
        long workActorStarted;
        long joined;
        long firstWorker;
        long commandStarted;
        long firstRemote = Long.MAX_VALUE;
    }

    // ---- blocking work, on troupe.blocking-dispatcher ----

    private EnvReady prepareEnvironment(java.time.Duration handlerTimeout) throws Exception {
        WorkLaunch.Environment environment = WorkLaunch.prepareEnvironment(settings, handler, boosterConfig, handlerTimeout);
        return new EnvReady(environment.env(), environment.tempDir(), environment.warning(), environment.error(),
                environment.hookMode());
    }

    private Process startWorkProcess() {
        try {
            return WorkLaunch.startWorkProcess(settings, boosterConfig, workEnv);
        } catch (IOException e) {
            throw new CompletionException(e);
        }
    }

    /** The {@code --stats_json} document: the work, its summary, and the timings of every sub-work. */
    private Map<String, Object> stats() {
        Summary summary = summary();
        Map<String, Object> work = new LinkedHashMap<>();
        work.put("build_id", settings.buildId());
        work.put("project_id", settings.projectId());
        work.put("type", settings.type());
        work.put("command", boosterConfig == null ? settings.command() : boosterConfig.args());
        work.put("exit_code", exitCode);
        work.put("start_ms", startMillis);
        work.put("end_ms", System.currentTimeMillis());
        work.put("jobs", jobs);
        // start-up, in ms since the JVM started (null = did not happen): where a build's first seconds go
        long jvmStart = java.lang.management.ManagementFactory.getRuntimeMXBean().getStartTime();
        work.put("jvm_start_ms", jvmStart);
        work.put("work_actor_started_ms", sinceJvm(jvmStart, times.workActorStarted));
        work.put("cluster_joined_ms", sinceJvm(jvmStart, times.joined));
        work.put("first_worker_ms", sinceJvm(jvmStart, times.firstWorker));
        work.put("command_started_ms", sinceJvm(jvmStart, times.commandStarted));
        work.put("first_remote_ms", sinceJvm(jvmStart, times.firstRemote == Long.MAX_VALUE ? 0 : times.firstRemote));
        work.put("no_worker_reason", noWorkerReason());
        Map<String, Object> counts = new LinkedHashMap<>();
        counts.put("total", summary.total());
        counts.put("remote_ok", summary.remoteOk());
        counts.put("local_fallback", summary.localFallback());
        counts.put("failed", summary.failed());
        counts.put("workers_used", summary.workersUsed());
        Map<String, Integer> reasons = new LinkedHashMap<>();
        summary.fallbacks().entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> reasons.put(e.getKey().key(), e.getValue()));
        counts.put("fallbacks", reasons);
        work.put("summary", counts);
        List<Map<String, Object>> subWorks = new ArrayList<>();
        for (SubWorkActor.Ended ended : endedSubWorks) {
            SubWorkActor.Timings t = ended.timings();
            Map<String, Object> one = new LinkedHashMap<>();
            one.put("id", ended.subWorkId());
            one.put("argv", t.argv());
            one.put("route", ended.route().name().toLowerCase(java.util.Locale.ROOT));
            one.put("exit_code", ended.exitCode());
            one.put("worker", ended.worker());
            one.put("attempts", t.attempts());
            one.put("fallback_reason", ended.fallback() == null ? null : ended.fallback().key());
            one.put("fallback_detail", ended.fallbackDetail());
            one.put("start_ms", t.startMillis());
            // a sub-work that fell back made its own inputs locally
            one.put("shared_input", t.sharedInput() && ended.route() == SubWorkActor.Route.REMOTE);
            one.put("pre_ms", t.preMillis());
            one.put("send_ms", t.sendMillis());
            one.put("remote_ms", t.remoteMillis());
            one.put("worker_ms", t.workerMicros() / 1000.0);
            one.put("process_ms", t.processMicros() / 1000.0);
            one.put("late_answers", t.lateAnswers());
            one.put("post_ms", t.postMillis());
            one.put("local_wait_ms", t.localWaitMillis());
            one.put("local_ms", t.localMillis());
            one.put("total_ms", t.totalMillis());
            subWorks.add(one);
        }
        Map<String, Object> document = new LinkedHashMap<>();
        document.put("work", work);
        document.put("sub_works", subWorks);
        return document;
    }

    private static Long sinceJvm(long jvmStart, long epochMillis) {
        return epochMillis == 0 ? null : epochMillis - jvmStart;
    }

    private void writeStats(Map<String, Object> stats) {
        try {
            new com.fasterxml.jackson.databind.ObjectMapper().writerWithDefaultPrettyPrinter()
                    .writeValue(settings.statsJson().toFile(), stats);
        } catch (IOException e) {
            settings.console().err().println("[booster] warning: could not write --stats_json " + settings.statsJson() + ": " + e.getMessage());
        }
    }
}
