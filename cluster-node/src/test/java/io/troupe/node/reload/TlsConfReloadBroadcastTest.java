package io.troupe.node.reload;

import static io.troupe.node.reload.ReloadCluster.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.troupe.node.TestNodes;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /reload/tls_conf} and {@code /reload/name_conf} are broadcasts like every reload: asked on one node,
 * every proxy node of the cluster reloads and answers; a bad file is refused by every node and the old
 * certificates stay.
 */
@Tag("multinode")
class TlsConfReloadBroadcastTest {
    @TempDir
    Path conf;

    @Test
    void tlsConfAndNameConfReloadOnEveryNode() throws Exception {
        Path tls = Files.createDirectories(conf.resolve("tls_conf"));
        openssl(tls, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", "a.key", "-out", "a.crt", "-days", "2", "-subj", "/CN=a.test");
        writeCerts(tls, "v1", "tls_conf/a.crt");
        Files.writeString(tls.resolve("tls_rule_conf.data"), """
                {"Version": "r1", "Config": {"p": {"CertName": "a", "SniConf": ["a.test"]}}}
                """);
        Files.createDirectories(conf.resolve("server_data_conf"));
        Files.writeString(conf.resolve("server_data_conf/name_conf.data"), """
                {"Version": "n1", "Config": {"svc": [{"Host": "10.0.0.1", "Port": 80, "Weight": 1}]}}
                """);
        try (ReloadCluster cluster = new ReloadCluster(conf, Duration.ofSeconds(3))) {
            writeCerts(tls, "v2", "tls_conf/a.crt");
            JsonNode ok = json(TestNodes.get(cluster.node(1), "/reload/tls_conf"));
            assertTrue(ok.get("error").isNull(), ok.toString());
            assertEquals("server_cert_conf=v2,tls_rule_conf=r1", ok.get("version").asText(), ok.toString());
            assertEquals(3, ok.get("nodes").size(), ok.toString());

            writeCerts(tls, "v3", "tls_conf/missing.crt");
            JsonNode bad = json(TestNodes.get(cluster.node(2), "/reload/tls_conf"));
            assertFalse(bad.get("error").isNull(), bad.toString());
            assertEquals(3, bad.get("nodes").size(), bad.toString());
            for (JsonNode n : bad.get("nodes")) {
                assertFalse(n.get("ok").asBoolean(), bad.toString());
                assertTrue(n.get("error").asText().contains("Config.CertConf.a.ServerCertFile"), bad.toString());
            }
            JsonNode status = json(TestNodes.get(cluster.node(3), "/monitor/module_status"));
            for (JsonNode n : status.get("nodes")) {
                assertEquals("server_cert_conf=v2,tls_rule_conf=r1", n.get("versions").get("tls_conf").asText(),
                        status.toString());
            }

            Files.writeString(conf.resolve("server_data_conf/name_conf.data"), """
                    {"Version": "n2", "Config": {"svc": [{"Host": "10.0.0.2", "Port": 80, "Weight": 1}]}}
                    """);
            JsonNode names = json(TestNodes.get(cluster.node(3), "/reload/name_conf"));
            assertTrue(names.get("error").isNull(), names.toString());
            assertEquals("n2", names.get("version").asText(), names.toString());
            assertEquals(3, names.get("nodes").size(), names.toString());
        }
    }

    private static void writeCerts(Path tls, String version, String certFile) throws Exception {
        Files.writeString(tls.resolve("server_cert_conf.data"), """
                {"Version": "%s", "Config": {"Default": "a", "CertConf": {
                   "a": {"ServerCertFile": "%s", "ServerKeyFile": "tls_conf/a.key"}}}}
                """.formatted(version, certFile));
    }

    private static void openssl(Path dir, String... args) throws Exception {
        String[] cmd = new String[args.length + 1];
        cmd[0] = "openssl";
        System.arraycopy(args, 0, cmd, 1, args.length);
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "openssl finished");
        assertEquals(0, p.exitValue(), out);
    }
}
