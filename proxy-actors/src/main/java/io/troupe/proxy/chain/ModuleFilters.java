package io.troupe.proxy.chain;

import io.troupe.api.proxy.CallbackPoint;
import io.troupe.api.proxy.Callbacks;
import io.troupe.api.proxy.ForwardFilter;
import io.troupe.api.proxy.RequestFilter;
import io.troupe.api.proxy.ResponseFilter;
import io.troupe.api.proxy.SessionFilter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The filters one module registered, per point, in its registration order. A module fills one of these in
 * {@code Module.init} and the {@link ChainRegistry} merges it with the others in the fixed module order.
 */
public final class ModuleFilters implements Callbacks {
    private final String module;
    private final Map<CallbackPoint, List<Object>> filters = new EnumMap<>(CallbackPoint.class);
    private volatile int bodyLimit;

    public ModuleFilters(String module) {
        this.module = module;
    }

    public String module() {
        return module;
    }

    @Override
    public void addFilter(CallbackPoint point, SessionFilter filter) {
        require(point, filter, CallbackPoint.ACCEPT, CallbackPoint.HANDSHAKE, CallbackPoint.FINISH);
    }

    @Override
    public void addFilter(CallbackPoint point, RequestFilter filter) {
        require(point, filter, CallbackPoint.BEFORE_LOCATION, CallbackPoint.FOUND_PRODUCT,
                CallbackPoint.AFTER_LOCATION);
    }

    @Override
    public void addFilter(CallbackPoint point, ForwardFilter filter) {
        require(point, filter, CallbackPoint.FORWARD);
    }

    @Override
    public void addFilter(CallbackPoint point, ResponseFilter filter) {
        require(point, filter, CallbackPoint.READ_RESPONSE, CallbackPoint.REQUEST_FINISH);
    }

    @Override
    public void bufferRequestBody(int maxBytes) {
        if (maxBytes <= 0) {
            throw new IllegalArgumentException(module + ": bufferRequestBody needs a positive limit, got " + maxBytes);
        }
        bodyLimit = Math.max(bodyLimit, maxBytes);
    }

    /** The largest body this module asked the proxy to buffer, or 0 when bodies stream. */
    public int bodyLimit() {
        return bodyLimit;
    }

    /** The filters registered at {@code point}, in registration order. */
    public synchronized List<Object> at(CallbackPoint point) {
        List<Object> l = filters.get(point);
        return l == null ? List.of() : Collections.unmodifiableList(new ArrayList<>(l));
    }

    private synchronized void require(CallbackPoint point, Object filter, CallbackPoint... allowed) {
        if (point == null || filter == null) {
            throw new IllegalArgumentException(module + ": point and filter must not be null");
        }
        for (CallbackPoint p : allowed) {
            if (p == point) {
                filters.computeIfAbsent(point, k -> new ArrayList<>()).add(filter);
                return;
            }
        }
        throw new IllegalArgumentException(module + ": a " + filter.getClass().getSimpleName()
                + " cannot be registered at " + point + " (allowed: " + List.of(allowed) + ")");
    }
}
