package io.troupe.node;

import static io.troupe.node.TestNodes.awaitGet;
import static io.troupe.node.TestNodes.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.ServerSocket;
import java.time.Duration;
import io.troupe.booster.worker.SubWorkExecutor;
import java.util.List;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Two nodes in one JVM joined over Artery on loopback, seen through the admin API. */
@Tag("multinode")
class ClusterMembershipTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void membersShowsBothNodesWithRolesAndALeavingNodeDisappears() throws Exception {
        try (TestNodes nodes = new TestNodes()) {
            TroupeNode seed = nodes.start(Map.of());
            TroupeNode worker = nodes.start(Map.of(
                    "troupe.node.roles", List.of("worker"),
                    "troupe.node.seeds", List.of(TestNodes.clusterHostPort(seed))));

            awaitGet(worker, "/health/ready", WAIT, r -> r.statusCode() == 200);
            JsonNode members = JSON.readTree(awaitGet(seed, "/cluster/members", WAIT,
                    r -> r.body().split("\"Up\"", -1).length == 3).body());
            assertEquals(2, members.size());
            for (JsonNode member : members) {
                assertEquals("reachable", member.get("reachability").asText());
                boolean isWorker = member.get("address").asText().equals(worker.system().address().toString());
                assertEquals(isWorker ? "[\"worker\"]" : "[]", member.get("roles").toString());
                assertEquals(!isWorker, member.get("self").asBoolean());
            }

            // The worker role registered a SubWorkExecutor that the other node finds through the Receptionist.
            assertEquals(worker.system().address(), awaitWorkerListing(seed).path().address());

            // Graceful leave (what SIGTERM triggers in bin/cluster-node): the process would exit 0.
            worker.shutdown(new TroupeNode.SignalReason("SIGTERM"));
            int exitCode = CompletableFuture.supplyAsync(worker::awaitExitCode).get(30, TimeUnit.SECONDS);
            assertEquals(0, exitCode);
            awaitGet(seed, "/cluster/members", WAIT, r -> {
                try {
                    return JSON.readTree(r.body()).size() == 1;
                } catch (java.io.IOException e) {
                    throw new AssertionError(e);
                }
            });
        }
    }

    private static ActorRef<SubWorkExecutor.Command> awaitWorkerListing(TroupeNode node) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            Receptionist.Listing listing = AskPattern.<Receptionist.Command, Receptionist.Listing>ask(
                            node.system().receptionist(),
                            replyTo -> Receptionist.find(SubWorkExecutor.KEY, replyTo),
                            Duration.ofSeconds(5), node.system().scheduler())
                    .toCompletableFuture().get(10, TimeUnit.SECONDS);
            Set<ActorRef<SubWorkExecutor.Command>> workers = listing.getServiceInstances(SubWorkExecutor.KEY);
            if (!workers.isEmpty()) {
                assertEquals(1, workers.size());
                return workers.iterator().next();
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no SubWorkExecutor registered within " + WAIT);
    }

    @Test
    void aStoppingNodeIsNotReadyFromTheShutdownsFirstStep() throws Exception {
        try (TestNodes nodes = new TestNodes()) {
            TroupeNode node = nodes.start(Map.of());
            awaitGet(node, "/health/ready", WAIT, r -> r.statusCode() == 200);
            var classic = org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(node.system());
            // hold the shutdown in its first phase, where the proxy closes its listeners while the member is Up
            CompletableFuture<org.apache.pekko.Done> hold = new CompletableFuture<>();
            org.apache.pekko.actor.CoordinatedShutdown.get(classic).addTask(
                    org.apache.pekko.actor.CoordinatedShutdown.PhaseBeforeServiceUnbind(), "test-hold", () -> hold);
            node.shutdown(new TroupeNode.SignalReason("SIGTERM"));
            try {
                var ready = awaitGet(node, "/health/ready", WAIT, r -> r.statusCode() == 503);
                assertEquals("not ready: the node is stopping\n", ready.body());
                assertEquals("Up", JSON.readTree(get(node, "/cluster/members").body()).get(0).get("status").asText(),
                        "still Up: only the shutdown says it is going");
                assertEquals(false, new MemberUpReadiness(classic).get().toCompletableFuture().get(), "/ready as well");
            } finally {
                hold.complete(org.apache.pekko.Done.getInstance());
            }
        }
    }

    @Test
    void aNodeThatCannotReachItsSeedIsAliveButNotReady() throws Exception {
        int unusedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            unusedPort = socket.getLocalPort();
        }
        try (TestNodes nodes = new TestNodes()) {
            TroupeNode lonely = nodes.start(Map.of("troupe.node.seeds", List.of("127.0.0.1:" + unusedPort)));
            assertEquals(200, get(lonely, "/health/alive").statusCode());
            var ready = get(lonely, "/health/ready");
            assertEquals(503, ready.statusCode());
            assertTrue(ready.body().startsWith("not ready: member is "), ready.body());
            assertEquals(0, JSON.readTree(get(lonely, "/cluster/members").body()).size());
        }
    }
}
