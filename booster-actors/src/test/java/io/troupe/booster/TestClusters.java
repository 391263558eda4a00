package io.troupe.booster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.troupe.booster.worker.SubWorkExecutor;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;

/** Configs for actor systems in tests: cluster on loopback port 0, every message serialized. */
public final class TestClusters {
    private TestClusters() {}

    /**
     * Worker config for tests whose "remote" command reads the test's own files by absolute path (one host plays
     * client and worker): the sandbox user and bubblewrap would hide them (docs/security.md).
     */
    public static final String HOST_FILES = "troupe.worker.sandbox { user = root, allow-root = true, bubblewrap = off }";

    /** A cluster node config with role {@code role}; workers keep sandboxes under {@code sandboxRoot}. */
    public static Config node(String role, Path sandboxRoot, List<String> allowlist, String extra) {
        String allow = allowlist.stream().map(a -> "\"" + a + "\"").collect(Collectors.joining(", "));
        return ConfigFactory.parseString(String.join("\n",
                        "pekko.actor.provider = cluster",
                        "pekko.remote.artery.canonical.hostname = 127.0.0.1",
                        "pekko.remote.artery.canonical.port = 0",
                        "pekko.actor.serialize-messages = on",
                        // gateway messages never leave the booster process (booster-exec talks to it over a socket)
                        "pekko.actor.no-serialization-verification-needed-class-prefix = [\"org.apache.pekko.\", \"io.troupe.booster.gateway.\"]",
                        // node: the split-brain resolver's counting role, as cluster nodes have (BoosterRun.SBR_ROLE)
                        "pekko.cluster.roles = [" + role + (role.equals("booster") ? "" : ", node") + "]",
                        "pekko.cluster.split-brain-resolver.keep-majority.role = node",
                        "pekko.cluster.jmx.multi-mbeans-in-same-jvm = on",
                        "pekko.loglevel = WARNING",
                        "pekko.stdout-loglevel = OFF",
                        "pekko.loggers = [\"org.apache.pekko.event.slf4j.Slf4jLogger\"]",
                        "pekko.coordinated-shutdown.run-by-jvm-shutdown-hook = off",
                        "troupe.worker.sandbox-root = \"" + sandboxRoot + "\"",
                        "troupe.worker.allowlist = [" + allow + "]",
                        extra))
                .withFallback(ConfigFactory.load())
                .resolve();
    }

    /** A test node and the SubWorkExecutor named "worker" on it. */
    public record WorkerNode(ActorTestKit kit, ActorRef<SubWorkExecutor.Command> worker) {}

    /**
     * A booster node that is its own worker: a one-node cluster (role booster, sandboxes under {@code sandboxRoot})
     * whose receptionist lists its SubWorkExecutor when this returns.
     */
    public static WorkerNode selfWorker(Path sandboxRoot, List<String> allowlist, String extra) {
        ActorTestKit kit = ActorTestKit.create("troupe", node("booster", sandboxRoot, allowlist, extra));
        joinSelf(kit);
        WorkerNode node = spawnWorker(kit);
        awaitWorkers(kit, 1, Duration.ofSeconds(20));
        return node;
    }

    /** A worker node (role worker) joined to no cluster, for tests that tell its SubWorkExecutor directly. */
    public static WorkerNode worker(Path sandboxRoot, List<String> allowlist, String extra) {
        return worker(node("worker", sandboxRoot, allowlist, extra));
    }

    /** A node with {@code config}, joined to no cluster, and its SubWorkExecutor. */
    public static WorkerNode worker(Config config) {
        return spawnWorker(ActorTestKit.create("troupe", config));
    }

    private static WorkerNode spawnWorker(ActorTestKit kit) {
        return new WorkerNode(kit, kit.spawn(SubWorkExecutor.create(), "worker"));
    }

    /** Has the node join itself: a one-node cluster. */
    public static void joinSelf(ActorTestKit kit) {
        Cluster cluster = Cluster.get(kit.system());
        cluster.manager().tell(Join.create(cluster.selfMember().address()));
    }

    /** Waits until the receptionist of {@code kit}'s node lists {@code count} sub-work executors. */
    public static void awaitWorkers(ActorTestKit kit, int count, Duration within) {
        TestProbe<Receptionist.Listing> listing = kit.createTestProbe();
        listing.awaitAssert(within, () -> {
            kit.system().receptionist().tell(Receptionist.find(SubWorkExecutor.KEY, listing.getRef()));
            assertEquals(count, listing.receiveMessage().getServiceInstances(SubWorkExecutor.KEY).size());
            return null;
        });
    }
}
