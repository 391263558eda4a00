package io.troupe.booster.report;

import io.troupe.booster.client.SubWorkActor;
import io.troupe.booster.client.WorkActor;
import io.troupe.booster.client.WorkSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.actor.typed.receptionist.Receptionist;

/**
 * The booster's side of {@link WorkReport}: started by the WorkActor ({@link #start}), it counts the work's
 * sub-works and, about once a second when something changed (every {@link #HEARTBEAT_TICKS} s regardless), sends
 * the work's state and the sub-works ended since to every server node's registry. Sub-works ended while no
 * registry is known wait for one, so a node that comes up late still gets the whole timeline. It is the work's
 * sibling, not its child, so the last report goes out after the WorkActor has stopped; it watches the work and
 * ends with it, or up to {@link #LINGER} later while the primary registry has not confirmed its last counted reports.
 *
 * <p>Counted reports the primary has not confirmed ({@link WorkReport.Counted}) are kept; when the primary leaves,
 * they go again, counted, to the next primary (the one that left took its counts with it, and reports in flight
 * to it are lost), so across the cluster each work and each sub-work is counted once.
 */
public final class WorkReporter {

    /** Local messages from the WorkActor. */
    public interface Command extends NoSerializationVerificationNeeded {}

    /** A sub-work started. */
    public enum Arrived implements Command { INSTANCE }

    /** A sub-work ended. */
    public record Ended(SubWorkActor.Ended ended) implements Command {}

    /** The work is over: the last report goes out now, with the WorkActor's own final counts. */
    public record WorkFinished(int exitCode, WorkActor.Summary summary) implements Command {}

    private enum Tick implements Command { INSTANCE }

    private record Registries(Receptionist.Listing listing) implements Command {}

    /** The WorkActor stopped (after its {@link WorkFinished}, if it sent one: ordinary messages keep their order). */
    private enum WorkGone implements Command { INSTANCE }

    /** The primary registry counted a report. */
    private record Confirmed(WorkReport.Counted counted) implements Command {}

    /** The work is over and the primary has still not confirmed everything: give up. */
    private enum LingerOver implements Command { INSTANCE }

    /** A counted report the primary has not confirmed yet. */
    private record Unconfirmed(List<WorkReport.SubWorkView> ended, boolean firstCounted) {}

    /** How long the reporter waits after the work for the primary to confirm its last counted reports. */
    static final Duration LINGER = Duration.ofSeconds(10);

    /** A registry hears from a running work at least this often (ticks), so a long sub-work does not look lost. */
    static final int HEARTBEAT_TICKS = 10;

    /** Ended sub-works per report message: a build's command lines are long, an Artery frame is not endless. */
    static final int BATCH = 200;

    /** Sub-works kept while no registry is known (a registry keeps no more per work either). */
    static final int MAX_UNSENT = 5000;

    /** How often a changed state is reported. */
    static final Duration INTERVAL = Duration.ofSeconds(1);

    private final WorkSettings settings;
    private final String booster;
    private final ActorRef<WorkReport.Counted> confirmTo;
    private final TimerScheduler<Command> timers;
    private final long startMs = System.currentTimeMillis();
    private Set<ActorRef<WorkReport.Command>> registries = Set.of();
    /** The registry that counts this work into its node's metrics (see {@link WorkReport.Progress}), or null. */
    private ActorRef<WorkReport.Command> primary;
    private boolean workCountSent;
    /** Counted reports not confirmed, by their seq; sub-works in them are bounded by {@link #MAX_UNSENT}. */
    private final SortedMap<Long, Unconfirmed> unconfirmed = new TreeMap<>();
    private int unconfirmedSubWorks;
    private long seq;
    private final List<WorkReport.SubWorkView> unsent = new ArrayList<>();
    private final Map<String, Integer> fallbacks = new HashMap<>();
    private final Map<String, Integer> perWorker = new HashMap<>();
    private int arrived;
    private int remoteOk;
    private int localFallback;
    private int failed;
    private boolean changed = true;
    private int quietTicks;
    /** The work's exit code once it is over (later re-sends say it is over too), else null. */
    private Integer finalExitCode;

