package io.troupe.booster.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
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
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext(DashboardLink.HEALTH, exchange -> {
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        server.start();
        try {
            String admin = "127.0.0.1:" + server.getAddress().getPort();
            Optional<String> link = DashboardLink.find(List.of("127.0.0.1:" + closedPort, admin), "demo-1a2b3c4d",
                    Duration.ofSeconds(2)).get(10, TimeUnit.SECONDS);
            assertEquals(Optional.of("http://" + admin + "/ui/?work=demo-1a2b3c4d"), link);
            assertEquals(Optional.empty(), DashboardLink.find(List.of("127.0.0.1:" + closedPort), "x",
                    Duration.ofSeconds(2)).get(10, TimeUnit.SECONDS));
        } finally {
            server.stop(0);
        }
    }
}
