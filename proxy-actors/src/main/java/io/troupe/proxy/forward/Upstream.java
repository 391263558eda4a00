package io.troupe.proxy.forward;

import io.troupe.proxy.tls.BackendTls;
import java.util.Objects;

/**
 * One backend instance as the forwarder sees it. {@code key} is routing's own backend object, handed back
 * on health reports; equality is by host and port so exclude sets work across snapshots.
 */
public final class Upstream {
    private final String host;
    private final int port;
    private final Object key;
    private final String address;
    private final BackendTls tls;
    private final boolean h2c;

    public Upstream(String host, int port, Object key) {
        this(host, port, key, null, false);
    }

    /**
     * With {@code tls}, connections to this instance speak TLS (cluster Protocol https); with {@code h2c},
     * HTTP/2 over cleartext (Protocol h2c), one connection per event loop carrying a stream per request.
     */
    public Upstream(String host, int port, Object key, BackendTls tls, boolean h2c) {
        this.host = Objects.requireNonNull(host, "host");
        this.port = port;
        this.key = key;
        this.address = host + ":" + port;
        this.tls = tls;
        this.h2c = h2c;
    }

    /** Whether requests go as HTTP/2 streams over cleartext. */
    public boolean h2c() { return h2c; }

    /** The cluster's TLS settings, or {@code null} for plain HTTP. */
    public BackendTls tls() { return tls; }

    public String host() { return host; }
    public int port() { return port; }
    /** Routing's backend object, or {@code null}. */
    public Object key() { return key; }
    /** {@code host:port}. */
    public String address() { return address; }

    @Override
    public boolean equals(Object o) {
        // TLS settings are part of the identity: a pooled plain connection must not serve an https cluster
        return o instanceof Upstream u && u.port == port && u.host.equals(host) && u.tls == tls && u.h2c == h2c;
    }

    @Override
    public int hashCode() { return host.hashCode() * 31 + port; }

    @Override
    public String toString() { return address; }
}
