package io.troupe.proxy.tls;

/**
 * The current {@link TlsTables}, read by every TLS handshake without an ask or a lock. Only
 * {@link TlsConfActor} replaces it, a whole snapshot at a time.
 */
public final class TlsHolder {
    private volatile TlsTables tables;

    public TlsHolder(TlsTables initial) {
        this.tables = initial;
    }

    public TlsTables get() {
        return tables;
    }

    void set(TlsTables next) {
        this.tables = next;
    }
}
