package io.troupe.proxy.modules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.module.prison.ModPrison;
import io.troupe.proxy.RawHttp;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** mod_prison with BFE's prison.data (cookie UID, threshold 5 in 10 s, CLOSE) and a FINISH rule. */
class PrisonModuleTest {
    @TempDir
    Path root;

    @Test
    void closeDropsTheConnectionOnceTheThresholdIsPassed() throws Exception {
        BuiltinHarness.copyShipped("mod_prison", root);
        try (BuiltinHarness h = new BuiltinHarness(new ModPrison(), root)) {
            for (int i = 0; i < 5; i++) {
                try (RawHttp c = new RawHttp(h.port())) {
                    c.send("GET /prison/x HTTP/1.1\r\nHost: example.org\r\nCookie: UID=7\r\n\r\n");
                    assertEquals(200, c.read().status(), "request " + (i + 1));
                }
            }
            try (RawHttp c = new RawHttp(h.port())) {
                c.send("GET /prison/x HTTP/1.1\r\nHost: example.org\r\nCookie: UID=7\r\n\r\n");
                assertNull(c.read(), "the sixth request in 10 s gets no response");
                assertTrue(c.closedByPeer());
            }
            try (RawHttp c = new RawHttp(h.port())) {
                c.send("GET /prison/x HTTP/1.1\r\nHost: example.org\r\nCookie: UID=8\r\n\r\n");
                assertEquals(200, c.read().status(), "another UID is free");
                c.send("GET /elsewhere HTTP/1.1\r\nHost: example.org\r\nCookie: UID=7\r\n\r\n");
                assertEquals(200, c.read().status(), "the rule's Cond does not match");
            }
            String m = h.monitor("mod_prison");
            assertTrue(m.contains("\"ALL_PRISON\":1") && m.contains("\"ALL_CHECKED\":7"), m);
        }
    }

    @Test
    void finishAnswersAnEmpty200AndCloses() throws Exception {
        BuiltinHarness.copyShipped("mod_prison", root);
        Path data = root.resolve("mod_prison/prison.data");
        Files.writeString(data, Files.readString(data).replace("\"CLOSE\"", "\"FINISH\"").replace("\"threshold\": 5", "\"threshold\": 1"));
        try (BuiltinHarness h = new BuiltinHarness(new ModPrison(), root); RawHttp c = new RawHttp(h.port())) {
            c.send("GET /prison/x HTTP/1.1\r\nHost: example.org\r\nCookie: UID=7\r\n\r\n");
            assertEquals(200, c.read().status());
            c.send("GET /prison/x HTTP/1.1\r\nHost: example.org\r\nCookie: UID=7\r\n\r\n");
            RawHttp.Resp r = c.read();
            assertEquals(200, r.status());
            assertEquals("", r.body());
            assertEquals("close", r.header("Connection"));
            assertTrue(c.closedByPeer());
            assertEquals(1, h.backend.hits.get(), "the jailed request never reached the backend");
        }
    }
}
