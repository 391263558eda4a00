package io.troupe.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.troupe.module.web.WebHandlerRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.Test;

/** The repository's conf/ starts the proxy with the modules conf/cluster-node.conf enables. */
class ShippedModulesConfTest {

    @Test
    void shippedConfStartsItsModules() throws Exception {
        Path conf = Path.of("..", "conf").toAbsolutePath().normalize();
        assertTrue(Files.isRegularFile(conf.resolve("cluster-node.conf")), conf.toString());
        Config node = ConfigFactory.parseFile(conf.resolve("cluster-node.conf").toFile());
        List<String> modules = node.getStringList("troupe.proxy.modules");
        assertTrue(modules.contains("mod_block"), modules.toString());
        ActorTestKit kit = ActorTestKit.create(ConfigFactory.parseString("""
                troupe.proxy { bind = 127.0.0.1, http-port = 0, https-port = -1, event-loops = 1 }
                """).withFallback(node.withOnlyPath("troupe.proxy.modules")).withFallback(ConfigFactory.load()));
        WebHandlerRegistry web = new WebHandlerRegistry();
        ProxyRuntime proxy = ProxyRuntime.start(kit.system(), conf, web);
        try {
            assertEquals(modules.stream().sorted().toList(), proxy.modules().names().stream().sorted().toList());
            assertTrue(proxy.availableModules().contains("mod_block"), proxy.availableModules().toString());
            assertTrue(web.reloadNames().contains("mod_block.product_rule_table"));
            assertEquals("example-1", web.dataVersions().get("mod_block.product_rule_table"));
            String json = web.monitor("mod_block").orElseThrow().render(Map.of());
            assertTrue(json.contains("CONN_TOTAL"), json);
        } finally {
            proxy.stop();
            kit.shutdownTestKit();
        }
    }
}
