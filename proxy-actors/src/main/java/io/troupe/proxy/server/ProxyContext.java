package io.troupe.proxy.server;

import io.netty.channel.EventLoop;
import io.netty.channel.group.ChannelGroup;
import io.troupe.proxy.ProxySettings;
import io.troupe.proxy.chain.ChainsHolder;
import io.troupe.proxy.forward.BackendPool;
import io.troupe.proxy.forward.Router;
import io.troupe.proxy.monitor.ProxyStats;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/** What every connection handler shares: settings, snapshots, counters and the per-loop backend pools. */
final class ProxyContext {
    final ProxySettings settings;
    final ChainsHolder chains;
    final Router router;
    final ProxyStats stats;
    final ChannelGroup clients;
    final AtomicInteger connections = new AtomicInteger();
    private final Map<EventLoop, BackendPool> pools;
    /** Where request filters' blocking work runs ({@code FilterResult.blocking}); threads start on first use. */
    final ModuleWorkPool blocking;
    volatile boolean draining;
    /** Hands a request with {@code Upgrade: h2c} to an upgrade handler (set once by ProxyServer before binding). */
    volatile java.util.function.BiConsumer<io.netty.channel.ChannelPipeline, io.netty.handler.codec.http.HttpRequest> h2cUpgrade;

    ProxyContext(ProxySettings settings, ChainsHolder chains, Router router, ProxyStats stats,
                 ChannelGroup clients, Map<EventLoop, BackendPool> pools, ModuleWorkPool blocking) {
        this.settings = settings;
        this.chains = chains;
        this.router = router;
        this.stats = stats;
        this.clients = clients;
        this.pools = pools;
        this.blocking = blocking;
    }

    BackendPool pool(EventLoop loop) {
        BackendPool p = pools.get(loop);
        if (p == null) {
            throw new IllegalStateException("no backend pool for event loop " + loop);
        }
        return p;
    }
}