    private WorkReporter(WorkSettings settings, String booster, ActorRef<WorkReport.Counted> confirmTo,
                         TimerScheduler<Command> timers) {
        this.settings = settings;
        this.booster = booster;
        this.confirmTo = confirmTo;
        this.timers = timers;
    }

    /** Starts the reporter of the work {@code work} (the caller's self). */
    public static ActorRef<Command> start(ActorContext<?> work, WorkSettings settings) {
        return work.getSystem().systemActorOf(create(settings, work.getSelf()),
                "work-reporter-" + java.util.UUID.randomUUID(), org.apache.pekko.actor.typed.Props.empty());
    }

    static Behavior<Command> create(WorkSettings settings, ActorRef<?> work) {
        return Behaviors.setup(context -> Behaviors.withTimers(timers -> {
            context.watchWith(work, WorkGone.INSTANCE);
            context.getSystem().receptionist().tell(Receptionist.subscribe(WorkReport.REGISTRY_KEY,
                    context.messageAdapter(Receptionist.Listing.class, Registries::new)));
            timers.startTimerWithFixedDelay(Tick.INSTANCE, INTERVAL);
            return new WorkReporter(settings, context.getSystem().address().toString(),
                    context.messageAdapter(WorkReport.Counted.class, Confirmed::new), timers).behavior();
        }));
    }

    private Behavior<Command> behavior() {
        return Behaviors.receive(Command.class)
                .onMessageEquals(Arrived.INSTANCE, this::onArrived)
                .onMessage(Ended.class, this::onEnded)
                .onMessage(Registries.class, this::onRegistries)
                .onMessage(Confirmed.class, this::onConfirmed)
                .onMessageEquals(Tick.INSTANCE, this::onTick)
                .onMessage(WorkFinished.class, this::onWorkFinished)
                .onMessageEquals(WorkGone.INSTANCE, this::onWorkGone)
                .build();
    }

    /** The work is over and reported: waits for the primary's confirmations, re-sending if it leaves. */
    private Behavior<Command> lingering() {
        return Behaviors.receive(Command.class)
                .onMessage(Registries.class, this::onRegistries)
                .onMessage(Confirmed.class, this::onConfirmedAfterWork)
                .onMessageEquals(LingerOver.INSTANCE, Behaviors::stopped)
                .build();
    }

    private Behavior<Command> onArrived() {
        arrived++;
        changed = true;
        return Behaviors.same();
    }

    private Behavior<Command> onEnded(Ended message) {
        SubWorkActor.Ended ended = message.ended();
        switch (ended.route()) {
            case REMOTE -> {
                remoteOk++;
                perWorker.merge(String.valueOf(ended.worker()), 1, Integer::sum);
            }
            case LOCAL -> localFallback++;
            case FAILED -> failed++;
        }
        if (ended.fallback() != null) {
            fallbacks.merge(ended.fallback().key(), 1, Integer::sum);
        }
        if (unsent.size() < MAX_UNSENT) {
            unsent.add(view(ended));
        }
        changed = true;
        return Behaviors.same();
    }

    private Behavior<Command> onRegistries(Registries registries) {
        this.registries = registries.listing().getServiceInstances(WorkReport.REGISTRY_KEY);
        if (primary == null || !this.registries.contains(primary)) {
            // kept while it is listed, so one node goes on counting; the lowest address when it must change
            primary = this.registries.stream().min(Comparator.comparing(ref -> ref.path().toString())).orElse(null);
            if (primary != null) {
                recount();
            }
        }
        return Behaviors.same();
    }

    /** The new primary counts what the one before did not confirm: it left, with its counts or before counting. */
    private void recount() {
        if (unconfirmed.isEmpty()) {
            return;
        }
        List<Unconfirmed> again = List.copyOf(unconfirmed.values());
        unconfirmed.clear();
        unconfirmedSubWorks = 0;
        WorkReport.WorkView view = work(finalExitCode != null, finalExitCode == null ? 0 : finalExitCode);
        for (Unconfirmed u : again) {
            primary.tell(countedReport(view, u.ended(), u.firstCounted()));
        }
    }

