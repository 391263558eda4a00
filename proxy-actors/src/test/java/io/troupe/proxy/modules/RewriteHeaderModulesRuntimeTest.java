package io.troupe.proxy.modules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.troupe.module.web.WebHandlerRegistry;
import io.troupe.proxy.ProxyRuntime;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.Test;

/** The four modules start through the node's module runtime from the shipped conf/, with BFE's reload names. */
class RewriteHeaderModulesRuntimeTest {

    @Test
    void shippedConfStartsTheModulesInBfeOrder() throws Exception {
        Path conf = Path.of("..", "conf").toAbsolutePath().normalize();
        ActorTestKit kit = ActorTestKit.create(ConfigFactory.parseString("""
                troupe.proxy { bind = 127.0.0.1, http-port = 0, https-port = -1, event-loops = 1
                  modules = [mod_header, mod_rewrite, mod_redirect, mod_trust_clientip] }
                """).withFallback(ConfigFactory.load()));
        WebHandlerRegistry web = new WebHandlerRegistry();
        ProxyRuntime proxy = ProxyRuntime.start(kit.system(), conf, web);
        try {
            assertEquals(List.of("mod_trust_clientip", "mod_redirect", "mod_rewrite", "mod_header"), proxy.modules().names());
            for (String name : List.of("mod_trust_clientip", "mod_redirect", "mod_rewrite", "mod_header")) {
                assertTrue(web.reloadNames().contains(name), web.reloadNames().toString());
                assertEquals("20190101000000", web.dataVersions().get(name), name);
                assertEquals("20190101000000", web.reload(name).orElseThrow().reload(Map.of()));
            }
            String kv = web.monitor("mod_trust_clientip").orElseThrow().render(Map.of("format", List.of("kv")));
            assertTrue(kv.contains("CONN_ADDR_INTERNAL_NOT_TRUST"), kv);
        } finally {
            proxy.stop();
            kit.shutdownTestKit();
        }
    }
}
