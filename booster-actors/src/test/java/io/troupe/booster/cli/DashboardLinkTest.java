package io.troupe.booster.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class DashboardLinkTest {

    @Test
    void candidatesAreTheConfiguredAdminElseEachSeedHostOnTheAdminPort() {
        assertEquals(List.of("10.0.0.9:9000"), DashboardLink.candidates("10.0.0.9:9000", List.of("a:2552")));
        assertEquals(List.of("a:8421", "[::1]:8421"),
                DashboardLink.candidates("", List.of("a:2552", "a:2553", "[::1]:2552")));
        assertEquals(List.of(), DashboardLink.candidates("", List.of()));
    }

    @Test
    void theFirstAdminThatAnswersHealthGivesTheLink() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort(); // nothing listens here once closed
        }
        HttpServer server = serve("127.0.0.1", DashboardLink.HEALTH, 200);
        try {
            String admin = "127.0.0.1:" + server.getAddress().getPort();
            Optional<String> link = DashboardLink.find(List.of("127.0.0.1:" + closedPort, admin), "demo-1a2b3c4d",
                    Duration.ofSeconds(2));
            assertEquals(Optional.of("http://" + admin + "/ui/?work=demo-1a2b3c4d"), link);
            assertEquals(Optional.empty(), DashboardLink.find(List.of("127.0.0.1:" + closedPort), "x",
                    Duration.ofSeconds(2)));
        } finally {
            server.stop(0);
        }
    }

    @Test
    void anAnswerOtherThan200IsNoDashboard() throws Exception {
        HttpServer server = serve("127.0.0.1", "/", 404); // a node from before /health/alive, or another server
        try {
            assertFalse(DashboardLink.answersOk("127.0.0.1:" + server.getAddress().getPort(), Duration.ofSeconds(2)));
        } finally {
            server.stop(0);
        }
    }

    @Test
    void aServerThatNeverAnswersOrSpeaksNoHttpIsNoDashboardAndTheWaitIsBounded() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             ServerSocket garbage = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread talker = new Thread(() -> {
                try (Socket peer = garbage.accept()) {
                    peer.getOutputStream().write("SSH-2.0-OpenSSH_9.2\r\n".getBytes(StandardCharsets.US_ASCII));
                    peer.getInputStream().read();
                } catch (IOException e) {
                    // the probe hung up
                }
            });
            talker.start();
            long start = System.nanoTime();
            assertFalse(DashboardLink.answersOk("127.0.0.1:" + silent.getLocalPort(), Duration.ofMillis(300)));
            long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(waitedMs >= 250 && waitedMs < 5_000, "waited " + waitedMs + " ms for a silent server");
            assertFalse(DashboardLink.answersOk("127.0.0.1:" + garbage.getLocalPort(), Duration.ofSeconds(2)));
            talker.join(5_000);
        }
        assertFalse(DashboardLink.answersOk("no-port-here", Duration.ofSeconds(1)));
    }

    @Test
    void anIpv6AdminAddressIsProbedWithoutItsBrackets() throws Exception {
        HttpServer server = null;
        try {
            server = serve("::1", DashboardLink.HEALTH, 200);
        } catch (IOException e) {
            assumeTrue(false, "no IPv6 loopback on this machine: " + e);
        }
        try {
            assertTrue(DashboardLink.answersOk("[::1]:" + server.getAddress().getPort(), Duration.ofSeconds(2)));
        } finally {
            server.stop(0);
        }
    }

    /** An HTTP server on {@code host}, port 0, answering {@code status} with no body under {@code path}. */
    private static HttpServer serve(String host, String path, int status) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(host, 0), 0);
        server.createContext(path, exchange -> {
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        server.start();
        return server;
    }
}
