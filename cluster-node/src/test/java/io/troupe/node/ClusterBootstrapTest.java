package io.troupe.node;

import static io.troupe.node.TestNodes.awaitGet;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Cluster formation the way the Kubernetes manifests do it (troupe.cluster.bootstrap), with pekko-discovery's
 * config method standing in for the Kubernetes API: two nodes with no seeds find each other's management
 * endpoints, form one cluster, and each answers the management readiness check once it is Up.
 */
@Tag("multinode")
class ClusterBootstrapTest {

    @Test
    void twoNodesWithoutSeedsFormOneClusterThroughBootstrap() throws Exception {
        int[] management = {TestNodes.freePort(), TestNodes.freePort()};
        List<Map<String, Object>> endpoints = List.of(
                Map.of("host", "127.0.0.1", "port", management[0]),
                Map.of("host", "127.0.0.1", "port", management[1]));
        try (TestNodes nodes = new TestNodes()) {
            TroupeNode[] started = new TroupeNode[2];
            for (int i = 0; i < 2; i++) {
                Map<String, Object> config = new HashMap<>();
                config.put("troupe.cluster.bootstrap", "config");
                config.put("pekko.discovery.config.services.troupe.endpoints", endpoints);
                config.put("pekko.management.http.hostname", "127.0.0.1");
                config.put("pekko.management.http.port", management[i]);
                config.put("pekko.management.cluster.bootstrap.contact-point-discovery.stable-margin", "1s");
                // one JVM, so each node has its own management port (on Kubernetes all pods share 7626)
                config.put("pekko.management.cluster.bootstrap.contact-point.filter-on-fallback-port", false);
                started[i] = nodes.start(config);
            }
            for (int i = 0; i < 2; i++) {
                awaitGet(started[i], "/cluster/members", Duration.ofSeconds(60),
                        r -> r.body().split("\"Up\"", -1).length == 3);
                HttpResponse<String> ready = TestNodes.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + management[i] + "/ready")).build());
                assertEquals(200, ready.statusCode(), "management /ready of node " + i + ": " + ready.body());
                HttpResponse<String> alive = TestNodes.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + management[i] + "/alive")).build());
                assertEquals(200, alive.statusCode());
            }
        }
    }
}
