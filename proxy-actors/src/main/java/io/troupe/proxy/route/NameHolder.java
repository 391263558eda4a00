package io.troupe.proxy.route;

import io.troupe.proxy.reload.SnapshotReloadActor;
import java.nio.file.Path;

/**
 * The current {@link NameConf}, read without an ask or a lock; only the {@link SnapshotReloadActor} running
 * {@link #reloadable} replaces it.
 */
public final class NameHolder {
    /** The reload name: {@code /reload/name_conf}, and name_conf in module_status "versions". */
    public static final String NAME_CONF = "name_conf";

    private volatile NameConf names;

    public NameHolder(NameConf initial) {
        this.names = initial;
    }

    public NameConf get() {
        return names;
    }

    /** The name_conf reload: reads {@code file}, or for one reload the file {@code ?path=} names. */
    public SnapshotReloadActor.Reloadable<NameConf, Path> reloadable(Path file) {
        return new SnapshotReloadActor.Reloadable<>(NAME_CONF, file, p -> p, NameConf::load, this::set,
                NameConf::version, "old names stay");
    }

    private void set(NameConf next) {
        this.names = next;
    }
}
