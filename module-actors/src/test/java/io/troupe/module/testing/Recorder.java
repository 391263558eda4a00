package io.troupe.module.testing;

import io.troupe.api.proxy.CallbackPoint;
import io.troupe.api.proxy.Callbacks;
import io.troupe.api.proxy.ForwardFilter;
import io.troupe.api.proxy.RequestFilter;
import io.troupe.api.proxy.ResponseFilter;
import io.troupe.api.proxy.SessionFilter;
import io.troupe.api.proxy.WebHandlers;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Callbacks and WebHandlers that only record what a module registers. */
public final class Recorder implements Callbacks, WebHandlers {
    public final Map<CallbackPoint, List<Object>> filters = new HashMap<>();
    public final Map<String, MonitorHandler> monitors = new HashMap<>();
    public final Map<String, ReloadHandler> reloads = new HashMap<>();

    private void add(CallbackPoint p, Object f) {
        filters.computeIfAbsent(p, k -> new ArrayList<>()).add(f);
    }

    @Override public void addFilter(CallbackPoint point, SessionFilter filter) { add(point, filter); }
    @Override public void addFilter(CallbackPoint point, RequestFilter filter) { add(point, filter); }
    @Override public void addFilter(CallbackPoint point, ForwardFilter filter) { add(point, filter); }
    @Override public void addFilter(CallbackPoint point, ResponseFilter filter) { add(point, filter); }
    @Override public void registerMonitor(String name, MonitorHandler handler) { monitors.put(name, handler); }
    @Override public void registerReload(String name, ReloadHandler handler) { reloads.put(name, handler); }
}
