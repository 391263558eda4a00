package io.troupe.proxy;

import com.typesafe.config.ConfigFactory;
import io.troupe.proxy.chain.ChainsHolder;
import io.troupe.proxy.forward.Router;
import io.troupe.proxy.monitor.ProxyStats;
import io.troupe.proxy.server.ProxyServer;
import java.nio.file.Path;

/** A proxy on loopback port 0 for tests, with extra {@code troupe.proxy} settings in HOCON. */
public final class TestProxy implements AutoCloseable {
    public final ProxyServer server;
    public final ProxyStats stats = new ProxyStats();
    public final ChainsHolder chains;

    public TestProxy(Router router, String hocon) throws Exception {
        this(router, hocon, new ChainsHolder(), null);
    }

    public TestProxy(Router router, String hocon, ChainsHolder chains, Path confRoot) throws Exception {
        this.chains = chains;
        ProxySettings s = ProxySettings.from(ConfigFactory.parseString(
                "troupe.proxy { bind = 127.0.0.1, http-port = 0, https-port = -1, event-loops = 2 }\n"
                        + "troupe.proxy { " + hocon + " }").withFallback(ConfigFactory.defaultReference()).resolve(), confRoot);
        server = ProxyServer.start(s, chains, router, stats);
    }

    public int port() {
        return server.httpPort();
    }

    @Override
    public void close() {
        server.stop(1000);
    }
}
