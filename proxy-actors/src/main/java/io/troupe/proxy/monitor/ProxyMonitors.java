package io.troupe.proxy.monitor;

import io.troupe.api.proxy.WebHandlers;

/**
 * Registers the proxy's monitor groups with the node's admin API, each answering
 * {@code format=json|kv|prometheus}: {@code proxy_state} (counters since start), {@code proxy_state_diff}
 * (changes over the last complete diff window, BFE's 20 s) and {@code proxy_delay} (latency histogram).
 */
public final class ProxyMonitors {
    private ProxyMonitors() {}

    public static void register(WebHandlers web, ProxyStats stats) {
        web.registerMonitor("proxy_state", p -> stats.metrics().getAll().format(p));
        web.registerMonitor("proxy_state_diff", p -> stats.metrics().getDiff().format(p));
        web.registerMonitor("proxy_delay", p -> stats.delayCounter().format(p));
    }
}
