package io.troupe.booster.report;

import io.troupe.api.CborSerializable;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;

/**
 * What a booster tells the server nodes about its work, for the admin API's {@code /works} and the dashboard:
 * a {@link Progress} about once a second while the work runs and a last one when it ends. Server nodes run a
 * registry under {@link #REGISTRY_KEY}; the booster's {@link WorkReporter} sends to every registry it finds.
 */
public final class WorkReport {

    /** Receptionist key of the server nodes' work registries. */
    public static final ServiceKey<Command> REGISTRY_KEY = ServiceKey.create(Command.class, "troupe-work-registry");

    private WorkReport() {}

    /** What a registry accepts; nodes add their own local queries. */
    public interface Command {}

    /**
     * The work as of now, with the sub-works that ended since the previous report. Every registry gets every
     * report (each node's {@code /works} shows every work), but only one of them, the booster's chosen primary,
     * counts it into its node's metrics, so that a sum of {@code troupe_booster_*} over the nodes counts each
     * sub-work once. The primary answers a counted report with {@link Counted}; what it has not answered when it
     * leaves the cluster the booster sends again, counted, to the next primary, which counts each sub-work id of
     * a work once.
     *
     * @param work the counters of the whole work
     * @param ended sub-works ended since the last report to this registry, in the order they ended
     * @param counted whether this registry counts the report into its node's metrics
     * @param firstCounted whether this report counts the work itself (the works counter counts the work then)
     * @param seq the booster's number of a counted report, for {@link Counted}; 0 when not counted
     * @param replyTo where a counted report is confirmed, or null (a booster from before it: not confirmed)
     */
    public record Progress(WorkView work, List<SubWorkView> ended, boolean counted, boolean firstCounted, long seq,
                           ActorRef<Counted> replyTo) implements Command, CborSerializable {
        public Progress {
            ended = List.copyOf(ended);
        }

        /** A report nobody confirms. */
        public Progress(WorkView work, List<SubWorkView> ended, boolean counted, boolean firstCounted) {
            this(work, ended, counted, firstCounted, 0, null);
        }

        /** A report the receiving registry counts, as when it is the only one. */
        public Progress(WorkView work, List<SubWorkView> ended) {
            this(work, ended, true, true);
        }
    }

    /** The primary registry counted report {@code seq} of work {@code workId} into its node's metrics. */
    public record Counted(String workId, long seq) implements CborSerializable {}

    /**
     * One work's state.
     *
     * @param id the build id ({@code --build_id})
     * @param booster the booster's cluster address
     * @param arrived sub-works intercepted so far
     * @param running sub-works started and not yet ended
     * @param fallbacks sub-works that fell back, per reason key
     * @param perWorker sub-works that ran remotely, per worker address
     * @param finished whether the work is over ({@code exitCode} is then the work's)
     */
    public record WorkView(String id, String project, String type, String command, String booster, long startMs,
            long updatedMs, int arrived, int running, int remoteOk, int localFallback, int failed,
            Map<String, Integer> fallbacks, Map<String, Integer> perWorker, boolean finished, int exitCode)
            implements CborSerializable {
        public WorkView {
            fallbacks = Map.copyOf(fallbacks);
            perWorker = Map.copyOf(perWorker);
        }

        /** Sub-works ended, whatever the route. */
        public int done() {
            return remoteOk + localFallback + failed;
        }
    }

    /**
     * One ended sub-work and its phase timings, as in {@code --stats_json}'s {@code sub_works}.
     *
     * @param route {@code remote}, {@code local} or {@code failed}
     * @param worker the worker that ran it remotely, or null
     * @param fallbackReason the fallback reason key, or null
     * @param fallbackDetail why it fell back, in words (as {@code --stats_json}'s {@code fallback_detail}), or null;
     *     last so that a report from a booster without it reads as null
     */
    public record SubWorkView(String id, List<String> argv, String route, int exitCode, String worker, int attempts,
            String fallbackReason, long startMs, long preMs, long sendMs, long remoteMs, long postMs,
            long localWaitMs, long localMs, long totalMs, String fallbackDetail) implements CborSerializable {
        public SubWorkView {
            argv = argv == null ? List.of() : List.copyOf(argv);
        }

        /** A sub-work without a fallback detail. */
        public SubWorkView(String id, List<String> argv, String route, int exitCode, String worker, int attempts,
                String fallbackReason, long startMs, long preMs, long sendMs, long remoteMs, long postMs,
                long localWaitMs, long localMs, long totalMs) {
            this(id, argv, route, exitCode, worker, attempts, fallbackReason, startMs, preMs, sendMs, remoteMs, postMs,
                    localWaitMs, localMs, totalMs, null);
        }
    }
}
