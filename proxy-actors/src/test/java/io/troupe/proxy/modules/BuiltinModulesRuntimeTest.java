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
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The five modules with the repository's conf/ files, started by the node's own runtime (ServiceLoader,
 * module actors, BFE's fixed order): their filters sit where BFE's do, their reloads and versions are
 * registered, and a request through the node is logged.
 */
class BuiltinModulesRuntimeTest {
    @TempDir
    Path tmp;

    @Test
    void shippedFilesStartThroughTheRuntime() throws Exception {
        Path conf = BuiltinHarness.copyConf(tmp);
        // a mod_block rule that matches (ALLOW), and a request template that logs the rule's name
        Files.writeString(conf.resolve("mod_block/block_rules.data"), """
                {"Version": "t", "Config": {"global": [], "example": [{"Name": "allow_logged",
                  "Cond": "req_path_prefix_in(\\"/logged\\", false)", "Action": {"Cmd": "ALLOW", "Params": []}}]}}
                """);
        Path accessConf = conf.resolve("mod_access/mod_access.conf");
        Files.writeString(accessConf, Files.readString(accessConf).replace("NEXTHOUR", "NEXTDAY")
                .replace("error: $error\"", "error: $error block: ${mod_block.block_info}req_ctx\""));
        ActorTestKit kit = ActorTestKit.create(ConfigFactory.parseString("""
                troupe.proxy { bind = 127.0.0.1, http-port = 0, https-port = -1, event-loops = 1,
                  modules = [mod_compress, mod_static, mod_access, mod_prison, mod_auth_basic, mod_block] }
                """).withFallback(ConfigFactory.load()));
        WebHandlerRegistry web = new WebHandlerRegistry();
        ProxyRuntime proxy = ProxyRuntime.start(kit.system(), conf, web);
        try {
            Map<String, List<String>> chains = proxy.chains().current().handlersByPoint();
            assertEquals(List.of("mod_block", "mod_prison", "mod_auth_basic", "mod_static"), chains.get("FOUND_PRODUCT"), chains.toString());
            assertEquals(List.of("mod_compress", "mod_access"), chains.get("REQUEST_FINISH") == null ? null
                    : List.of(chains.get("READ_RESPONSE").get(0), chains.get("REQUEST_FINISH").get(0)), chains.toString());
            assertTrue(web.reloadNames().containsAll(List.of("mod_access", "mod_auth_basic", "mod_prison", "mod_static",
                    "mod_static.mime_type", "mod_compress")), web.reloadNames().toString());
            assertEquals("20190101000000", web.dataVersions().get("mod_prison"));
            assertEquals("init version", web.dataVersions().get("mod_compress"));
            assertEquals("prison.data=20190101000000", web.reload("mod_prison").orElseThrow().reload(Map.of()));
            try (RawHttp c = new RawHttp(proxy.httpPort())) {
                c.send("GET /logged HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
                c.read();
            }
            Path log = tmp.resolve("log/access.log");
            BuiltinHarness.await(() -> {
                try {
                    return Files.exists(log) && Files.readString(log).contains("host: localhost product: example")
                            && Files.readString(log).contains("block: allow_logged");
                } catch (java.io.IOException e) {
                    return false;
                }
            }, "the request in the access log");
            String m = web.monitor("mod_access").orElseThrow().render(Map.of());
            assertTrue(m.contains("REQ_LOG"), m);
        } finally {
            proxy.stop();
            kit.shutdownTestKit();
        }
    }
}
