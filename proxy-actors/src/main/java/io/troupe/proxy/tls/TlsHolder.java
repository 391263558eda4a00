package io.troupe.proxy.tls;

import io.troupe.proxy.reload.SnapshotHolder;
import io.troupe.proxy.reload.SnapshotReloadActor;

/** The current {@link TlsTables}, read by every TLS handshake; the tls_conf reload replaces it. */
public final class TlsHolder extends SnapshotHolder<TlsTables> {
    /** The reload name: {@code /reload/tls_conf}, and tls_conf in module_status "versions". */
    public static final String TLS_CONF = "tls_conf";

    public TlsHolder(TlsTables initial) {
        super(initial);
    }

    /**
     * The tls_conf reload: reads both files and every certificate from {@code files}, or for one reload
     * server_cert_conf.data and tls_rule_conf.data from the directory {@code ?path=} names.
     */
    public SnapshotReloadActor.Reloadable<TlsTables, TlsFiles> reloadable(TlsFiles files) {
        return reloadable(TLS_CONF, files, files::withDir, TlsTables::load, TlsTables::version,
                "old certificates keep serving");
    }
}
