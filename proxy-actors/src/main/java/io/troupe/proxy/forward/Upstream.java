package io.troupe.proxy.forward;

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

    public Upstream(String host, int port, Object key) {
        this.host = Objects.requireNonNull(host, "host");
        this.port = port;
        this.key = key;
        this.address = host + ":" + port;
    }

    public String host() { return host; }
    public int port() { return port; }
    /** Routing's backend object, or {@code null}. */
    public Object key() { return key; }
    /** {@code host:port}. */
    public String address() { return address; }

    @Override
    public boolean equals(Object o) {
        return o instanceof Upstream u && u.port == port && u.host.equals(host);
    }

    @Override
    public int hashCode() { return host.hashCode() * 31 + port; }

    @Override
    public String toString() { return address; }
}
