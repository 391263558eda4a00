package io.troupe.proxy.modules;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import com.typesafe.config.ConfigFactory;
import io.troupe.api.proxy.Module;
import io.troupe.module.web.WebHandlerRegistry;
import io.troupe.proxy.TestBackend;
import io.troupe.proxy.TestProxy;
import io.troupe.proxy.TestRouter;
import io.troupe.proxy.chain.ChainRegistry;
import io.troupe.proxy.chain.ChainsHolder;
import io.troupe.proxy.chain.ModuleFilters;
import io.troupe.proxy.forward.ClusterPolicy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * A real proxy on loopback with one built-in module, inited from a conf root, in front of a real backend.
 * The router names the product of host {@code h} {@code product-h}, so BFE's shipped {@code example_product}
 * is renamed to {@code product-example.org} when the shipped files are copied.
 */
final class BuiltinHarness implements AutoCloseable {
    static final String HOST = "example.org";
    final ActorTestKit kit;
    final TestBackend backend;
    final TestProxy proxy;
    final WebHandlerRegistry web = new WebHandlerRegistry();
    final Module module;

    BuiltinHarness(Module module, Path confRoot) throws Exception {
        this(module, confRoot, "");
    }

    BuiltinHarness(Module module, Path confRoot, String proxyHocon) throws Exception {
        this.module = module;
        kit = ActorTestKit.create(ConfigFactory.parseString("pekko.actor.serialize-messages = on"));
        backend = new TestBackend("b");
        ModuleFilters filters = new ModuleFilters(module.name());
        module.init(filters, web, confRoot);
        ChainsHolder chains = new ChainsHolder();
        ActorRef<ChainRegistry.Command> registry = kit.spawn(ChainRegistry.create(List.of(module.name()), chains));
        TestProbe<ChainRegistry.Reply> probe = kit.createTestProbe();
        registry.tell(new ChainRegistry.Register(filters, probe.getRef()));
        assertInstanceOf(ChainRegistry.Registered.class, probe.receiveMessage());
        proxy = new TestProxy(new TestRouter().cluster(HOST, ClusterPolicy.DEFAULT, backend.port())
                .cluster("other.org", ClusterPolicy.DEFAULT, backend.port())
                .cluster("127.0.0.1", ClusterPolicy.DEFAULT, backend.port()), proxyHocon, chains, confRoot);
    }

    int port() {
        return proxy.port();
    }

    /** Copies the repository's {@code conf/<module>} into {@code root}, renaming BFE's example product. */
    static Path copyShipped(String module, Path root) throws Exception {
        copyTree(Path.of("../conf", module), root.resolve(module), data -> data
                .replaceAll("\"example_product\"(\\s*):", "\"product-" + HOST + "\"$1:"));
        return root;
    }

    /** Copies the repository's whole {@code conf/} to {@code root/conf}, unchanged; returns that copy. */
    static Path copyConf(Path root) throws Exception {
        Path conf = root.resolve("conf");
        copyTree(Path.of("..", "conf").toAbsolutePath().normalize(), conf, null);
        return conf;
    }

    /** Copies {@code src} to {@code dst}; each {@code .data} file's text passes through {@code data} unless null. */
    private static void copyTree(Path src, Path dst, java.util.function.UnaryOperator<String> data) throws Exception {
        try (Stream<Path> files = Files.walk(src)) {
            for (Path p : files.toList()) {
                Path t = dst.resolve(src.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else if (data != null && p.toString().endsWith(".data")) {
                    Files.writeString(t, data.apply(Files.readString(p, StandardCharsets.UTF_8)));
                } else {
                    Files.copy(p, t);
                }
            }
        }
    }

    /** Waits for a condition with a deadline (events, not sleeps, decide the test). */
    static void await(BooleanSupplier cond, String what) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 5000;
        while (!cond.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(10);
        }
    }

    String monitor(String name) throws Exception {
        return web.monitor(name).orElseThrow().render(java.util.Map.of());
    }

    @Override
    public void close() throws Exception {
        proxy.close();
        backend.close();
        kit.shutdownTestKit();
        if (module instanceof AutoCloseable c) {
            c.close();
        }
    }
}
