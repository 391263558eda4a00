package io.troupe.api.proxy;

import io.troupe.api.monitor.Metrics;
import java.util.List;
import java.util.Map;

/**
 * Where a module registers what the admin API serves for it (BFE's {@code web_monitor.WebHandlers}):
 * monitor groups under {@code /monitor/<name>} and reloads under {@code /reload/<name>}.
 */
public interface WebHandlers {

    /** Renders a monitor group; {@code params} are the query parameters ({@code format=json|kv|prometheus}). */
    @FunctionalInterface
    interface MonitorHandler {
        String render(Map<String, List<String>> params) throws Exception;
    }

    /**
     * Reloads a config; {@code params} are the query parameters ({@code path=} names another file).
     * Returns the new version; throws with a message naming the file and field when the new config is bad,
     * in which case the old config must keep serving.
     */
    @FunctionalInterface
    interface ReloadHandler {
        String reload(Map<String, List<String>> params) throws Exception;
    }

    /** Registers {@code /monitor/<name>}; names are unique per node. */
    void registerMonitor(String name, MonitorHandler handler);

    /** Registers {@code /reload/<name>}; names are unique per node. */
    void registerReload(String name, ReloadHandler handler);

    /** Reports the version of a module's loaded .data file under its reload name; called at init and after each reload. */
    default void dataVersion(String reloadName, String version) {}

    /**
     * Registers a module's monitor group (its state object's counters, gauges and states) as
     * {@code /monitor/<name>} and {@code /monitor/<name>.diff}; the node also mirrors the same numbers into
     * Kamon as {@code <name>_<KEY>}. The default registers the two monitor handlers only.
     */
    default void registerMetrics(String name, Metrics metrics) {
        metrics.registerMonitors(this, name);
    }
}
