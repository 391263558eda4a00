/**
 * BFE-style monitor state for modules and the proxy core: {@link io.troupe.api.monitor.Counter},
 * {@link io.troupe.api.monitor.Gauge} and {@link io.troupe.api.monitor.State} fields declared on a plain state
 * class, discovered by {@link io.troupe.api.monitor.Metrics#init}, read as
 * {@link io.troupe.api.monitor.MetricsData} snapshots ({@code getAll}, {@code getDiff}) and rendered with
 * {@code format=json|kv|prometheus} exactly as BFE's monitor port does. {@link io.troupe.api.monitor.DelayCounter}
 * is BFE's latency histogram ({@code proxy_delay}). Updates are lock-free; everything is thread-safe.
 */
package io.troupe.api.monitor;
