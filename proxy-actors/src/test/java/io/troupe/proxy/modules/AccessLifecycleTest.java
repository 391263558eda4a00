package io.troupe.proxy.modules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.troupe.module.web.WebHandlerRegistry;
import io.troupe.proxy.ProxyRuntime;
import io.troupe.proxy.RawHttp;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * mod_access's writer lives as long as the proxy that started it: the proxy's stop writes the last lines and
 * ends the writer, and a proxy started again in the same JVM (a test, an embedded node) leaves nothing of the
 * old one behind (no writer thread, no JVM shutdown hook holding it).
 */
class AccessLifecycleTest {
    @TempDir
    Path tmp;

    private static long writerThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().equals("mod_access-writer")).count();
    }

    @Test
    void stopFlushesTheLastLinesAndEndsTheWriterEveryTime() throws Exception {
        Path conf = BuiltinHarness.copyConf(tmp);
        Path accessConf = conf.resolve("mod_access/mod_access.conf");
        Files.writeString(accessConf, Files.readString(accessConf).replace("NEXTHOUR", "NEXTDAY"));
        Path log = tmp.resolve("log/access.log");
        long before = writerThreads();
        for (int round = 1; round <= 2; round++) {
            ActorTestKit kit = ActorTestKit.create(ConfigFactory.parseString("""
                    troupe.proxy { bind = 127.0.0.1, http-port = 0, https-port = -1, event-loops = 1,
                      modules = [mod_access] }
                    """).withFallback(ConfigFactory.load()));
            try {
                ProxyRuntime proxy = ProxyRuntime.start(kit.system(), conf, new WebHandlerRegistry());
                try (RawHttp c = new RawHttp(proxy.httpPort())) {
                    c.send("GET /round" + round + " HTTP/1.1\r\nHost: localhost\r\n\r\n");
                    // whatever the answer (the shipped cluster's backend is not running), the request is logged
                    assertTrue(c.read() != null);
                    proxy.stop();
                }
                // (at most: a writer another test left behind may end meanwhile)
                assertTrue(writerThreads() <= before, "round " + round + ": the stop ended the writer");
                // no waiting: the stop returned only once the writer had written everything queued
                List<String> lines = Files.readAllLines(log);
                assertEquals(2 * round, lines.size(), lines.toString());
                assertTrue(lines.get(2 * round - 2).startsWith("REQUEST_LOG "), lines.toString());
                assertTrue(lines.get(2 * round - 1).startsWith("SESSION_LOG "), lines.toString());
            } finally {
                kit.shutdownTestKit();
            }
        }
    }
}