    private WorkReport.Progress countedReport(WorkReport.WorkView view, List<WorkReport.SubWorkView> ended,
                                              boolean firstCounted) {
        seq++;
        if (ended.isEmpty() && !firstCounted) {
            return new WorkReport.Progress(view, ended, true, false, seq, confirmTo); // counts nothing: nothing to re-send
        }
        unconfirmed.put(seq, new Unconfirmed(ended, firstCounted));
        unconfirmedSubWorks += ended.size();
        // bounded: past it the oldest lose their second chance, as ended sub-works past MAX_UNSENT lose their first
        while (unconfirmedSubWorks > MAX_UNSENT && unconfirmed.size() > 1) {
            unconfirmedSubWorks -= unconfirmed.remove(unconfirmed.firstKey()).ended().size();
        }
        return new WorkReport.Progress(view, ended, true, firstCounted, seq, confirmTo);
    }

    private Behavior<Command> onConfirmed(Confirmed confirmed) {
        Unconfirmed done = unconfirmed.remove(confirmed.counted().seq());
        if (done != null) {
            unconfirmedSubWorks -= done.ended().size();
        }
        return Behaviors.same();
    }

    private Behavior<Command> onConfirmedAfterWork(Confirmed confirmed) {
        onConfirmed(confirmed);
        return unconfirmed.isEmpty() ? Behaviors.stopped() : Behaviors.same();
    }

    private Behavior<Command> onTick() {
        if (changed || ++quietTicks >= HEARTBEAT_TICKS) {
            report(false, 0);
        }
        return Behaviors.same();
    }

    private Behavior<Command> onWorkFinished(WorkFinished finished) {
        WorkActor.Summary s = finished.summary();
        remoteOk = s.remoteOk();
        localFallback = s.localFallback();
        failed = s.failed();
        return ended(finished.exitCode());
    }

    /** The work stopped without saying how it ended (it crashed): reported finished with exit code -1. */
    private Behavior<Command> onWorkGone() {
        return ended(-1);
    }

    private Behavior<Command> ended(int exitCode) {
        report(true, exitCode);
        finalExitCode = exitCode;
        if (unconfirmed.isEmpty()) {
            return Behaviors.stopped();
        }
        timers.cancel(Tick.INSTANCE);
        timers.startSingleTimer(LingerOver.INSTANCE, LINGER);
        return lingering();
    }

    private void report(boolean done, int exitCode) {
        if (registries.isEmpty()) {
            return; // keep the ended sub-works until a registry appears
        }
        // batches before the last say "running", so a registry moves the work to finished once, with all of it
        int from = 0;
        do {
            int to = Math.min(from + BATCH, unsent.size());
            boolean last = to == unsent.size();
            WorkReport.WorkView view = work(done && last, exitCode);
            List<WorkReport.SubWorkView> batch = List.copyOf(unsent.subList(from, to));
            for (ActorRef<WorkReport.Command> registry : registries) {
                registry.tell(registry.equals(primary) ? countedReport(view, batch, !workCountSent)
                        : new WorkReport.Progress(view, batch, false, false));
            }
            workCountSent |= primary != null;
            from = to;
        } while (from < unsent.size());
        unsent.clear();
        changed = false;
        quietTicks = 0;
    }

    private WorkReport.WorkView work(boolean done, int exitCode) {
        int ended = remoteOk + localFallback + failed;
        return new WorkReport.WorkView(settings.buildId(), settings.projectId(), settings.type(), settings.command(),
                booster, startMs, System.currentTimeMillis(), Math.max(arrived, ended),
                done ? 0 : Math.max(arrived - ended, 0), remoteOk, localFallback, failed, fallbacks, perWorker, done,
                exitCode);
    }

    private static WorkReport.SubWorkView view(SubWorkActor.Ended ended) {
        SubWorkActor.Timings t = ended.timings();
        return new WorkReport.SubWorkView(ended.subWorkId(), t.argv(), ended.route().name().toLowerCase(Locale.ROOT),
                ended.exitCode(), ended.worker(), t.attempts(), ended.fallback() == null ? null : ended.fallback().key(),
                t.startMillis(), t.preMillis(), t.sendMillis(), t.remoteMillis(), t.postMillis(), t.localWaitMillis(),
                t.localMillis(), t.totalMillis(), ended.fallbackDetail());
    }
}
