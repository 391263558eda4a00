package io.troupe.booster.work;

import io.troupe.booster.FileTrees;
import static io.troupe.booster.Failures.unwrap;
import static io.troupe.booster.Failures.messageOf;

import com.typesafe.config.Config;
import io.troupe.api.booster.BoosterConfig;
import io.troupe.api.booster.Handler;
import io.troupe.api.booster.PreloadConfig;
import io.troupe.booster.gateway.ExecutorGateway;
import io.troupe.booster.gateway.StdinIdentity;
import io.troupe.booster.hook.Hooks;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
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
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * One work (a whole build): finds workers, calls PreWork, installs hooks from GetPreloadConfig, starts the
 * ExecutorGateway, runs the work command, turns every intercepted sub-work into a {@link SubWorkActor},
 * waits for them after the command exits, calls PostWork and prints the summary. Its children are
 * {@link LocalSlots}, {@link WorkerDirectory}, the gateway and the sub-works.
 */
public final class WorkActor extends AbstractBehavior<WorkActor.Command> {

    /** Messages stay inside the booster process. */
    public interface Command extends NoSerializationVerificationNeeded {}

    /** How the work's sub-works arrive. */
    public enum Launch {
        /** run the work command with {@code /bin/sh -c} and an ExecutorGateway for booster-exec */
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

