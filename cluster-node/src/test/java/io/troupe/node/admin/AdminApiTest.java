package io.troupe.node.admin;

import static io.troupe.node.TestNodes.awaitGet;
import static io.troupe.node.TestNodes.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.troupe.node.TestNodes;
import io.troupe.node.TroupeNode;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The admin API of one real single-node cluster, called over HTTP. */
class AdminApiTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static TestNodes nodes;
    private static TroupeNode node;
    private static final AtomicReference<String> monitorThread = new AtomicReference<>();

    @BeforeAll
    static void startNode() {
        nodes = new TestNodes();
        node = nodes.start(Map.of());
        node.webHandlers().registerMonitor("demo_state", params -> {
            monitorThread.set(Thread.currentThread().getName());
            if (params.containsKey("fail")) {
                throw new IllegalStateException("counter store unavailable");
            }
            String format = params.getOrDefault("format", List.of("json")).get(0);
            return "kv".equals(format) ? "requests: 3\n" : "{\"requests\":3}";
        });
        node.webHandlers().registerReload("demo_conf", params -> {
            if (params.containsKey("path")) {
                throw new IllegalArgumentException(params.get("path").get(0) + ": field Version is missing\nline 2");
            }
            return "v42";
        });
        awaitGet(node, "/health/ready", WAIT, r -> r.statusCode() == 200);
    }

    @AfterAll
    static void stopNode() throws Exception {
        nodes.close();
    }

    @Test
    void aliveAndReadyAnswer200OnceTheMemberIsUp() {
        HttpResponse<String> alive = get(node, "/health/alive");
        assertEquals(200, alive.statusCode());
        HttpResponse<String> ready = get(node, "/health/ready");
        assertEquals(200, ready.statusCode());
        assertTrue(ready.body().contains("Up"), ready.body());
    }

    @Test
    void membersListsThisNodeAsUpAndReachable() throws Exception {
        HttpResponse<String> response = get(node, "/cluster/members");
        assertEquals(200, response.statusCode());
        assertEquals("application/json", response.headers().firstValue("Content-Type").orElse(""));
        JsonNode members = new ObjectMapper().readTree(response.body());
        assertEquals(1, members.size(), response.body());
        JsonNode self = members.get(0);
        assertEquals(node.system().address().toString(), self.get("address").asText());
        assertEquals("Up", self.get("status").asText());
        assertEquals("reachable", self.get("reachability").asText());
        assertEquals(0, self.get("roles").size(), "no roles configured, and dc-default is not a role here");
        assertTrue(self.get("self").asBoolean());
    }

    @Test
    void monitorRunsTheRegisteredHandlerOnTheBlockingDispatcher() {
        HttpResponse<String> json = get(node, "/monitor/demo_state");
        assertEquals(200, json.statusCode());
        assertEquals("{\"requests\":3}", json.body());
        assertEquals("application/json", json.headers().firstValue("Content-Type").orElse(""));
        assertTrue(monitorThread.get().contains("troupe.blocking-dispatcher"), monitorThread.get());

        HttpResponse<String> kv = get(node, "/monitor/demo_state?format=kv");
        assertEquals(200, kv.statusCode());
        assertEquals("requests: 3\n", kv.body());
        assertTrue(kv.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
    }

    @Test
    void monitorErrorsAndUnknownNamesAreExplained() {
        HttpResponse<String> failing = get(node, "/monitor/demo_state?fail=1");
        assertEquals(500, failing.statusCode());
        assertTrue(failing.body().contains("counter store unavailable"), failing.body());

        HttpResponse<String> unknown = get(node, "/monitor/no_such_group");
        assertEquals(200, unknown.statusCode(), "BFE answers an unknown name with 200 and an error");
        assertTrue(unknown.body().startsWith("{\"error\":\"handler not exist, type[monitor], command[no_such_group]\"")
                && unknown.body().contains("demo_state"), unknown.body());
    }

    @Test
    void indexListsMonitorAndReloadNames() {
        HttpResponse<String> index = get(node, "/monitor");
        assertEquals(200, index.statusCode());
        assertEquals("{\"monitor\":[\"demo_state\",\"module_handlers\",\"module_status\"],"
                + "\"reload\":[\"demo_conf\"]}\n", index.body());
    }

    @Test
    void reloadAnswersInBfeShapeWithTheNodeListBeside() throws Exception {
        String nodeName = TestNodes.clusterHostPort(node);
        HttpResponse<String> ok = get(node, "/reload/demo_conf");
        assertEquals(200, ok.statusCode());
        assertEquals("application/json", ok.headers().firstValue("Content-Type").orElse(""));
        assertEquals("{\"error\":null,\"version\":\"v42\",\"nodes\":[{\"node\":\"" + nodeName
                + "\",\"ok\":true,\"version\":\"v42\",\"error\":null}],\"no_answer\":[]}\n", ok.body());

        HttpResponse<String> posted = TestNodes.send(HttpRequest.newBuilder(TestNodes.admin(node, "/reload/demo_conf"))
                .POST(HttpRequest.BodyPublishers.noBody()).build());
        assertEquals(200, posted.statusCode());

        // BFE answers a failed reload with 200 too; the body says what failed
        HttpResponse<String> bad = get(node, "/reload/demo_conf?path=/tmp/x.data");
        assertEquals(200, bad.statusCode());
        JsonNode failed = new ObjectMapper().readTree(bad.body());
        assertEquals("/tmp/x.data: field Version is missing\nline 2 (on " + nodeName + ")", failed.get("error").asText());
        assertEquals(false, failed.get("nodes").get(0).get("ok").asBoolean());
        assertEquals("/tmp/x.data: field Version is missing\nline 2", failed.get("nodes").get(0).get("error").asText());

        HttpResponse<String> unknown = get(node, "/reload/nope");
        assertEquals(200, unknown.statusCode());
        assertEquals("{\"error\":\"handler not exist, type[reload], command[nope]\",\"nodes\":[],\"no_answer\":[]}\n",
                unknown.body());
    }

    @Test
    void moduleStatusAndHandlersAnswerOnANodeWithoutProxy() throws Exception {
        HttpResponse<String> status = get(node, "/monitor/module_status");
        assertEquals(200, status.statusCode());
        JsonNode body = new ObjectMapper().readTree(status.body());
        assertEquals("[]", body.get("enabled").toString());
        assertEquals(TestNodes.clusterHostPort(node), body.get("nodes").get(0).get("node").asText());
        assertEquals("[]", body.get("no_answer").toString());

        HttpResponse<String> handlers = get(node, "/monitor/module_handlers");
        assertEquals(200, handlers.statusCode());
        assertEquals("{\"0#HandleAccept\":[],\"1#HandleHandshake\":[],\"2#HandleBeforeLocation\":[],"
                + "\"3#HandleFoundProduct\":[],\"4#HandleAfterLocation\":[],\"5#HandleForward\":[],"
                + "\"6#HandleReadResponse\":[],\"7#HandleRequestFinish\":[],\"8#HandleFinish\":[]}\n",
                handlers.body());
    }

    @Test
    void metricsServesPrometheusTextFromKamon() {
        HttpResponse<String> metrics = awaitGet(node, "/metrics", WAIT,
                r -> r.statusCode() == 200 && r.body().contains("troupe_cluster_members{status=\"Up\"}"));
        assertTrue(metrics.body().contains("# TYPE troupe_cluster_members gauge"), metrics.body());
    }
}
