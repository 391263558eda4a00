package io.troupe.module.web;

import io.troupe.api.monitor.Metrics;
import io.troupe.api.proxy.WebHandlers;
import io.troupe.module.monitor.KamonBridge;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The node's monitor and reload handlers, filled by modules and the proxy at start and served by the
 * admin API under {@code /monitor/<name>} and {@code /reload/<name>}.
 */
public final class WebHandlerRegistry implements WebHandlers {
    private final Map<String, MonitorHandler> monitors = new ConcurrentHashMap<>();
    private final Map<String, ReloadHandler> reloads = new ConcurrentHashMap<>();
    private final Map<String, String> dataVersions = new ConcurrentHashMap<>();
    /** reload names whose module reports its own .data versions: a reload's answer text does not replace them */
    private final java.util.Set<String> selfReported = ConcurrentHashMap.newKeySet();
    private KamonBridge kamon;

    @Override
    public void registerMonitor(String name, MonitorHandler handler) {
        if (monitors.putIfAbsent(name, handler) != null) {
            throw new IllegalArgumentException("monitor name " + name + " is already registered");
        }
    }

    @Override
    public void registerReload(String name, ReloadHandler handler) {
        if (reloads.putIfAbsent(name, handler) != null) {
            throw new IllegalArgumentException("reload name " + name + " is already registered");
        }
    }

    /** Registers the group's two monitors and mirrors its numbers into Kamon (synced every second). */
    @Override
    public void registerMetrics(String name, Metrics metrics) {
        metrics.registerMonitors(this, name);
        synchronized (this) {
            if (kamon == null) {
                kamon = KamonBridge.start(Duration.ofSeconds(1));
            }
            kamon.mirror(metrics, name);
        }
    }

    @Override
    public void dataVersion(String reloadName, String version) {
        selfReported.add(reloadName);
        dataVersions.put(reloadName, version == null ? "" : version);
    }

    /**
     * Records what a successful reload answered as the version of {@code reloadName}, unless its module reports
     * its own versions through {@link #dataVersion} (an answer may say more than the version, as mod_prison's
     * {@code prison.data=<version>} does).
     */
    public void reloadAnswered(String reloadName, String version) {
        if (!selfReported.contains(reloadName)) {
            dataVersions.put(reloadName, version == null ? "" : version);
        }
    }

    /** The last reported {@code .data} version per reload name. */
    public Map<String, String> dataVersions() {
        return Map.copyOf(dataVersions);
    }

    public Optional<MonitorHandler> monitor(String name) {
        return Optional.ofNullable(monitors.get(name));
    }

    public Optional<ReloadHandler> reload(String name) {
        return Optional.ofNullable(reloads.get(name));
    }

    public Set<String> monitorNames() {
        return new TreeSet<>(monitors.keySet());
    }

    public Set<String> reloadNames() {
        return new TreeSet<>(reloads.keySet());
    }
}
