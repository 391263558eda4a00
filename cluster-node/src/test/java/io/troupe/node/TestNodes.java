package io.troupe.node;

import static org.junit.jupiter.api.Assertions.fail;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.typed.Cluster;

/** Starts real nodes on loopback with free ports for tests and stops them all at the end. */
public final class TestNodes implements AutoCloseable {
    public static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** The repository's conf/ (what bin/cluster-node reads when run from a checkout). */
    public static final Path REPO_CONF = Path.of(System.getProperty("troupe.repo", "..")).resolve("conf")
            .toAbsolutePath().normalize();

    private final List<TroupeNode> started = new ArrayList<>();

    /** A node with no roles unless {@code overrides} says otherwise; ports are picked by the OS. */
    public TroupeNode start(Map<String, Object> overrides) {
        return start(overrides, REPO_CONF);
    }

    /** As {@link #start(Map)}, reading role files (the proxy's routing) from {@code confDir}. */
    public TroupeNode start(Map<String, Object> overrides, Path confDir) {
        Map<String, Object> config = new HashMap<>();
        config.put("troupe.node.roles", List.of());
        config.put("troupe.node.port", 0);
        config.put("troupe.admin.port", 0);
        config.put("pekko.actor.serialize-messages", "on");
        config.put("pekko.loglevel", "WARNING");
        config.put("kamon.metric.tick-interval", "200ms");
        config.put("pekko.coordinated-shutdown.run-by-jvm-shutdown-hook", "off");
        config.put("pekko.cluster.jmx.multi-mbeans-in-same-jvm", "on");
        config.putAll(overrides);
        TroupeNode node = TroupeNode.start(NodeConfig.withOverrides(config), confDir);
        started.add(node);
        return node;
    }

    public static String clusterHostPort(TroupeNode node) {
        var address = node.system().address();
        return address.getHost().get() + ":" + address.getPort().get();
    }

    public static URI admin(TroupeNode node, String path) {
        return URI.create("http://127.0.0.1:" + node.adminAddress().getPort() + path);
    }

    public static HttpResponse<String> get(TroupeNode node, String path) {
        return send(HttpRequest.newBuilder(admin(node, path)).GET().timeout(Duration.ofSeconds(10)).build());
    }

    public static HttpResponse<String> send(HttpRequest request) {
        try {
            return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException | InterruptedException e) {
            throw new AssertionError("request " + request.uri() + " failed: " + e, e);
        }
    }

    /** Polls {@code path} until {@code ok} holds for the response (or fails after {@code timeout}). */
    public static HttpResponse<String> awaitGet(TroupeNode node, String path, Duration timeout,
                                                Predicate<HttpResponse<String>> ok) {
        long deadline = System.nanoTime() + timeout.toNanos();
        HttpResponse<String> last = null;
        while (System.nanoTime() < deadline) {
            last = get(node, path);
            if (ok.test(last)) {
                return last;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        fail("GET " + path + " never matched within " + timeout + "; last answer " + (last == null ? "none"
                : last.statusCode() + " " + last.body()));
        return last;
    }

    /** A condition {@link #await} polls; it may throw (a request that failed), which fails the test. */
    @FunctionalInterface
    public interface Condition {
        boolean holds() throws Exception;
    }

    /** Polls {@code condition} until it holds; fails with {@code what} after {@code timeout}. */
    public static void await(String what, Duration timeout, Condition condition) throws Exception {
        await(what, timeout, condition, () -> "");
    }

    /** As above; the failure ends with {@code detail}'s text (the nodes' logs). */
    public static void await(String what, Duration timeout, Condition condition, Supplier<String> detail)
            throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.holds()) {
            if (System.nanoTime() > deadline) {
                fail("timed out after " + timeout.toSeconds() + " s waiting for " + what + detail.get());
            }
            Thread.sleep(50);
        }
    }

    /** The members {@code node} knows of, any status. */
    public static Stream<Member> members(TroupeNode node) {
        return StreamSupport.stream(Cluster.get(node.system()).state().getMembers().spliterator(), false);
    }

    /**
     * An ActorSystem that joins {@code seed} as a booster does (role booster, port 0), {@code settings} (HOCON)
     * over those; the caller terminates it.
     */
    public static ActorSystem<Void> booster(String seed, String settings) {
        Config config = ConfigFactory.parseString("""
                pekko.actor.provider = cluster
                pekko.remote.artery.canonical.hostname = "127.0.0.1"
                pekko.remote.artery.canonical.port = 0
                pekko.cluster.roles = [booster]
                pekko.cluster.seed-nodes = ["pekko://troupe@%s"]
                pekko.cluster.jmx.multi-mbeans-in-same-jvm = on
                pekko.coordinated-shutdown.run-by-jvm-shutdown-hook = off
                pekko.coordinated-shutdown.exit-jvm = off
                pekko.fail-mixed-versions = off
                pekko.loglevel = WARNING
                pekko.actor.serialize-messages = on
                """.formatted(seed) + settings).withFallback(NodeConfig.withOverrides(Map.of()));
        return ActorSystem.create(Behaviors.empty(), "troupe", config);
    }

    /** A port that was free a moment ago on loopback (for processes that must be told their port). */
    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    @Override
    public void close() throws Exception {
        for (TroupeNode node : started) {
            node.system().terminate();
        }
        for (TroupeNode node : started) {
            node.system().getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }
}
