package io.troupe.proxy.route;

import io.troupe.proxy.reload.SnapshotHolder;
import io.troupe.proxy.reload.SnapshotReloadActor;
import java.nio.file.Path;

/** The current {@link NameConf}; the name_conf reload replaces it. */
public final class NameHolder extends SnapshotHolder<NameConf> {
    /** The reload name: {@code /reload/name_conf}, and name_conf in module_status "versions". */
    public static final String NAME_CONF = "name_conf";

    public NameHolder(NameConf initial) {
        super(initial);
    }

    /** The name_conf reload: reads {@code file}, or for one reload the file {@code ?path=} names. */
    public SnapshotReloadActor.Reloadable<NameConf, Path> reloadable(Path file) {
        return reloadable(NAME_CONF, file, p -> p, NameConf::load, NameConf::version, "old names stay");
    }
}
