package io.troupe.node.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.troupe.node.TestNodes;
import io.troupe.node.TroupeNode;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The reload route's access rule over a real socket from a non-loopback address of this machine: refused in
 * BFE's words without a token, accepted with it; module_status and module_handlers (read-only) stay open.
 */
class AdminRemotePeerTest {

    @Test
    void reloadFromANonLoopbackPeerNeedsTheToken() throws Exception {
        Optional<InetAddress> external = nonLoopbackAddress();
        assumeTrue(external.isPresent(), "this machine has no non-loopback IPv4 address to call from");
        String host = external.get().getHostAddress();
        try (TestNodes nodes = new TestNodes()) {
            TroupeNode open = nodes.start(Map.of("troupe.admin.host", "0.0.0.0"));
            open.webHandlers().registerReload("demo_conf", params -> "v1");
            HttpResponse<String> refused = call(open, host, "/reload/demo_conf", null);
            assertEquals(403, refused.statusCode(), refused.body());
            assertTrue(refused.body().startsWith("{\"error\":\"reload is not allowed from [" + host + ":"),
                    refused.body());
            assertEquals(200, call(open, host, "/monitor/module_status", null).statusCode());
            assertEquals(200, call(open, host, "/monitor/module_handlers", null).statusCode());

            TroupeNode tokened = nodes.start(Map.of("troupe.admin.host", "0.0.0.0", "troupe.admin.token", "s3cret"));
            tokened.webHandlers().registerReload("demo_conf", params -> "v2");
            HttpResponse<String> noToken = call(tokened, host, "/reload/demo_conf", null);
            assertEquals(401, noToken.statusCode(), noToken.body());
            assertTrue(noToken.body().startsWith("{\"error\":\"reload needs Authorization: Bearer"), noToken.body());
            HttpResponse<String> allowed = call(tokened, host, "/reload/demo_conf", "Bearer s3cret");
            assertEquals(200, allowed.statusCode(), allowed.body());
            assertTrue(allowed.body().startsWith("{\"error\":null,\"version\":\"v2\""), allowed.body());
        }
    }

    private static HttpResponse<String> call(TroupeNode node, String host, String path, String authorization) {
        HttpRequest.Builder request = HttpRequest.newBuilder(
                URI.create("http://" + host + ":" + node.adminAddress().getPort() + path)).GET();
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return TestNodes.send(request.build());
    }

    private static Optional<InetAddress> nonLoopbackAddress() throws SocketException {
        for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (!nic.isUp() || nic.isLoopback()) {
                continue;
            }
            for (InetAddress address : Collections.list(nic.getInetAddresses())) {
                if (address instanceof Inet4Address && !address.isLoopbackAddress() && !address.isLinkLocalAddress()) {
                    return Optional.of(address);
                }
            }
        }
        return Optional.empty();
    }
}
