package io.troupe.node.works;

import io.troupe.booster.report.WorkReport;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import kamon.Kamon;
import kamon.metric.MeasurementUnit;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;

/**
 * A server node's record of the works boosters report ({@link WorkReport}): live works and a bounded list of
 * recently finished ones, each with its ended sub-works, for {@code /works}. Every reported sub-work is also
 * counted into Kamon ({@code troupe.booster.subworks}, {@code troupe.booster.subwork.phase}, ...), so the
 * booster's figures appear in this node's {@code /metrics} although the booster serves no HTTP itself; only
 * reports the booster marks {@link WorkReport.Progress#counted() counted} (one node's at a time) are counted,
 * each sub-work id of a work once (the booster sends again to a new primary what the one that left did not
 * confirm), and each counted report is confirmed to the booster ({@link WorkReport.Counted}).
 */
public final class WorkRegistry {

    /** The works, newest first: live ones, then finished ones. */
    public record GetWorks(ActorRef<List<Work>> replyTo) implements WorkReport.Command, NoSerializationVerificationNeeded {}

    /** One work by id, if this node knows it. */
    public record GetWork(String id, ActorRef<Optional<Work>> replyTo)
            implements WorkReport.Command, NoSerializationVerificationNeeded {}

    /** A work as last reported, with its ended sub-works (the first {@link #MAX_SUB_WORKS}). */
    public record Work(WorkReport.WorkView view, List<WorkReport.SubWorkView> subWorks, boolean lost)
            implements NoSerializationVerificationNeeded {}

    /** Sub-works kept per work for the timeline; the counters keep counting past it. */
    static final int MAX_SUB_WORKS = 5000;

    /** Phases of a sub-work, as named in {@code --stats_json}. */
    static final String[] PHASES = {"pre", "send", "remote", "post", "local_wait", "local", "total"};

    private static final class Entry {
        WorkReport.WorkView view;
        final List<WorkReport.SubWorkView> subWorks = new ArrayList<>();
        long receivedMs;
        /** whether the latest report was counted here: this node is the work's primary for the metrics */
        boolean counted;
        boolean workCounted;
        /** sub-works counted into the metrics; a re-sent report counts only those not among them */
        final SubWorkIds countedIds;
        /** sub-works on the timeline, while the work is live: a re-sent report does not list them twice */
        final Set<String> listedIds = new HashSet<>();

        Entry(String workId) {
            countedIds = new SubWorkIds(workId);
        }
    }

    private final Map<String, Entry> live = new LinkedHashMap<>();
    private final Deque<Entry> finished = new ArrayDeque<>();
    private final int keepFinished;
    private final long lostAfterMs;

    /** Where counted reports go: Kamon, or a test's recorder. */
    interface Meter {
        void work(String project);

        void subWork(String project, WorkReport.SubWorkView sub);
    }

    /** The node's metrics. */
    private static final Meter KAMON = new Meter() {
        @Override
        public void work(String project) {
            Kamon.counter("troupe.booster.works", "works reported by boosters").withTag("project", tag(project))
                    .increment();
        }

        @Override
        public void subWork(String project, WorkReport.SubWorkView sub) {
            record(project, sub);
        }
    };

    private final Meter meter;

    private WorkRegistry(int keepFinished, Duration lostAfter, Meter meter) {
        this.meter = meter;
        this.keepFinished = keepFinished;
        this.lostAfterMs = lostAfter.toMillis();
    }

    /**
     * @param keepFinished how many finished works {@code /works} keeps ({@code troupe.admin.works.keep-finished})
     * @param lostAfter a live work not heard of for this long is shown as lost and later dropped
     */
    public static Behavior<WorkReport.Command> create(int keepFinished, Duration lostAfter) {
        return create(keepFinished, lostAfter, KAMON);
    }

    static Behavior<WorkReport.Command> create(int keepFinished, Duration lostAfter, Meter meter) {
        return Behaviors.setup(context -> {
            context.getSystem().receptionist().tell(Receptionist.register(WorkReport.REGISTRY_KEY, context.getSelf()));
            return new WorkRegistry(keepFinished, lostAfter, meter).behavior();
        });
    }

    private Behavior<WorkReport.Command> behavior() {
        return Behaviors.receive(WorkReport.Command.class)
                .onMessage(WorkReport.Progress.class, this::onProgress)
                .onMessage(GetWorks.class, this::onGetWorks)
                .onMessage(GetWork.class, this::onGetWork)
                .build();
    }

