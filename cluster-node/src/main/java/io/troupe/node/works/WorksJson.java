package io.troupe.node.works;

import io.troupe.booster.report.WorkReport;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The JSON shapes of {@code /works} and {@code /works/<id>} ({@code docs/admin-api.md}); names as in --stats_json. */
public final class WorksJson {
    private WorksJson() {}

    /** A work's summary, as listed by {@code /works}. */
    public static Map<String, Object> summary(WorkRegistry.Work work) {
        WorkReport.WorkView v = work.view();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("build_id", v.id());
        out.put("project_id", v.project());
        out.put("type", v.type());
        out.put("command", v.command());
        out.put("booster", v.booster());
        out.put("state", v.finished() ? "finished" : work.lost() ? "lost" : "running");
        out.put("exit_code", v.finished() ? v.exitCode() : null);
        out.put("start_ms", v.startMs());
        out.put("updated_ms", v.updatedMs());
        Map<String, Object> counts = new LinkedHashMap<>();
        counts.put("arrived", v.arrived());
        counts.put("running", v.running());
        counts.put("done", v.done());
        counts.put("remote_ok", v.remoteOk());
        counts.put("local_fallback", v.localFallback());
        counts.put("failed", v.failed());
        out.put("sub_works", counts);
        out.put("fallbacks", new TreeMap<>(v.fallbacks()));
        out.put("per_worker", new TreeMap<>(v.perWorker()));
        return out;
    }

    /** A work with every ended sub-work and its phase timings, for {@code /works/<id>}. */
    public static Map<String, Object> detail(WorkRegistry.Work work) {
        Map<String, Object> out = summary(work);
        List<Map<String, Object>> subs = new ArrayList<>();
        for (WorkReport.SubWorkView s : work.subWorks()) {
            Map<String, Object> one = new LinkedHashMap<>();
            one.put("id", s.id());
            one.put("argv", s.argv());
            one.put("route", s.route());
            one.put("exit_code", s.exitCode());
            one.put("worker", s.worker());
            one.put("attempts", s.attempts());
            one.put("fallback_reason", s.fallbackReason());
            one.put("fallback_detail", s.fallbackDetail());
            one.put("start_ms", s.startMs());
            one.put("pre_ms", s.preMs());
            one.put("send_ms", s.sendMs());
            one.put("remote_ms", s.remoteMs());
            one.put("post_ms", s.postMs());
            one.put("local_wait_ms", s.localWaitMs());
            one.put("local_ms", s.localMs());
            one.put("total_ms", s.totalMs());
            subs.add(one);
        }
        out.put("ended", subs);
        return out;
    }
}
