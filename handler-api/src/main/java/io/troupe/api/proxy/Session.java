package io.troupe.api.proxy;

import java.net.InetSocketAddress;

/** One client connection, as filters see it (BFE's {@code bfe_basic.Session}). */
public interface Session {

    /** A number unique within this node's lifetime. */
    long id();

    /** The client's address. */
    InetSocketAddress clientAddress();

    /** The address the client connected to (BFE's VIP and port). */
    InetSocketAddress localAddress();

    /** Whether the connection is TLS. */
    boolean isSecure();

    /** The TLS server name the client asked for, or {@code null}. */
    String serverName();

    /** The negotiated application protocol ({@code http/1.1}, {@code h2}), or {@code http/1.1} without TLS. */
    String protocol();

    /** Milliseconds since the epoch when the connection was accepted. */
    long startTimeMillis();

    /** A value a module stored on this connection, or {@code null}. */
    Object getContext(String key);

    /** Stores a value on this connection for later filters. */
    void setContext(String key, Object value);

    /**
     * Whether the client address is a trusted source (BFE's {@code Session.TrustSource()}, fed by its
     * trusted-IP dictionary); used by the {@code req_cip_trusted()} condition. Default: not trusted.
     */
    default boolean trustedSource() {
        return false;
    }

    /**
     * Marks the connection as coming from a trusted source (BFE's {@code Session.IsTrustIP}, set by
     * mod_trust_clientip at {@link CallbackPoint#ACCEPT}). Each request on a trusted connection takes its
     * {@linkplain Request#clientAddress() client address} from {@code X-Real-Ip} / {@code X-Forwarded-For}.
     */
    default void setTrustedSource(boolean trusted) {
        throw new UnsupportedOperationException("setTrustedSource");
    }

    /** Whether the client presented a certificate the TLS handshake verified. Default: no. */
    default boolean tlsClientAuth() {
        return false;
    }

    /** The name of the CA that verified the client certificate, or {@code null}. Default: {@code null}. */
    default String tlsClientCaName() {
        return null;
    }
}
