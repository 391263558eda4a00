package io.troupe.proxy.modules;

import com.typesafe.config.ConfigFactory;
import io.troupe.api.proxy.Module;
import io.troupe.api.proxy.Request;
import io.troupe.api.proxy.WebHandlers;
import io.troupe.proxy.TestProxy;
import io.troupe.proxy.chain.ChainRegistry;
import io.troupe.proxy.chain.ChainsHolder;
import io.troupe.proxy.chain.ModuleFilters;
import io.troupe.proxy.forward.ClusterPolicy;
import io.troupe.proxy.forward.Router;
import io.troupe.proxy.forward.Upstream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * A real proxy on loopback with real modules in front of an {@link EchoBackend}: every request belongs to
 * product {@code example_product} (the product of BFE's example data files), one cluster, one backend.
 * Reload and monitor handlers the modules register are kept in {@link #reloads} and {@link #monitors}.
 */
public final class ModuleHarness implements AutoCloseable {
    public final ActorTestKit kit = ActorTestKit.create(ConfigFactory.parseString("pekko.actor.serialize-messages = on"));
    public final EchoBackend backend;
    public final TestProxy proxy;
    public final Map<String, WebHandlers.ReloadHandler> reloads = new ConcurrentHashMap<>();
    public final Map<String, WebHandlers.MonitorHandler> monitors = new ConcurrentHashMap<>();
    private final ActorRef<ChainRegistry.Command> registry;
    private final ChainsHolder chains = new ChainsHolder();

    public ModuleHarness(List<String> order) throws Exception {
        backend = new EchoBackend();
        registry = kit.spawn(ChainRegistry.create(order, chains));
        proxy = new TestProxy(new OneCluster(backend.port()), "", chains, null);
    }

    /** Inits a module against {@code confRoot} and publishes its filters. */
    public ModuleHarness load(Module m, Path confRoot) throws Exception {
        ModuleFilters f = new ModuleFilters(m.name());
        m.init(f, web(), confRoot);
        return register(f);
    }

    /** Publishes hand-written filters. */
    public ModuleHarness register(ModuleFilters f) {
        TestProbe<ChainRegistry.Reply> probe = kit.createTestProbe();
        registry.tell(new ChainRegistry.Register(f, probe.getRef()));
        if (!(probe.receiveMessage() instanceof ChainRegistry.Registered)) {
            throw new IllegalStateException("module " + f.module() + " was not registered");
        }
        return this;
    }

    public WebHandlers web() {
        return new WebHandlers() {
            @Override
            public void registerMonitor(String name, MonitorHandler handler) {
                monitors.put(name, handler);
            }

            @Override
            public void registerReload(String name, ReloadHandler handler) {
                reloads.put(name, handler);
            }
        };
    }

    public int port() {
        return proxy.port();
    }

    @Override
    public void close() {
        proxy.close();
        backend.close();
        kit.shutdownTestKit();
    }

    /** Every host → product example_product → cluster example_cluster → the one backend. */
    private static final class OneCluster implements Router {
        private final Upstream upstream;
        private final ClusterTarget target;

        OneCluster(int port) {
            upstream = new Upstream("127.0.0.1", port, null);
            target = new ClusterTarget() {
                @Override
                public ClusterPolicy policy() {
                    return ClusterPolicy.DEFAULT;
                }

                @Override
                public Upstream pick(Request r, Set<Upstream> exclude) {
                    return exclude.contains(upstream) ? null : upstream;
                }
            };
        }

        @Override
        public Routed route(Request request) {
            return new Routed("example_product", "example_cluster", null, target);
        }

        @Override
        public void reportSuccess(Upstream u) {}

        @Override
        public void reportFailure(Upstream u) {}
    }
}
