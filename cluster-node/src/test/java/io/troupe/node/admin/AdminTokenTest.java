package io.troupe.node.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.troupe.node.TestNodes;
import io.troupe.node.TroupeNode;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * With troupe.admin.token set, reload needs the bearer token even from loopback; reads stay open; the
 * dashboard's /ui/access says yes only to a caller presenting the token.
 */
class AdminTokenTest {

    @Test
    void reloadNeedsTheBearerToken() throws Exception {
        try (TestNodes nodes = new TestNodes()) {
            TroupeNode node = nodes.start(Map.of("troupe.admin.token", "s3cret"));
            node.webHandlers().registerReload("demo_conf", params -> "v7");

            HttpResponse<String> none = TestNodes.get(node, "/reload/demo_conf");
            assertEquals(401, none.statusCode());
            assertEquals("Bearer", none.headers().firstValue("WWW-Authenticate").orElse(""));
            assertTrue(none.body().contains("Authorization: Bearer"), none.body());

            assertEquals(401, reload(node, "Bearer wrong").statusCode());

            HttpResponse<String> ok = reload(node, "Bearer s3cret");
            assertEquals(200, ok.statusCode());
            assertTrue(ok.body().startsWith("{\"error\":null,\"version\":\"v7\","), ok.body());

            assertEquals(200, TestNodes.get(node, "/health/alive").statusCode());
            assertEquals(200, TestNodes.get(node, "/monitor").statusCode());

            HttpResponse<String> noHeader = TestNodes.get(node, "/ui/access");
            assertEquals(200, noHeader.statusCode());
            assertEquals("reload=false why=needs_token", access(noHeader));
            assertEquals("reload=false why=needs_token",
                    access(withAuthorization(node, "/ui/access", "Bearer wrong")));
            assertEquals("reload=true why=allowed",
                    access(withAuthorization(node, "/ui/access", "Bearer s3cret")));
        }
    }

    @Test
    void aBrowserRequestStartedByAnotherSiteCannotReloadFromLoopback() throws Exception {
        try (TestNodes nodes = new TestNodes()) {
            TroupeNode node = nodes.start(Map.of());
            node.webHandlers().registerReload("demo_conf", params -> "v8");
            String self = "http://127.0.0.1:" + node.adminAddress().getPort();

            HttpResponse<String> img = reloadWith(node, "Sec-Fetch-Site", "cross-site");
            assertEquals(403, img.statusCode(), img.body());
            assertTrue(img.body().contains("started by another site"), img.body());
            assertEquals(403, reloadWith(node, "Origin", "http://evil.example").statusCode());

            // the dashboard's own POST carries its origin; curl sends none
            HttpResponse<String> dashboard = TestNodes.send(HttpRequest.newBuilder(TestNodes.admin(node,
                    "/reload/demo_conf")).header("Origin", self).header("Sec-Fetch-Site", "same-origin")
                    .POST(HttpRequest.BodyPublishers.noBody()).build());
            assertEquals(200, dashboard.statusCode(), dashboard.body());
            assertEquals(200, TestNodes.get(node, "/reload/demo_conf").statusCode());
        }
    }

    private static HttpResponse<String> reloadWith(TroupeNode node, String header, String value) {
        return TestNodes.send(HttpRequest.newBuilder(TestNodes.admin(node, "/reload/demo_conf"))
                .header(header, value).GET().build());
    }

    /** The /ui/access answer as "reload=<bool> why=<reason>". */
    private static String access(HttpResponse<String> response) throws Exception {
        assertEquals(200, response.statusCode(), response.body());
        JsonNode answer = new ObjectMapper().readTree(response.body());
        return "reload=" + answer.get("reload").asBoolean() + " why=" + answer.get("why").asText();
    }

    private static HttpResponse<String> reload(TroupeNode node, String authorization) {
        return withAuthorization(node, "/reload/demo_conf", authorization);
    }

    private static HttpResponse<String> withAuthorization(TroupeNode node, String path, String authorization) {
        return TestNodes.send(HttpRequest.newBuilder(TestNodes.admin(node, path))
                .header("Authorization", authorization).GET().build());
    }
}
