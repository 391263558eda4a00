package io.troupe.node.admin;

import io.troupe.api.proxy.CallbackPoint;
import io.troupe.node.reload.ReloadGather.Answer;
import io.troupe.node.reload.ReloadGather.Gathered;
import io.troupe.node.reload.ReloadGather.ReloadAnswer;
import io.troupe.node.reload.ReloadGather.StatusAnswer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The JSON bodies of {@code /reload/<name>}, {@code /monitor/module_status} and {@code /monitor/module_handlers}:
 * BFE's one-node shape ({@code {"error":null}}, {@code {"error":null,"version":…}} or {@code {"error":"…"}}) with
 * the per-node outcomes beside it in {@code nodes} and the silent nodes in {@code no_answer}.
 */
final class ReloadAnswers {
    private ReloadAnswers() {}

    static Map<String, Object> reload(String name, Gathered gathered, Duration timeout) {
        List<Map<String, Object>> nodes = new ArrayList<>();
        Map<String, Set<String>> nodesByError = new LinkedHashMap<>();
        Set<String> versions = new TreeSet<>();
        for (Answer a : gathered.answers()) {
            if (!(a instanceof ReloadAnswer r)) {
                continue;
            }
            Map<String, Object> node = new LinkedHashMap<>();
            node.put("node", r.node());
            node.put("ok", r.ok());
            node.put("version", r.ok() ? r.version() : null);
            node.put("error", r.ok() ? null : r.error());
            nodes.add(node);
            if (r.ok()) {
                versions.add(r.version());
            } else {
                nodesByError.computeIfAbsent(r.error(), e -> new TreeSet<>()).add(r.node());
            }
        }
        List<String> problems = new ArrayList<>();
        // nodes usually read the same files and fail alike: one message per distinct error, naming its nodes
        nodesByError.forEach((error, where) -> problems.add(error + " (on " + String.join(", ", where) + ")"));
        if (!gathered.silent().isEmpty()) {
            problems.add("no answer within " + timeout.toMillis() + " ms from " + String.join(", ", gathered.silent()));
        }
        if (nodes.isEmpty() && gathered.silent().isEmpty()) {
            problems.add("handler not exist, type[reload], command[" + name + "]");
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("error", problems.isEmpty() ? null : String.join("; ", problems));
        if (problems.isEmpty() && versions.size() == 1 && !versions.iterator().next().isEmpty()) {
            out.put("version", versions.iterator().next());
        }
        out.put("nodes", nodes);
        out.put("no_answer", gathered.silent());
        return out;
    }

    static Map<String, Object> moduleStatus(String self, Gathered gathered, Duration timeout) {
        List<Map<String, Object>> nodes = new ArrayList<>();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("available", List.of());
        out.put("enabled", List.of());
        for (Answer a : gathered.answers()) {
            if (!(a instanceof StatusAnswer s)) {
                continue;
            }
            if (s.node().equals(self)) {
                out.put("available", s.available());
                out.put("enabled", s.enabled());
            }
            Map<String, Object> node = new LinkedHashMap<>();
            node.put("node", s.node());
            node.put("available", s.available());
            node.put("enabled", s.enabled());
            node.put("versions", s.versions());
            nodes.add(node);
        }
        out.put("nodes", nodes);
        out.put("no_answer", gathered.silent());
        if (!gathered.silent().isEmpty()) {
            out.put("error", "no answer within " + timeout.toMillis() + " ms from "
                    + String.join(", ", gathered.silent()));
        }
        return out;
    }

    /** BFE's keys: {@code "<point number>#Handle<Point>"}, each with its filters' module names in run order. */
    static Map<String, Object> moduleHandlers(Map<String, List<String>> byPoint) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (CallbackPoint point : CallbackPoint.values()) {
            out.put(point.ordinal() + "#" + bfeName(point), byPoint.getOrDefault(point.name(), List.of()));
        }
        return out;
    }

    /** {@code FOUND_PRODUCT} → {@code HandleFoundProduct}. */
    static String bfeName(CallbackPoint point) {
        StringBuilder name = new StringBuilder("Handle");
        for (String word : point.name().split("_")) {
            name.append(word.charAt(0)).append(word.substring(1).toLowerCase(java.util.Locale.ROOT));
        }
        return name.toString();
    }
}
