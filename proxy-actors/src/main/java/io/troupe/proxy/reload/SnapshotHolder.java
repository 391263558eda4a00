package io.troupe.proxy.reload;

import java.nio.file.Path;
import java.util.function.Function;

/**
 * The current snapshot of one reloadable config, read without an ask or a lock (keep the reference for the
 * whole request). Only the {@link SnapshotReloadActor} running the holder's {@link SnapshotReloadActor.Reloadable}
 * replaces it, a whole snapshot at a time.
 *
 * @param <S> the snapshot
 */
public abstract class SnapshotHolder<S> {
    private volatile S current;

    protected SnapshotHolder(S initial) {
        this.current = initial;
    }

    public final S get() {
        return current;
    }

    /** The reload that swaps its snapshots into this holder; the arguments are {@link SnapshotReloadActor.Reloadable}'s. */
    protected final <P> SnapshotReloadActor.Reloadable<S, P> reloadable(String name, P source, Function<Path, P> sourceAt,
                                                                      SnapshotReloadActor.Loader<P, S> loader,
                                                                      Function<S, String> version, String onError) {
        return new SnapshotReloadActor.Reloadable<>(name, source, sourceAt, loader, this::set, version, onError);
    }

    private void set(S next) {
        this.current = next;
    }
}