    private Behavior<WorkReport.Command> onProgress(WorkReport.Progress progress) {
        WorkReport.WorkView view = progress.work();
        Entry entry = live.get(view.id());
        if (entry == null) {
            Entry over = finished.stream().filter(e -> e.view.id().equals(view.id())).findFirst().orElse(null);
            if (over != null) {
                // a late copy of a work already over: only a counted re-send (its primary left) still counts
                count(over, progress);
                return Behaviors.same();
            }
            entry = new Entry(view.id());
            live.put(view.id(), entry);
        }
        count(entry, progress);
        entry.view = view;
        entry.receivedMs = System.currentTimeMillis();
        entry.counted = progress.counted();
        for (WorkReport.SubWorkView sub : progress.ended()) {
            if (entry.subWorks.size() < MAX_SUB_WORKS && entry.listedIds.add(sub.id())) {
                entry.subWorks.add(sub);
            }
        }
        if (view.finished()) {
            entry.listedIds.clear();
            live.remove(view.id());
            finished.addFirst(entry);
            while (finished.size() > keepFinished) {
                finished.removeLast();
            }
        }
        updateActive();
        return Behaviors.same();
    }

    /** A counted report into this node's metrics: the work once, each sub-work id once; then confirmed. */
    private void count(Entry entry, WorkReport.Progress progress) {
        if (!progress.counted()) {
            return;
        }
        String project = progress.work().project();
        if (progress.firstCounted() && !entry.workCounted) {
            meter.work(project);
            entry.workCounted = true;
        }
        for (WorkReport.SubWorkView sub : progress.ended()) {
            if (entry.countedIds.add(sub.id())) {
                meter.subWork(project, sub);
            }
        }
        if (progress.replyTo() != null) {
            progress.replyTo().tell(new WorkReport.Counted(progress.work().id(), progress.seq()));
        }
    }

    /** Live works this node counts (its booster's primary), so the gauge too sums over the nodes. */
    private void updateActive() {
        Kamon.gauge("troupe.booster.works.active", "works running now, counted by this node").withoutTags()
                .update(live.values().stream().filter(e -> e.counted).count());
    }

    /** The booster's metrics, counted where they can be scraped. */
    private static void record(String project, WorkReport.SubWorkView sub) {
        Kamon.counter("troupe.booster.subworks", "ended sub-works by route").withTag("route", sub.route())
                .withTag("project", tag(project)).increment();
        if (sub.fallbackReason() != null) {
            Kamon.counter("troupe.booster.fallbacks", "sub-works that fell back, by reason")
                    .withTag("reason", sub.fallbackReason()).increment();
        }
        long[] millis = {sub.preMs(), sub.sendMs(), sub.remoteMs(), sub.postMs(), sub.localWaitMs(), sub.localMs(),
                sub.totalMs()};
        for (int i = 0; i < PHASES.length; i++) {
            if (millis[i] > 0 || PHASES[i].equals("total")) {
                Kamon.histogram("troupe.booster.subwork.phase", "time of each sub-work phase",
                                MeasurementUnit.time().milliseconds())
                        .withTag("phase", PHASES[i]).record(Math.max(millis[i], 0));
            }
        }
    }

    private static String tag(String value) {
        return value == null || value.isEmpty() ? "none" : value;
    }

    private Behavior<WorkReport.Command> onGetWorks(GetWorks get) {
        expire();
        List<Work> out = new ArrayList<>();
        live.values().stream().sorted(Comparator.comparingLong((Entry e) -> e.view.startMs()).reversed())
                .forEach(e -> out.add(work(e)));
        finished.forEach(e -> out.add(work(e)));
        get.replyTo().tell(List.copyOf(out));
        return Behaviors.same();
    }

    private Behavior<WorkReport.Command> onGetWork(GetWork get) {
        expire();
        Entry entry = live.get(get.id());
        if (entry == null) {
            entry = finished.stream().filter(e -> e.view.id().equals(get.id())).findFirst().orElse(null);
        }
        get.replyTo().tell(Optional.ofNullable(entry).map(this::work));
        return Behaviors.same();
    }

    private Work work(Entry entry) {
        boolean lost = !entry.view.finished() && System.currentTimeMillis() - entry.receivedMs > lostAfterMs;
        return new Work(entry.view, List.copyOf(entry.subWorks), lost);
    }

    /** A booster that died without its last report: its work stays shown as lost for a while, then goes. */
    private void expire() {
        long now = System.currentTimeMillis();
        if (live.values().removeIf(e -> now - e.receivedMs > 10 * lostAfterMs)) {
            updateActive();
        }
    }
}
