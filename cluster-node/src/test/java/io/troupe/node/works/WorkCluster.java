package io.troupe.node.works;

import static io.troupe.node.TestNodes.awaitGet;

import io.troupe.booster.gateway.ExecutorGateway;
import io.troupe.booster.handler.EchoHandler;
import io.troupe.booster.client.WorkActor;
import io.troupe.booster.client.WorkSettings;
import io.troupe.node.TestNodes;
import io.troupe.node.TroupeNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Props;

/**
 * Two worker nodes joined in one JVM, and a work (the echo handler, sub-works sent directly) whose booster runs
 * inside the first node's actor system: it reports to both nodes' registries like a booster process would.
 */
final class WorkCluster implements AutoCloseable {
    static final Duration WAIT = Duration.ofSeconds(30);
    static final Map<String, String> ENV = Map.of("PATH", System.getenv("PATH"));
    /** A --force_local_list key of the work: a sub-work whose command line holds it runs on the booster's side. */
    static final String FORCE_LOCAL_KEY = "conftest";

    final TestNodes nodes = new TestNodes();
    final TroupeNode first;
    final TroupeNode second;
    final Path dir;
    private ActorRef<WorkActor.Command> work;
    private TestProbe<WorkActor.Event> events;
    final String buildId;

    WorkCluster(String buildId) throws Exception {
        this(buildId, "");
    }

    /** @param secondAdminToken {@code troupe.admin.token} of the second node (empty: none) */
    WorkCluster(String buildId, String secondAdminToken) throws Exception {
        this.buildId = buildId;
        this.dir = Files.createTempDirectory("troupe-works-test-");
        first = nodes.start(Map.of("troupe.node.roles", List.of("worker"),
                "troupe.worker.sandbox-root", dir.resolve("sandboxes-1").toString(),
                "troupe.worker.slots", 2, "troupe.worker.allowlist", List.of("sh", "sleep")));
        second = nodes.start(Map.of("troupe.node.roles", List.of("worker"),
                "troupe.worker.sandbox-root", dir.resolve("sandboxes-2").toString(),
                "troupe.worker.slots", 2, "troupe.worker.allowlist", List.of("sh", "sleep"),
                "troupe.admin.token", secondAdminToken,
                "troupe.node.seeds", List.of(TestNodes.clusterHostPort(first))));
        awaitGet(first, "/cluster/members", WAIT, r -> r.body().split("\"Up\"", -1).length == 3);
        awaitGet(first, "/workers", WAIT, r -> r.body().split("\"slots\"", -1).length == 3);
    }

    /** Starts the work; returns once its workers are found and it takes sub-works. */
    void startWork() {
        events = TestProbe.create(first.system());
        Map<String, String> env = new java.util.HashMap<>(ENV);
        env.put(io.troupe.booster.exec.BoosterExec.FORCE_LOCAL_KEYS_ENV, FORCE_LOCAL_KEY); // as BoosterCli sets it
        WorkSettings settings = new WorkSettings("echo", "demo", buildId, null, false, null, false, false, 0, 2, 0,
                20, List.of(), dir, env, null);
        work = first.system().systemActorOf(WorkActor.create(settings, new EchoHandler(), WorkActor.Launch.EXTERNAL,
                events.getRef()), "work-" + buildId, Props.empty());
        events.expectMessageClass(WorkActor.Ready.class, WAIT);
    }

    /** Sends one sub-work running {@code argv} on a worker; the probe gets its reply. */
    TestProbe<ExecutorGateway.SubWorkReply> subWork(List<String> argv) {
        TestProbe<ExecutorGateway.SubWorkReply> reply = TestProbe.create(first.system());
        work.tell(new WorkActor.SubWork(new ExecutorGateway.SubWorkArrived(argv, dir.toString(), ENV, reply.getRef())));
        return reply;
    }

    /** Runs {@code count} short sub-works one after another and waits for each reply. */
    void runShort(int count) {
        for (int i = 0; i < count; i++) {
            ExecutorGateway.SubWorkReply reply = subWork(List.of("sh", "-c", "sleep 0.1; echo " + i))
                    .expectMessageClass(ExecutorGateway.SubWorkReply.class, WAIT);
            if (reply.exitCode() != 0) {
                throw new AssertionError("sub-work " + i + " failed: " + new String(reply.stderr()));
            }
        }
    }

    /** Tells the work its command exited and waits for its end. */
    WorkActor.Summary finish() {
        work.tell(new WorkActor.WorkCommandExited(0));
        return events.expectMessageClass(WorkActor.Finished.class, WAIT).summary();
    }

    @Override
    public void close() throws Exception {
        nodes.close();
    }
}
