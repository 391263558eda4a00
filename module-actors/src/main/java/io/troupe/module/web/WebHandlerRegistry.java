package io.troupe.module.web;

import io.troupe.api.proxy.WebHandlers;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The node's monitor and reload handlers, filled by modules and the proxy at start and served by the
 * admin API under {@code /monitor/<name>} and {@code /reload/<name>}; also the {@code .data} versions
 * the modules report, which {@code /monitor/module_status} shows.
 */
public final class WebHandlerRegistry implements WebHandlers {
    private final Map<String, MonitorHandler> monitors = new ConcurrentHashMap<>();
    private final Map<String, ReloadHandler> reloads = new ConcurrentHashMap<>();
    private final Map<String, String> versions = new ConcurrentHashMap<>();

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

    @Override
    public void dataVersion(String reloadName, String version) {
        if (reloadName == null || reloadName.isBlank()) {
            throw new IllegalArgumentException("dataVersion: the reload name must not be empty");
        }
        // a file without a version still reloaded; show that rather than dropping the name
        versions.put(reloadName, version == null ? "" : version);
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

    /** The last version reported per reload name, sorted by name. */
    public SortedMap<String, String> dataVersions() {
        return new TreeMap<>(versions);
    }
}
