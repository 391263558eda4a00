package io.troupe.proxy.modules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.module.access.ModAccess;
import io.troupe.proxy.RawHttp;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** mod_access with BFE's shipped mod_access.conf: request and session lines through a real proxy. */
class AccessModuleTest {
    @TempDir
    Path root;

    private List<String> lines(Path log) {
        try {
            return Files.exists(log) ? Files.readAllLines(log) : List.of();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void logsRequestsAndSessionsAndFollowsRotation() throws Exception {
        Path confRoot = Files.createDirectories(root.resolve("conf"));
        BuiltinHarness.copyShipped("mod_access", confRoot);
        Path log = root.resolve("log/access.log");
        try (BuiltinHarness h = new BuiltinHarness(new ModAccess(), confRoot)) {
            try (RawHttp c = new RawHttp(h.port())) {
                c.send("GET /a HTTP/1.1\r\nHost: example.org\r\nUser-Agent: test-agent/1\r\n\r\n");
                assertEquals(200, c.read().status());
            }
            BuiltinHarness.await(() -> lines(log).size() == 2, "request and session lines");
            String req = lines(log).get(0);
            assertTrue(req.startsWith("REQUEST_LOG "), req);
            assertTrue(req.contains("clientip: 127.0.0.1 serverip: 127.0.0.1:" + h.port() + " host: example.org product: product-example.org"
                    + " user_agent: test-agent/1 status: 200"), req);
            String ses = lines(log).get(1);
            assertTrue(ses.startsWith("SESSION_LOG  ") && ses.contains("clientip: 127.0.0.1 start_time: "), ses);
            // logrotate moves the file away; the next lines go to a new file
            Files.move(log, root.resolve("log/access.log.1"));
            BuiltinHarness.await(() -> Files.exists(log), "reopened after rotation");
            try (RawHttp c = new RawHttp(h.port())) {
                c.send("GET /b HTTP/1.1\r\nHost: example.org\r\nConnection: close\r\n\r\n");
                assertEquals(200, c.read().status());
            }
            BuiltinHarness.await(() -> lines(log).size() == 2, "lines in the new file");
            assertEquals(2, lines(root.resolve("log/access.log.1")).size());
            String m = h.monitor("mod_access");
            assertTrue(m.contains("\"REQ_LOG\":2") && m.contains("\"LOG_REOPEN\":1"), m);
        }
    }
}
