/**
 * Config helpers for proxy modules, matching BFE's formats: {@link io.troupe.api.proxy.config.ModuleConf} for the
 * static {@code mod_<name>.conf} (gcfg INI), {@link io.troupe.api.proxy.config.DataFile} for reloadable
 * {@code .data} JSON, and {@link io.troupe.api.proxy.config.ConfigFileException}, whose message names the file
 * and the key or field. A module's monitor state is an {@link io.troupe.api.monitor.Metrics} group registered
 * with {@link io.troupe.api.proxy.WebHandlers#registerMetrics}.
 */
package io.troupe.api.proxy.config;
