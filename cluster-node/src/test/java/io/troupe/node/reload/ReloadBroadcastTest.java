package io.troupe.node.reload;

import static io.troupe.node.reload.ReloadCluster.json;
import static io.troupe.node.reload.ReloadCluster.name;
import static io.troupe.node.reload.ReloadCluster.rawGet;
import static io.troupe.node.reload.ReloadCluster.viaProxy;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import io.troupe.node.TestNodes;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /reload/<name>} on node 1 of a three-node proxy cluster reaches every node through the topic: routing
 * ({@code server_data_conf}) and mod_block's rules ({@code mod_block.product_rule_table}).
 */
@Tag("multinode")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReloadBroadcastTest {
    private static final Duration RELOAD_TIMEOUT = Duration.ofSeconds(3);

    @TempDir
    static Path conf;
    private static ReloadCluster cluster;
    private static final CountDownLatch releaseSlowNode = new CountDownLatch(1);

    @BeforeAll
    static void start() throws Exception {
        long started = System.nanoTime();
        cluster = new ReloadCluster(conf, RELOAD_TIMEOUT);
        System.out.println("three-node cluster ready in " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started) + " ms");
        for (int i = 1; i <= 3; i++) {
            boolean slow = i == 3;
            cluster.node(i).webHandlers().registerReload("slow_conf", params -> {
                if (slow && !releaseSlowNode.await(30, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("never released");
                }
                return "s1";
            });
        }
    }

    @AfterAll
    static void stop() throws Exception {
        releaseSlowNode.countDown();
        long started = System.nanoTime();
        cluster.close();
        System.out.println("three-node cluster stopped in " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started) + " ms");
    }

    @Test
    @Order(1)
    void aRoutingChangeReloadedOnNode1IsServedByNode3WithinOneSecond() throws Exception {
        assertEquals("A", viaProxy(cluster.node(3)).body());
        String version = cluster.route("cluster_b");

        JsonNode answer = json(TestNodes.get(cluster.node(1), "/reload/server_data_conf"));
        assertTrue(answer.get("error").isNull(), answer.toString());
        assertTrue(answer.get("version").asText().contains("route_rule=" + version), answer.toString());
        assertEquals(List.of(name(cluster.node(1)), name(cluster.node(2)), name(cluster.node(3))).stream().sorted()
                .toList(), nodeNames(answer));
        for (JsonNode node : answer.get("nodes")) {
            assertTrue(node.get("ok").asBoolean(), answer.toString());
            assertTrue(node.get("version").asText().contains("route_rule=" + version), answer.toString());
        }
        assertEquals(0, answer.get("no_answer").size(), answer.toString());

        long deadline = System.nanoTime() + Duration.ofSeconds(1).toNanos();
        String seen = viaProxy(cluster.node(3)).body();
        while (!seen.equals("B") && System.nanoTime() < deadline) {
            seen = viaProxy(cluster.node(3)).body();
        }
        assertEquals("B", seen, "node 3 still routes to the old cluster a second after the reload");
        assertEquals("B", viaProxy(cluster.node(2)).body());

        // module_status shows the new version on every node
        JsonNode status = json(TestNodes.get(cluster.node(2), "/monitor/module_status"));
        assertEquals(3, status.get("nodes").size(), status.toString());
        for (JsonNode node : status.get("nodes")) {
            assertTrue(node.get("versions").get("server_data_conf").asText().contains("route_rule=" + version),
                    status.toString());
            // one routing table: the other reload name reports the same combined version
            assertEquals(node.get("versions").get("server_data_conf").asText(),
                    node.get("versions").get("gslb_data_conf").asText(), status.toString());
        }
    }

    @Test
    @Order(2)
    void anInvalidFileIsRefusedByEveryNodeAndTheOldRoutingKeepsServing() throws Exception {
        String before = viaProxy(cluster.node(3)).body();
        cluster.invalidRoute();

        HttpResponse<String> response = TestNodes.get(cluster.node(1), "/reload/server_data_conf");
        JsonNode answer = json(response);
        String error = answer.get("error").asText();
        assertTrue(error.contains("route_rule.data") && error.contains("cluster_nowhere"), error);
        assertTrue(answer.get("version") == null, answer.toString());
        assertEquals(3, answer.get("nodes").size(), answer.toString());
        for (JsonNode node : answer.get("nodes")) {
            assertEquals(false, node.get("ok").asBoolean(), answer.toString());
            assertTrue(node.get("error").asText().contains("cluster_nowhere"), answer.toString());
        }
        for (int i = 1; i <= 3; i++) {
            assertEquals(before, viaProxy(cluster.node(i)).body(), "node " + i + " changed routing on a bad file");
        }
        cluster.route(before.equals("A") ? "cluster_a" : "cluster_b");
    }

    @Test
    @Order(3)
    void aBlockRuleReloadedOnNode1BlocksRequestsThroughNode3WithinOneSecond() throws Exception {
        assertEquals(200, rawGet(cluster.node(3), "/admin"));
        String version = cluster.blockPath("/admin");

        JsonNode answer = json(TestNodes.get(cluster.node(1), "/reload/mod_block.product_rule_table"));
        assertTrue(answer.get("error").isNull(), answer.toString());
        assertEquals(version, answer.get("version").asText(), answer.toString());
        assertEquals(3, answer.get("nodes").size(), answer.toString());

        long deadline = System.nanoTime() + Duration.ofSeconds(1).toNanos();
        int status = rawGet(cluster.node(3), "/admin");
        while (status != -1 && System.nanoTime() < deadline) {
            status = rawGet(cluster.node(3), "/admin");
        }
        assertEquals(-1, status, "node 3 still answers /admin a second after the reload");
        assertEquals(-1, rawGet(cluster.node(2), "/admin"));
        assertEquals(200, rawGet(cluster.node(3), "/page"));

        JsonNode status3 = json(TestNodes.get(cluster.node(3), "/monitor/module_status"));
        assertEquals("[\"mod_block\"]", status3.get("enabled").toString(), status3.toString());
        assertTrue(status3.get("available").toString().contains("\"mod_block\""), status3.toString());
        for (JsonNode node : status3.get("nodes")) {
            assertEquals(version, node.get("versions").get("mod_block.product_rule_table").asText(), status3.toString());
        }
    }

    @Test
    @Order(4)
    void anInvalidBlockRuleFileIsRefusedByEveryNodeAndBlockingContinuesUnderTheOldRules() throws Exception {
        cluster.invalidBlockRules();
        JsonNode answer = json(TestNodes.get(cluster.node(1), "/reload/mod_block.product_rule_table"));
        String error = answer.get("error").asText();
        assertTrue(error.contains("block_rules.data") && error.contains("Params"), error);
        assertEquals(3, answer.get("nodes").size(), answer.toString());
        for (JsonNode node : answer.get("nodes")) {
            assertEquals(false, node.get("ok").asBoolean(), answer.toString());
            assertTrue(node.get("error").asText().contains("block_rules.data"), answer.toString());
        }
        for (int i = 1; i <= 3; i++) {
            assertEquals(-1, rawGet(cluster.node(i), "/admin"), "node " + i + " stopped blocking /admin");
            assertEquals(200, rawGet(cluster.node(i), "/page"), "node " + i + " took the invalid rules");
        }
    }

    @Test
    @Order(5)
    void aNodeThatDoesNotAnswerInTimeIsNamed() {
        long started = System.nanoTime();
        JsonNode answer = json(TestNodes.get(cluster.node(1), "/reload/slow_conf"));
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        String silent = name(cluster.node(3));
        assertEquals("[\"" + silent + "\"]", answer.get("no_answer").toString(), answer.toString());
        assertTrue(answer.get("error").asText().contains("no answer within " + RELOAD_TIMEOUT.toMillis() + " ms from " + silent), answer.toString());
        assertEquals(List.of(name(cluster.node(1)), name(cluster.node(2))).stream().sorted().toList(),
                nodeNames(answer));
        assertTrue(tookMs >= RELOAD_TIMEOUT.toMillis() && tookMs < RELOAD_TIMEOUT.toMillis() + 3000,
                "answered after " + tookMs + " ms");
        releaseSlowNode.countDown();
    }

    @Test
    @Order(6)
    void gslbDataConfIsBroadcastAndANameNoNodeHasIsAnErrorFromEach() {
        JsonNode gslb = json(TestNodes.get(cluster.node(2), "/reload/gslb_data_conf"));
        assertTrue(gslb.get("error").isNull(), gslb.toString());
        assertEquals(3, gslb.get("nodes").size(), gslb.toString());

        JsonNode unknown = json(TestNodes.get(cluster.node(2), "/reload/mod_nothing.table"));
        assertTrue(unknown.get("error").asText().startsWith("handler not exist, type[reload], command[mod_nothing.table]"),
                unknown.toString());
        assertEquals(3, unknown.get("nodes").size(), unknown.toString());
    }

    @Test
    @Order(6)
    void moduleHandlersListsTheFiltersAtEveryCallbackPoint() {
        JsonNode handlers = json(TestNodes.get(cluster.node(3), "/monitor/module_handlers"));
        assertEquals(9, handlers.size(), handlers.toString());
        assertEquals("[\"mod_block\"]", handlers.get("0#HandleAccept").toString(), handlers.toString());
        assertEquals("[\"mod_block\"]", handlers.get("3#HandleFoundProduct").toString(), handlers.toString());
        assertEquals("[]", handlers.get("5#HandleForward").toString(), handlers.toString());
    }

    /**
     * 50 reloads, valid and invalid block_rules.data alternating, while wrk sends requests through node 3 for
     * 20 s: every valid reload is taken by every node, every invalid one refused by every node, no request
     * fails (wrk's path is never blocked), and after the last valid reload every node blocks by the new rules
     * and no node by the old ones.
     */
    @Test
    @Order(7)
    @Tag("load")
    void fiftyReloadsUnderFullLoad() throws Exception {
        Path wrk = findWrk();
        Process load = new ProcessBuilder(wrk.toString(), "-t1", "-c4", "-d20s", "--timeout", "10s",
                "http://localhost:" + cluster.node(3).proxy().orElseThrow().httpPort() + "/page")
                .redirectErrorStream(true).start();
        int reloads = 50;
        CountDownLatch done = new CountDownLatch(reloads);
        Queue<String> problems = new ConcurrentLinkedQueue<>();
        AtomicInteger next = new AtomicInteger();
        ScheduledExecutorService pacer = Executors.newSingleThreadScheduledExecutor();
        try {
            // spread over wrk's run, starting once wrk has had time to connect
            pacer.scheduleWithFixedDelay(() -> {
                int i = next.getAndIncrement();
                if (i >= reloads) {
                    return;
                }
                try {
                    reloadOnce(i, problems);
                } catch (Exception | AssertionError e) {
                    problems.add("reload " + i + ": " + e);
                } finally {
                    done.countDown();
                }
            }, 500, 300, TimeUnit.MILLISECONDS);
            assertTrue(done.await(60, TimeUnit.SECONDS), "the 50 reloads did not finish in 60 s");
        } finally {
            pacer.shutdownNow();
        }
        // the last valid reload (number 48) closes /x-48; the rules before it closed /x-46
        for (int i = 1; i <= 3; i++) {
            assertEquals(-1, rawGet(cluster.node(i), "/x-48"), "node " + i + " does not serve the last rules");
            assertEquals(200, rawGet(cluster.node(i), "/x-46"), "node " + i + " serves the old rules");
        }
        assertTrue(load.waitFor(60, TimeUnit.SECONDS), "wrk did not end");
        String report = new String(load.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        System.out.println("wrk through node 3 during 50 reloads:\n" + report);
        assertEquals(0, load.exitValue(), report);
        assertTrue(problems.isEmpty(), String.join("\n", problems));
        assertTrue(!report.contains("Non-2xx") && !report.contains("Socket errors"), "requests failed:\n" + report);
        java.util.regex.Matcher requests = java.util.regex.Pattern.compile("(\\d+) requests in").matcher(report);
        assertTrue(requests.find() && Long.parseLong(requests.group(1)) >= 100, "too little traffic:\n" + report);
    }

    /** Even numbers write valid rules closing {@code /x-<i>}, odd numbers invalid ones; sent to nodes in turn. */
    private static void reloadOnce(int i, Queue<String> problems) throws Exception {
        boolean valid = i % 2 == 0;
        String version = null;
        if (valid) {
            version = cluster.blockPath("/x-" + i);
        } else {
            cluster.invalidBlockRules();
        }
        JsonNode answer = json(TestNodes.get(cluster.node(1 + i % 3), "/reload/mod_block.product_rule_table"));
        if (answer.get("nodes").size() != 3 || answer.get("no_answer").size() != 0) {
            problems.add("reload " + i + " did not reach every node: " + answer);
        }
        for (JsonNode node : answer.get("nodes")) {
            boolean ok = node.get("ok").asBoolean();
            if (ok != valid || (valid && !node.get("version").asText().equals(version))) {
                problems.add("reload " + i + (valid ? " (valid)" : " (invalid)") + ": " + answer);
            }
        }
    }

    /** wrk from PATH; the CI script installs the Debian package. */
    private static Path findWrk() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            Path candidate = Path.of(dir, "wrk");
            if (java.nio.file.Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return fail("wrk is not on PATH: install the Debian package wrk (.ci/run does) to run this load test");
    }

    private static List<String> nodeNames(JsonNode answer) {
        List<String> names = new ArrayList<>();
        answer.get("nodes").forEach(n -> names.add(n.get("node").asText()));
        if (names.isEmpty()) {
            fail("no node answered: " + answer);
        }
        return names;
    }

}
