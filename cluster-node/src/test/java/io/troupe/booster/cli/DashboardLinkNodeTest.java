package io.troupe.booster.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.node.TestNodes;
import io.troupe.node.TroupeNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The booster's dashboard link against a real node: the node answers the booster's probe, and the link opens the
 * dashboard page (which selects the work named by its "work" parameter). In the booster's package, to reach it.
 */
class DashboardLinkNodeTest {

    @Test
    void aRunningNodeGivesALinkToItsDashboard() throws Exception {
        try (TestNodes nodes = new TestNodes()) {
            TroupeNode node = nodes.start(Map.of());
            String admin = "127.0.0.1:" + node.adminAddress().getPort();
            Optional<String> link = DashboardLink.find(List.of(admin), "demo 1/2", Duration.ofSeconds(5));
            assertEquals(Optional.of("http://" + admin + "/ui/?work=demo+1%2F2"), link);
            HttpResponse<String> page = TestNodes.send(HttpRequest.newBuilder(URI.create(link.get())).GET().build());
            assertEquals(200, page.statusCode());
            assertTrue(page.body().contains("<title>Troupe dashboard</title>"), page.body());
        }
    }
}
