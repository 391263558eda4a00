package io.troupe.proxy.tls;

import io.troupe.proxy.reload.SnapshotReloadActor;
import java.nio.file.Path;

/**
 * The current {@link TlsTables}, read by every TLS handshake without an ask or a lock. Only the
 * {@link SnapshotReloadActor} running {@link #reloadable} replaces it, a whole snapshot at a time.
 */
public final class TlsHolder {
    /** The reload name: {@code /reload/tls_conf}, and tls_conf in module_status "versions". */
    public static final String TLS_CONF = "tls_conf";

    private volatile TlsTables tables;

    public TlsHolder(TlsTables initial) {
        this.tables = initial;
    }

    public TlsTables get() {
        return tables;
    }

    /**
     * The tls_conf reload: reads both files and every certificate from {@code files}, or for one reload
     * server_cert_conf.data and tls_rule_conf.data from the directory {@code ?path=} names.
     */
    public SnapshotReloadActor.Reloadable<TlsTables, TlsFiles> reloadable(TlsFiles files) {
        return new SnapshotReloadActor.Reloadable<>(TLS_CONF, files, files::withDir, TlsTables::load, this::set,
                TlsTables::version, "old certificates keep serving");
    }

    private void set(TlsTables next) {
        this.tables = next;
    }
}