    /**
     * Workers found, hooks installed; under {@link Launch#EXTERNAL} sub-works may be sent now.
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

        /** Sub-works that fell back, whatever the reason. */
        public int fellBack() {
            return fallbacks.values().stream().mapToInt(Integer::intValue).sum();
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

    private enum DiscoveryTick implements Command { INSTANCE }

    private record Discovered(WorkerDirectory.Snapshot snapshot) implements Command {}

    private record PreWorkDone(Throwable error) implements Command {}

    private record EnvReady(Map<String, String> env, Path tempDir, String warning, Throwable error) implements Command {}

    private record GatewayEvent(ExecutorGateway.Event event) implements Command {}

    private enum GatewayTimedOut implements Command { INSTANCE }

    private record SubWorkEnded(SubWorkActor.Ended ended) implements Command {}

    private record SubWorkStopped(String id) implements Command {}

    private enum DrainTimedOut implements Command { INSTANCE }

    private enum ProgressTick implements Command { INSTANCE }

    private record PostWorkDone(Throwable error) implements Command {}

    private enum CleanedUp implements Command { INSTANCE }

    private enum Phase { DISCOVERY, SETUP, RUNNING, DRAINING, ENDING }

    private final TimerScheduler<Command> timers;
    private final WorkSettings settings;
    private final Handler handler;
    private final Launch launch;
    private final ActorRef<Event> owner;
    private final Executor blocking;
    private final ActorRef<LocalSlots.Command> localSlots;
    private final ActorRef<WorkerDirectory.Command> directory;
    private final ActorRef<SubWorkActor.Ended> endedAdapter;
    private final ActorRef<io.troupe.booster.report.WorkReporter.Command> reporter;
    private final long discoveryDeadline;
    private final Duration drainTimeout;
    private final Duration progressInterval;
    private String lastProgress = "";
    private final long maxFileBytes;
    private final long inlineInputBytes;
    private final int localTotal;
    private final Map<String, ActorRef<ExecutorGateway.SubWorkReply>> pending = new HashMap<>();
    private final Set<String> workersUsed = new HashSet<>();
    private final List<SubWorkActor.Ended> endedSubWorks = new ArrayList<>();
    private final long startMillis = System.currentTimeMillis();
    private Phase phase = Phase.DISCOVERY;
    private WorkerDirectory.Snapshot lastSnapshot;
    private int stableTicks;
    private boolean local;
    private int jobs = 1;
    private BoosterConfig boosterConfig;
    private Map<String, String> workEnv;
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

    /**
     * @param settings what the CLI was told
     * @param handler the loaded handler ({@code Handlers.load})
     * @param launch whether to run the work command, or take sub-works from the caller
     * @param owner told {@link Ready} and {@link Finished}
     */
    public static Behavior<Command> create(WorkSettings settings, Handler handler, Launch launch, ActorRef<Event> owner) {
        return Behaviors.setup(context -> Behaviors.withTimers(timers ->
                new WorkActor(context, timers, settings, handler, launch, owner)));
    }

    private WorkActor(ActorContext<Command> context, TimerScheduler<Command> timers, WorkSettings settings,
            Handler handler, Launch launch, ActorRef<Event> owner) {
        super(context);
        Config config = context.getSystem().settings().config();
        this.timers = timers;
        this.settings = settings;
        this.handler = handler;
        this.launch = launch;
        this.owner = owner;
        this.local = settings.local();
        this.blocking = context.getSystem().dispatchers().lookup(DispatcherSelector.fromConfig("troupe.blocking-dispatcher"));
        this.localTotal = settings.maxLocalTotalJobs() > 0 ? settings.maxLocalTotalJobs() : LocalSlots.defaultTotal();
        this.localSlots = context.spawn(LocalSlots.create(localTotal, Map.of()), "local-slots");
        this.directory = context.spawn(WorkerDirectory.create(config.getInt("troupe.booster.unhealthy-after-errors"),
                config.getDuration("troupe.worker.load-report-interval")), "workers");
        this.endedAdapter = context.messageAdapter(SubWorkActor.Ended.class, SubWorkEnded::new);
        this.reporter = io.troupe.booster.report.WorkReporter.start(context, settings);
        this.discoveryDeadline = System.nanoTime() + config.getDuration("troupe.booster.worker-discovery-timeout").toNanos();
        this.drainTimeout = config.getDuration("troupe.booster.drain-timeout");
        this.progressInterval = config.getDuration("troupe.booster.progress-interval");
        // an input file past this runs the sub-work locally (files move by digest, DESIGN.md 4.7)
        this.maxFileBytes = config.getBytes("troupe.booster.max-file-size");
        // well inside the Artery frame, whatever the setting: the request carries them with commands and env
        this.inlineInputBytes = Math.min(config.getBytes("troupe.booster.inline-input-bytes"),
                config.getBytes("pekko.remote.artery.advanced.maximum-frame-size") / 2);
        if (local) {
            context.getSelf().tell(new Discovered(new WorkerDirectory.Snapshot(0, 0, 0)));
        } else {
            timers.startTimerWithFixedDelay(DiscoveryTick.INSTANCE, Duration.ofMillis(200));
        }
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessageEquals(DiscoveryTick.INSTANCE, this::onDiscoveryTick)
                .onMessage(Discovered.class, this::onDiscovered)
                .onMessage(PreWorkDone.class, this::onPreWorkDone)
                .onMessage(EnvReady.class, this::onEnvReady)
                .onMessage(GatewayEvent.class, this::onGatewayEvent)
                .onMessageEquals(GatewayTimedOut.INSTANCE, this::onGatewayTimedOut)
                .onMessage(SubWork.class, this::onSubWork)
                .onMessage(SubWorkEnded.class, this::onSubWorkEnded)
                .onMessage(SubWorkStopped.class, this::onSubWorkStopped)
                .onMessage(WorkCommandExited.class, this::onWorkCommandExited)
                .onMessageEquals(DrainTimedOut.INSTANCE, this::onDrainTimedOut)
                .onMessageEquals(ProgressTick.INSTANCE, this::onProgressTick)
                .onMessage(PostWorkDone.class, this::onPostWorkDone)
                .onMessageEquals(CleanedUp.INSTANCE, this::onCleanedUp)
                .build();
    }

    // ---- discovery and setup ----

    private Behavior<Command> onDiscoveryTick() {
        getContext().ask(WorkerDirectory.Snapshot.class, directory, Duration.ofSeconds(5), WorkerDirectory.GetSnapshot::new,
                (snapshot, error) -> new Discovered(snapshot != null ? snapshot : new WorkerDirectory.Snapshot(0, 0, 0)));
        return this;
    }

    private Behavior<Command> onDiscovered(Discovered discovered) {
        WorkerDirectory.Snapshot snapshot = discovered.snapshot();
        boolean timeUp = System.nanoTime() - discoveryDeadline > 0;
        if (phase != Phase.DISCOVERY) {
            return this;
        }
        // wait for the first worker, then until the listing holds still (the rest arrive by gossip)
        boolean embedded = settings.clusterSeeds().isEmpty();
        boolean settled = snapshot.usableWorkers() > 0 && (embedded || snapshot.equals(lastSnapshot) && ++stableTicks >= 2);
        if (!snapshot.equals(lastSnapshot)) {
            stableTicks = 0;
        }
        lastSnapshot = snapshot;
        if (!local && !settled && !timeUp) {
            return this;
        }
        timers.cancel(DiscoveryTick.INSTANCE);
        phase = Phase.SETUP;
        if (!local && snapshot.usableWorkers() == 0) {
            warn("no workers found in the cluster; sub-works will run locally"
                    + (settings.noLocal() ? " -- and fail, because of --no_local" : ""));
        }
        jobs = snapshot.totalSlots() > 0 ? Math.max(1, snapshot.totalSlots() * 3 / 2) : localTotal;
        if (settings.maxJobs() > 0) {
            jobs = Math.min(jobs, settings.maxJobs());
        }
        String command = settings.command() == null ? "" : settings.command().replace("@BK_JOBS", Integer.toString(jobs));
        String confDir = settings.env().getOrDefault("TROUPE_CONF_DIR", "/etc/troupe");
        boosterConfig = new BoosterConfig(settings.type(), settings.projectId(), settings.buildId(), command,
                settings.workDir(), Path.of(confDir), settings.hookConfig(), settings.env());
        onBlocking(() -> {
            handler.preWork(boosterConfig);
            return new PreWorkDone(null);
        }, PreWorkDone::new);
        return this;
    }

    private Behavior<Command> onPreWorkDone(PreWorkDone done) {
        if (done.error() != null) {
            if (settings.noLocal()) {
                return abort("PreWork failed: " + messageOf(done.error()) + "; --no_local forbids running the work locally");
            }
            warn("PreWork failed: " + messageOf(done.error()) + "; running every sub-work locally");
            local = true;
        }
        shared = new SubWorkActor.Shared(handler, directory, localSlots, local, settings.noLocal(),
                settings.remoteRetryTimes(), Duration.ofSeconds(settings.ioTimeoutSecs() > 0 ? settings.ioTimeoutSecs() : 600),
                Duration.ofSeconds(Math.max(0, settings.remoteTimeoutSecs())), maxFileBytes,
                inlineInputBytes, blocking);
        onBlocking(this::prepareEnvironment, error -> new EnvReady(null, null, null, error));
        return this;
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
        socket = Path.of(workEnv.get("TROUPE_BOOSTER_SOCKET"));
        if (launch == Launch.EXTERNAL) {
            phase = Phase.RUNNING;
            startProgress();
            owner.tell(new Ready(jobs, socket));
            return this;
        }
        gateway = getContext().spawn(ExecutorGateway.create(socket,
                getContext().messageAdapter(ExecutorGateway.SubWorkArrived.class, SubWork::new),
                getContext().messageAdapter(ExecutorGateway.Event.class, GatewayEvent::new)), "gateway");
        timers.startSingleTimer(GatewayTimedOut.INSTANCE, Duration.ofSeconds(10));
        return this;
    }

    private Behavior<Command> onGatewayEvent(GatewayEvent event) {
        if (phase != Phase.SETUP) {
            return this;
        }
        timers.cancel(GatewayTimedOut.INSTANCE);
        if (event.event() instanceof ExecutorGateway.BindFailed failed) {
            warn("executor gateway could not listen on " + socket + ": " + failed.reason()
                    + "; booster-exec will run sub-works locally");
        }
        return startCommand();
    }

    private Behavior<Command> onGatewayTimedOut() {
        if (phase != Phase.SETUP) {
            return this;
        }
        warn("executor gateway did not start listening on " + socket + " within 10 s; booster-exec will run sub-works locally");
        return startCommand();
    }

    private void startProgress() {
        if (!progressInterval.isZero()) {
            timers.startTimerWithFixedDelay(ProgressTick.INSTANCE, progressInterval);
        }
    }

    /** One plain line when something changed; a build's own output runs between them. */
    private Behavior<Command> onProgressTick() {
        if (phase != Phase.RUNNING && phase != Phase.DRAINING) {
            return this;
        }
        Summary s = summary();
        String line = "[booster] progress: done " + s.total() + " of " + arrived + " (remote " + s.remoteOk() + ", local "
                + s.localFallback() + ", failed " + s.failed() + "), running " + pending.size() + ", workers used "
                + s.workersUsed();
        if (!line.equals(lastProgress)) {
            lastProgress = line;
            System.err.println(line);
        }
        return this;
    }

    private Behavior<Command> startCommand() {
        phase = Phase.RUNNING;
        startProgress();
        owner.tell(new Ready(jobs, socket));
        getContext().pipeToSelf(CompletableFuture.supplyAsync(this::startWorkProcess, blocking)
                        .thenCompose(Process::onExit),
                (process, error) -> {
                    if (error != null) {
                        System.err.println("[booster] cannot run the work command: " + messageOf(unwrap(error)));
                        return new WorkCommandExited(127);
                    }
                    return new WorkCommandExited(process.exitValue());
                });
        return this;
    }

    // ---- running ----

    private Behavior<Command> onSubWork(SubWork subWork) {
        ExecutorGateway.SubWorkArrived request = subWork.arrived();
        if (shared == null || phase == Phase.ENDING) {
            request.replyTo().tell(new ExecutorGateway.SubWorkReply(1, new byte[0],
                    "[booster] the work is not accepting sub-works (starting or finished)\n".getBytes(StandardCharsets.UTF_8)));
            return this;
        }
        arrived++;
        String id = settings.buildId() + "-" + arrived;
        ActorRef<SubWorkActor.Command> child =
                getContext().spawn(SubWorkActor.create(id, request, shared, endedAdapter), "subwork-" + arrived);
        getContext().watchWith(child, new SubWorkStopped(id));
        pending.put(id, request.replyTo());
        reporter.tell(io.troupe.booster.report.WorkReporter.Arrived.INSTANCE);
        return this;
    }

    private Behavior<Command> onSubWorkEnded(SubWorkEnded message) {
        SubWorkActor.Ended ended = message.ended();
        if (pending.remove(ended.subWorkId()) == null) {
            return this;
        }
        if (settings.statsJson() != null) {
            endedSubWorks.add(ended);
        }
        reporter.tell(new io.troupe.booster.report.WorkReporter.Ended(ended));
        if (ended.fallback() != null) {
            fallbacks.merge(ended.fallback(), 1, Integer::sum);
        }
        switch (ended.route()) {
            case REMOTE -> {
                remoteOk++;
                workersUsed.add(ended.worker());
            }
            case LOCAL -> localFallback++;
            case FAILED -> failed++;
        }
        return maybeFinish();
    }

    private Behavior<Command> onSubWorkStopped(SubWorkStopped stopped) {
        ActorRef<ExecutorGateway.SubWorkReply> replyTo = pending.remove(stopped.id());
        if (replyTo != null) { // stopped without answering: a bug or a crashed handler; never leave booster-exec hanging
            replyTo.tell(new ExecutorGateway.SubWorkReply(1, new byte[0],
                    ("[booster] sub-work " + stopped.id() + " stopped unexpectedly\n").getBytes(StandardCharsets.UTF_8)));
            failed++;
            return maybeFinish();
        }
        return this;
    }

    private Behavior<Command> onWorkCommandExited(WorkCommandExited exited) {
        if (phase != Phase.RUNNING) {
            return this;
        }
        exitCode = exited.exitCode();
        phase = Phase.DRAINING;
        timers.startSingleTimer(DrainTimedOut.INSTANCE, drainTimeout);
        return maybeFinish();
    }

    private Behavior<Command> onDrainTimedOut() {
        if (phase == Phase.DRAINING) {
            warn(pending.size() + " sub-work(s) still running " + drainTimeout.toSeconds()
                    + " s after the work command exited; ending the work without them");
            failed += pending.size();
            pending.clear();
            return postWork();
        }
        return this;
    }

    private Behavior<Command> maybeFinish() {
        return phase == Phase.DRAINING && pending.isEmpty() ? postWork() : this;
    }

    // ---- ending ----

    private Behavior<Command> postWork() {
        phase = Phase.ENDING;
        timers.cancel(DrainTimedOut.INSTANCE);
        timers.cancel(ProgressTick.INSTANCE);
        onBlocking(() -> {
            handler.postWork(boosterConfig);
            return new PostWorkDone(null);
        }, PostWorkDone::new);
        return this;
    }

    private Behavior<Command> onPostWorkDone(PostWorkDone done) {
        if (done.error() != null) {
            warn("PostWork failed: " + messageOf(done.error()));
        }
        Summary summary = summary();
        System.err.println(summary.line());
        checkFallbackRatio(summary);
        return cleanup();
    }

    /** {@code --max_fallback_ratio}: too many fallbacks mean the cluster did not do the work; say so and fail. */
    private void checkFallbackRatio(Summary summary) {
        double limit = settings.maxFallbackRatio();
        if (summary.total() == 0 || limit >= 1 || summary.fellBack() <= limit * summary.total()) {
            return;
        }
        System.err.printf(java.util.Locale.ROOT, "[booster] error: %d of %d sub-works (%.0f%%) fell back to local, more"
                        + " than --max_fallback_ratio %s allows%n", summary.fellBack(), summary.total(),
                100.0 * summary.fellBack() / summary.total(), settings.maxFallbackRatio());
        if (exitCode == 0) {
            exitCode = FALLBACK_RATIO_EXCEEDED;
        }
    }

    private Behavior<Command> abort(String message) {
        System.err.println("[booster] " + message);
        phase = Phase.ENDING;
        exitCode = SETUP_FAILED;
        return cleanup();
    }

    private Behavior<Command> cleanup() {
        phase = Phase.ENDING;
        if (gateway != null) {
            getContext().stop(gateway);
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
        return this;
    }

    private Behavior<Command> onCleanedUp() {
        reporter.tell(new io.troupe.booster.report.WorkReporter.WorkFinished(exitCode, summary()));
        owner.tell(new Finished(exitCode, summary()));
        return Behaviors.stopped();
    }

    private Summary summary() {
        return new Summary(remoteOk + localFallback + failed, remoteOk, localFallback, failed, workersUsed.size(),
                fallbacks);
    }

    private void warn(String message) {
        System.err.println("[booster] warning: " + message);
    }

    private void onBlocking(Callable<Command> work, Function<Throwable, Command> onError) {
        HandlerCalls.pipeToSelf(getContext(), handler, blocking, work, onError);
    }

    // ---- blocking work, on troupe.blocking-dispatcher ----

    private EnvReady prepareEnvironment() throws Exception {
        StdinIdentity.capture(); // the work command inherits the booster's stdin: its sub-works may name it
        Path dir = Files.createTempDirectory("troupe-booster-");
        try {
            Map<String, String> env = new HashMap<>(settings.env());
            String warning = null;
            if (settings.hook()) {
                PreloadConfig rules;
                try {
                    rules = handler.getPreloadConfig(boosterConfig);
                } catch (IOException e) {
                    throw e;
                } catch (Exception e) {
                    throw new Exception("GetPreloadConfig failed: " + messageOf(e), e);
                }
                if ((rules == null || rules.hooks().isEmpty()) && settings.hookConfig() != null) {
                    rules = PreloadConfig.fromFile(settings.hookConfig());
                }
                if (rules == null || rules.hooks().isEmpty()) {
                    warning = "--hook given but there are no hook rules (handler GetPreloadConfig and --hook_config"
                            + " gave none); nothing will be intercepted";
                    rules = PreloadConfig.empty();
                }
                Hooks.Installed hooks = Hooks.install(settings.hookSettings(), rules, env);
                env = new HashMap<>(hooks.env());
                for (String hookWarning : hooks.warnings()) {
                    warning = warning == null ? hookWarning : warning + "\n[booster] warning: " + hookWarning;
                }
            }
            env.put("TROUPE_BOOSTER_SOCKET", dir.resolve("gateway.sock").toString());
            return new EnvReady(Map.copyOf(env), dir, warning, null);
        } catch (Exception e) {
            return new EnvReady(null, dir, null, e);
        }
    }

    private Process startWorkProcess() {
        String command = boosterConfig.args();
        ProcessBuilder builder = new ProcessBuilder("/bin/sh", "-c", command).inheritIO();
        if (settings.workDir() != null) {
            builder.directory(settings.workDir().toFile());
        }
        builder.environment().clear();
        builder.environment().putAll(workEnv);
        try {
            return builder.start();
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
            one.put("start_ms", t.startMillis());
            one.put("pre_ms", t.preMillis());
            one.put("send_ms", t.sendMillis());
            one.put("remote_ms", t.remoteMillis());
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

    private void writeStats(Map<String, Object> stats) {
        try {
            new com.fasterxml.jackson.databind.ObjectMapper().writerWithDefaultPrettyPrinter()
                    .writeValue(settings.statsJson().toFile(), stats);
        } catch (IOException e) {
            System.err.println("[booster] warning: could not write --stats_json " + settings.statsJson() + ": " + e.getMessage());
        }
    }



}
