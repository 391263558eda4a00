package io.troupe.api.proxy;

import java.nio.file.Path;

/**
 * A proxy module (BFE's module interface). Built-in and third-party modules are found by
 * {@link java.util.ServiceLoader} and enabled by name in the node's config.
 *
 * <p>{@code init} loads the module's static {@code <confRoot>/mod_<name>/mod_<name>.conf} and its
 * {@code .data} files, registers filters with {@code callbacks} and monitor/reload handlers with
 * {@code web}. A failing {@code init} stops the node from starting, naming the file and field.
 *
 * <p>Helpers: {@link io.troupe.api.proxy.config.ModuleConf} reads the {@code .conf},
 * {@link io.troupe.api.proxy.config.DataFile} reads {@code .data} files, {@link io.troupe.api.proxy.config.DataTable}
 * holds a reloadable snapshot and registers its reload, and {@link WebHandlers#registerMetrics} shows the module's
 * counters. {@code init} and reloads run on the module's own actor, off the event loops; filters run on the
 * event loops and must not block. A walk-through is in {@code docs/module-guide.md}.
 *
 * <p>A module that holds resources (a writer thread, open files) also implements {@link AutoCloseable}: the proxy
 * closes it once when it stops, after the last filter ran, and also when the node fails to start after this
 * module's {@code init}. Do not register JVM shutdown hooks; the node's stop runs on JVM exit.
 */
public interface Module {

    /** The module's name, such as {@code mod_block}. */
    String name();

    /**
     * Loads config and registers filters and handlers.
     *
     * @param callbacks where filters are registered
     * @param web where monitor and reload handlers are registered
     * @param confRoot the node's config root ({@code conf/})
     * @throws Exception naming the file and field when config is invalid
     */
    void init(Callbacks callbacks, WebHandlers web, Path confRoot) throws Exception;

    /**
     * Where a third-party module's filters run: just after those of the module named here (a built-in such as
     * {@code mod_block}, or another enabled module). {@code null}, the default, places it after every built-in.
     * Built-in modules ignore this: their order is BFE's fixed module order.
     */
    default String orderAfter() {
        return null;
    }
}
