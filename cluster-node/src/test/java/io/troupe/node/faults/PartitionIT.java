package io.troupe.node.faults;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.troupe.node.TestNodes;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A network partition in the middle of a 200-sub-work work: one worker runs in its own network namespace,
 * joined to this host by a veth pair, and the link is cut (the host end set down: packets vanish, no reset).
 * The booster and the other worker (the seed) stay on the host side; the work must complete there or locally
 * with every result right. Needs root and {@code ip netns} (iproute2); skipped with the reason otherwise.
 */
@Tag("process")
class PartitionIT {
    private static final int SUB_WORKS = 200;

    @TempDir
    Path tmp;
    private FaultCluster cluster;
    private String namespace;
    private String hostEnd;

    @AfterEach
    void stop() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
        if (namespace != null) {
            DiskFullIT.run("ip", "netns", "del", namespace); // takes its veth end, and so the pair, with it
            DiskFullIT.run("ip", "link", "del", hostEnd);
        }
    }

    @Test
    void aWorkCompletesWhenItsWorkerIsCutOff() throws Exception {
        int net = ThreadLocalRandom.current().nextInt(1, 250);
        String hostIp = "10.213." + net + ".1";
        String workerIp = "10.213." + net + ".2";
        makeNamespace(net, hostIp, workerIp);
        cluster = new FaultCluster(tmp);
        // the seed has the lower address: it wins keep-majority's 1:1 tie once the other is cut off
        FaultCluster.Node seed = cluster.startWorker("seed", hostIp, TestNodes.freePort(), List.of(), null);
        FaultCluster.Node isolated = cluster.startWorker("isolated", workerIp, TestNodes.freePort(),
                List.of(seed.seed()), null, "ip", "netns", "exec", namespace);
        cluster.awaitMembers(seed, 2, FaultCluster.NODE_START);

        FaultCluster.Work work = cluster.startWork("cut", List.of(seed.seed()), SUB_WORKS, 0.2, Map.of(
                "TROUPE_BOOSTER_JAVA_OPTS", "-Dtroupe.booster.hostname=" + hostIp));
        cluster.await("sub-works running on the worker in the namespace", Duration.ofSeconds(60),
                () -> cluster.startedOn(isolated).size() >= 8 || !work.process.isAlive());
        assertTrue(work.process.isAlive(), "the work ended before the isolated worker ran anything" + work.describe());
        String cut = DiskFullIT.run("ip", "link", "set", hostEnd, "down");
        assertTrue(cut.isEmpty(), "could not cut the link: " + cut);
        cluster.step("link to the worker in " + namespace + " cut");

        JsonNode stats = work.finish();
        work.assertAllRight(stats);
        System.out.println("[PartitionIT] " + cluster.startedOn(isolated).size() + " runs started behind the cut link;"
                + " summary " + stats.get("work").get("summary"));
        assertTrue(seed.process().isAlive(), "the seed must survive the partition" + cluster.logs());
    }

    /** A namespace with one end of a veth pair (workerIp), the other end (hostIp) here; else skipped. */
    private void makeNamespace(int net, String hostIp, String workerIp) throws Exception {
        String uid = DiskFullIT.run("id", "-u").trim();
        assumeTrue("0".equals(uid), () -> skip("not root (uid " + uid + "): cannot make a network namespace"));
        String name = "trpf" + ProcessHandle.current().pid() % 100000 + "n" + net;
        String added = DiskFullIT.run("ip", "netns", "add", name);
        assumeTrue(added.isEmpty(), () -> skip("ip netns add failed: " + added));
        namespace = name;
        hostEnd = "trh" + net + "p" + ProcessHandle.current().pid() % 10000;
        String workerEnd = "trw" + net + "p" + ProcessHandle.current().pid() % 10000;
        List<String[]> steps = List.of(
                new String[] {"ip", "link", "add", hostEnd, "type", "veth", "peer", "name", workerEnd},
                new String[] {"ip", "link", "set", workerEnd, "netns", name},
                new String[] {"ip", "addr", "add", hostIp + "/30", "dev", hostEnd},
                new String[] {"ip", "link", "set", hostEnd, "up"},
                new String[] {"ip", "netns", "exec", name, "ip", "addr", "add", workerIp + "/30", "dev", workerEnd},
                new String[] {"ip", "netns", "exec", name, "ip", "link", "set", workerEnd, "up"},
                new String[] {"ip", "netns", "exec", name, "ip", "link", "set", "lo", "up"});
        for (String[] step : steps) {
            String error = DiskFullIT.run(step);
            assumeTrue(error.isEmpty(), () -> skip("setting up the veth pair failed: " + error));
        }
    }

    private static String skip(String reason) {
        System.out.println("[PartitionIT] skipped: " + reason);
        return reason;
    }
}
