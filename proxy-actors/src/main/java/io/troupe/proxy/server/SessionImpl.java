package io.troupe.proxy.server;

import io.netty.util.AttributeKey;
import io.troupe.api.proxy.Session;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/** A client connection as filters see it; lives on the connection's event loop. */
public final class SessionImpl implements Session {
    /** Where the connection's session is kept, so HTTP/2 stream channels find their parent's. */
    public static final AttributeKey<SessionImpl> KEY = AttributeKey.valueOf("troupe.session");
    private static final AtomicLong IDS = new AtomicLong();

    private final long id = IDS.incrementAndGet();
    private final InetSocketAddress client;
    private final InetSocketAddress local;
    private final boolean secure;
    private final long start = System.currentTimeMillis();
    private volatile String serverName;
    private volatile String protocol = "http/1.1";
    private Map<String, Object> context;
    private volatile boolean trusted;
    private volatile String clientCaName;

    SessionImpl(InetSocketAddress client, InetSocketAddress local, boolean secure) {
        this.client = client;
        this.local = local;
        this.secure = secure;
    }

    @Override public long id() { return id; }
    @Override public InetSocketAddress clientAddress() { return client; }
    @Override public InetSocketAddress localAddress() { return local; }
    @Override public boolean isSecure() { return secure; }
    @Override public String serverName() { return serverName; }
    @Override public String protocol() { return protocol; }
    @Override public long startTimeMillis() { return start; }

    @Override public boolean trustedSource() { return trusted; }
    @Override public void setTrustedSource(boolean trusted) { this.trusted = trusted; }

    @Override public boolean tlsClientAuth() { return clientCaName != null; }
    @Override public String tlsClientCaName() { return clientCaName; }

    void serverName(String name) { this.serverName = name; }
    /** The handshake verified a client certificate against the rule's ClientCAName. */
    void clientAuthenticated(String caName) { this.clientCaName = caName; }
    void protocol(String p) { this.protocol = p; }

    // the context map is only touched on the connection's event loop (HTTP/2 streams share it), so no lock
    @Override
    public Object getContext(String key) {
        return context == null ? null : context.get(key);
    }

    @Override
    public void setContext(String key, Object value) {
        if (context == null) {
            context = new HashMap<>();
        }
        context.put(key, value);
    }
}
