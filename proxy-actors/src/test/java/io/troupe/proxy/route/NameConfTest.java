package io.troupe.proxy.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.troupe.module.web.WebHandlerRegistry;
import io.troupe.proxy.ProxyRuntime;
import io.troupe.proxy.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** name_conf.data: loaded at start when present, reloaded through /reload/name_conf, bad files refused by field. */
class NameConfTest {
    @TempDir
    Path conf;

    @Test
    void loadsAndLooksUpNamesSkippingZeroWeights() throws Exception {
        Path f = conf.resolve("name_conf.data");
        Files.writeString(f, """
                {"Version": "n1", "Config": {"example.redis.cluster": [
                   {"Host": "192.168.3.1", "Port": 6379, "Weight": 10}, {"Host": "192.168.3.2", "Port": 6379, "Weight": 0}]}}
                """);
        NameConf n = NameConf.load(f, new ArrayList<>());
        assertEquals("n1", n.version());
        assertEquals(List.of(new NameConf.Instance("192.168.3.1", 6379, 10)), n.lookup("example.redis.cluster"));
        assertEquals(List.of(), n.lookup("other"));
    }

    @Test
    void badValuesNameTheField() throws Exception {
        Path f = conf.resolve("name_conf.data");
        Files.writeString(f, """
                {"Version": "n1", "Config": {"svc": [{"Host": "h", "Port": 70000, "Weight": 1}]}}
                """);
        ConfigException e = assertThrows(ConfigException.class, () -> NameConf.load(f, new ArrayList<>()));
        assertTrue(e.getMessage().contains("name_conf.data: Config.svc[0].Port: port 70000 is out of range"), e.getMessage());
        Files.writeString(f, "{\"Version\": \"n1\", \"Config\": {\"svc\": []}}");
        e = assertThrows(ConfigException.class, () -> NameConf.load(f, new ArrayList<>()));
        assertTrue(e.getMessage().contains("Config.svc: no instance for svc"), e.getMessage());
    }

    @Test
    void theProxyReloadsNameConfAndKeepsTheOldOnAnError() throws Exception {
        Path sd = Files.createDirectories(conf.resolve("server_data_conf"));
        Path cc = Files.createDirectories(conf.resolve("cluster_conf"));
        Files.writeString(sd.resolve("host_rule.data"), "{\"Version\": \"h1\", \"Hosts\": {}, \"HostTags\": {}}");
        Files.writeString(sd.resolve("route_rule.data"), "{\"Version\": \"r1\", \"ProductRule\": {}}");
        Files.writeString(sd.resolve("cluster_conf.data"), "{\"Version\": \"c1\", \"Config\": {}}");
        Files.writeString(cc.resolve("cluster_table.data"), "{\"Version\": \"t1\", \"Config\": {}}");
        Files.writeString(cc.resolve("gslb.data"), "{\"Clusters\": {}, \"Hostname\": \"\", \"Ts\": \"g1\"}");
        ActorTestKit kit = ActorTestKit.create(ConfigFactory.parseString("""
                pekko.actor.serialize-messages = on
                troupe.proxy { bind = 127.0.0.1, http-port = 0, https-port = -1, event-loops = 1 }
                """).withFallback(ConfigFactory.load()));
        WebHandlerRegistry web = new WebHandlerRegistry();
        ProxyRuntime proxy = ProxyRuntime.start(kit.system(), conf, web);
        try {
            assertEquals(NameConf.EMPTY, proxy.names().get());
            Files.writeString(sd.resolve("name_conf.data"), """
                    {"Version": "n2", "Config": {"svc": [{"Host": "10.0.0.1", "Port": 80, "Weight": 1}]}}
                    """);
            assertEquals("n2", web.reload("name_conf").orElseThrow().reload(Map.of()));
            assertEquals(1, proxy.names().get().lookup("svc").size());
            Files.writeString(sd.resolve("name_conf.data"), "{\"Version\": \"n3\", \"Config\": {\"svc\": [{\"Host\": \"\", \"Port\": 80, \"Weight\": 1}]}}");
            Exception e = assertThrows(Exception.class, () -> web.reload("name_conf").orElseThrow().reload(Map.of()));
            assertTrue(e.getMessage().contains("Config.svc[0].Host: empty host"), e.getMessage());
            assertEquals("n2", proxy.names().get().version());
        } finally {
            proxy.stop();
            kit.shutdownTestKit();
        }
    }
}
