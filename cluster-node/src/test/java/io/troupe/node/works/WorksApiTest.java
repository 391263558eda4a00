package io.troupe.node.works;

import static io.troupe.node.TestNodes.awaitGet;
import static io.troupe.node.TestNodes.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.troupe.booster.client.FallbackReason;
import io.troupe.booster.client.WorkActor;
import io.troupe.booster.gateway.ExecutorGateway;
import io.troupe.node.TestNodes;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A work on a two-node cluster seen through /works, /works/<id>, /workers and /metrics on the node that does
 * not run its booster; the metrics are scraped while the work still runs. Both nodes' registries hear the work
 * and count into the one Kamon of this JVM, so its counters show whether a sub-work is counted once or twice.
 * One sub-work is forced local by the work's --force_local_list key: a local run with reason forced_local.
 */
@Tag("multinode")
class WorksApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void worksWorkersAndMetricsShowARunningThenFinishedWork() throws Exception {
        try (WorkCluster cluster = new WorkCluster("api-test")) {
            // earlier tests in this JVM may have counted works of project demo too
            String before = get(cluster.second, "/metrics").body();
            double remoteBefore = Math.max(0, value(before, REMOTE_DEMO));
            double worksBefore = Math.max(0, value(before, WORKS_DEMO));
            double remotePhaseBefore = Math.max(0, value(before, REMOTE_PHASE));
            cluster.startWork();
            cluster.runShort(3);
            // --force_local_list: booster-exec is told to run it itself, and it counts as a local run
            assertTrue(cluster.subWork(List.of("sh", "-c", "echo " + WorkCluster.FORCE_LOCAL_KEY))
                    .expectMessageClass(ExecutorGateway.SubWorkReply.class, WorkCluster.WAIT).runLocally());
            TestProbe<ExecutorGateway.SubWorkReply> slow = cluster.subWork(List.of("sleep", "3"));

            JsonNode works = json(awaitGet(cluster.second, "/works", WorkCluster.WAIT,
                    r -> r.body().contains("\"done\":4") && r.body().contains("\"running\":1")));
            JsonNode work = works.get(0);
            assertEquals("api-test", work.get("build_id").asText());
            assertEquals("demo", work.get("project_id").asText());
            assertEquals("running", work.get("state").asText());
            assertEquals(5, work.at("/sub_works/arrived").asInt());
            assertEquals(3, work.at("/sub_works/remote_ok").asInt(), work.toString());
            assertEquals(1, work.at("/sub_works/local_fallback").asInt(), work.toString());
            assertEquals(1, work.at("/fallbacks/forced_local").asInt(), work.toString());
            // the worker running it lists it: which work, which sub-work, what and since when
            long now = System.currentTimeMillis();
            JsonNode running = null;
            for (JsonNode worker : json(awaitGet(cluster.second, "/workers", WorkCluster.WAIT,
                    r -> r.body().contains("\"work\":\"api-test\"")))) {
                for (JsonNode run : worker.get("running_sub_works")) {
                    running = run;
                }
            }
            assertTrue(running != null && running.get("command").asText().contains("sleep"), String.valueOf(running));
            assertEquals("api-test", running.get("work").asText());
            assertEquals(5, running.get("index").asInt(), running.toString());
            assertTrue(running.get("sub_work").asText().startsWith("api-test-5#"), running.toString());
            assertTrue(running.get("booster").asText().startsWith("pekko://"), running.toString());
            long since = running.get("since_ms").asLong();
            assertTrue(since > now - 60_000 && since <= System.currentTimeMillis(), running.toString());
            int perWorker = 0;
            for (JsonNode count : work.get("per_worker")) {
                perWorker += count.asInt();
            }
            assertEquals(3, perWorker, work.toString());

            // scraped during the work: the booster's and the workers' figures are there and non-zero
            String metrics = awaitGet(cluster.second, "/metrics", WorkCluster.WAIT,
                    r -> value(r.body(), REMOTE_DEMO) >= remoteBefore + 3
                            && value(r.body(), "troupe_worker_running\\{[^}]*\\}") >= 1).body();
            assertTrue(value(metrics, REMOTE_PHASE) >= remotePhaseBefore + 3, metrics);
            assertEquals(2.0, value(metrics, "troupe_worker_slots\\{[^}]*worker=\"" + Pattern.quote(
                    cluster.second.system().address().toString()) + "\"[^}]*\\}"), metrics);
            assertTrue(value(metrics, "jvm_memory_heap_used") > 0, metrics);

            JsonNode workers = json(get(cluster.second, "/workers"));
            assertEquals(2, workers.size(), workers.toString());
            for (JsonNode worker : workers) {
                assertEquals(2, worker.get("slots").asInt());
                assertTrue(worker.at("/cas/blobs").isNumber(), worker.toString());
            }

            assertEquals(0, slow.expectMessageClass(ExecutorGateway.SubWorkReply.class, WorkCluster.WAIT).exitCode());
            WorkActor.Summary summary = cluster.finish();
            assertEquals(Map.of(FallbackReason.FORCED_LOCAL, 1), summary.fallbacks());
            assertTrue(summary.line().startsWith("[booster] total 5, remote ok 4, local fallback 1, failed 0,")
                    && summary.line().endsWith("; fell back: forced local 1"), summary.line());
            JsonNode detail = json(awaitGet(cluster.second, "/works/api-test", WorkCluster.WAIT,
                    r -> r.body().contains("\"state\":\"finished\"")));
            assertEquals(0, detail.get("exit_code").asInt());
            // each sub-work and the work counted by one node only, though both nodes heard all of it
            assertCountedOnce(cluster, REMOTE_DEMO, remoteBefore + 4);
            assertCountedOnce(cluster, WORKS_DEMO, worksBefore + 1);
            awaitGet(cluster.second, "/metrics", WorkCluster.WAIT,
                    r -> value(r.body(), "troupe_booster_fallbacks_total\\{[^}]*reason=\"forced_local\"[^}]*\\}") >= 1);
            assertEquals(5, detail.get("ended").size());
            for (JsonNode sub : detail.get("ended")) {
                if (sub.get("argv").toString().contains(WorkCluster.FORCE_LOCAL_KEY)) {
                    assertEquals("local", sub.get("route").asText(), sub.toString());
                    assertEquals("forced_local", sub.get("fallback_reason").asText(), sub.toString());
                    continue;
                }
                assertEquals("remote", sub.get("route").asText(), sub.toString());
                assertTrue(sub.get("total_ms").asLong() >= sub.get("remote_ms").asLong(), sub.toString());
                assertTrue(sub.get("worker").asText().startsWith("pekko://"), sub.toString());
            }
            HttpResponse<String> page = get(cluster.second, "/ui/");
            assertEquals(200, page.statusCode());
            assertTrue(page.body().contains("<title>Troupe dashboard</title>"), page.body());
            assertEquals(200, get(cluster.second, "/ui/app.js").statusCode());
            // a loopback caller on a node without a token may reload, so the page shows the buttons
            JsonNode access = json(get(cluster.second, "/ui/access"));
            assertTrue(access.get("reload").asBoolean(), access.toString());
            assertEquals("allowed", access.get("why").asText());
            HttpResponse<String> missing = get(cluster.second, "/works/no-such-work");
            assertEquals(404, missing.statusCode());
            assertTrue(missing.body().contains("no-such-work"), missing.body());
        }
    }

    private static final String REMOTE_DEMO =
            "troupe_booster_subworks_total\\{(?=[^}]*route=\"remote\")(?=[^}]*project=\"demo\")[^}]*\\}";
    private static final String REMOTE_PHASE =
            "troupe_booster_subwork_phase_seconds_count\\{[^}]*phase=\"remote\"[^}]*\\}";
    private static final String WORKS_DEMO = "troupe_booster_works_total\\{[^}]*project=\"demo\"[^}]*\\}";

    /**
     * Waits for {@code series} to reach {@code expected}, then watches it for a second (five Kamon ticks here): a
     * second registry counting the same reports would push it past.
     */
    private static void assertCountedOnce(WorkCluster cluster, String series, double expected) {
        awaitGet(cluster.second, "/metrics", WorkCluster.WAIT, r -> value(r.body(), series) >= expected);
        long until = System.nanoTime() + java.time.Duration.ofSeconds(1).toNanos();
        do {
            String metrics = get(cluster.second, "/metrics").body();
            assertEquals(expected, value(metrics, series), series + " in\n" + metrics);
        } while (System.nanoTime() < until);
    }

    private static JsonNode json(HttpResponse<String> response) throws IOException {
        assertEquals(200, response.statusCode(), response.body());
        return JSON.readTree(response.body());
    }

    /** The sum of the samples of the Prometheus series matching {@code series} (name and labels). */
    static double value(String metrics, String series) {
        Matcher m = Pattern.compile("(?m)^" + series + " ([0-9.eE+-]+)$").matcher(metrics);
        double sum = 0;
        boolean found = false;
        while (m.find()) {
            sum += Double.parseDouble(m.group(1));
            found = true;
        }
        return found ? sum : -1;
    }
}
