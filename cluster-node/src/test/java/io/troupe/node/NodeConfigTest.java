package io.troupe.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Config layering (defaults < conf file < flags), the Pekko keys derived from troupe.node.*, and bad input. */
class NodeConfigTest {
    @TempDir
    Path dir;

    @Test
    void defaultsFormASingleNodeWorkerProxyClusterWithSbr() {
        Config config = NodeConfig.withOverrides(Map.of());
        NodeSettings settings = NodeSettings.from(config);
        assertEquals(Set.of("worker", "proxy"), settings.roles());
        assertEquals(List.of(), settings.seeds());
        assertEquals(7355, config.getInt("pekko.remote.artery.canonical.port"));
        assertEquals("127.0.0.1", settings.adminHost());
        assertEquals(8421, settings.adminPort());
        assertEquals("cluster", config.getString("pekko.actor.provider"));
        assertFalse(config.getBoolean("pekko.fail-mixed-versions"));
        assertEquals("io.troupe.booster.downing.NodeMajorityDowningProvider",
                config.getString("pekko.cluster.downing-provider-class"));
        assertEquals("keep-majority", config.getString("pekko.cluster.split-brain-resolver.active-strategy"));
        // split-brain decisions count cluster nodes only: every node has the role, a booster never does
        assertEquals("node", config.getString("pekko.cluster.split-brain-resolver.keep-majority.role"));
        assertTrue(config.getStringList("pekko.cluster.roles").contains("node"));
        assertFalse(config.getBoolean("kamon.prometheus.start-embedded-http-server"));
        assertTrue(config.hasPath("troupe.blocking-dispatcher.executor"));
        // the frame size boosters use too, whatever order the reference.conf files were found in
        assertEquals(config.getBytes("troupe.remote.maximum-frame-size"),
                config.getBytes("pekko.remote.artery.advanced.maximum-frame-size"));
    }

    @Test
    void fileOverridesDefaultsAndFlagsOverrideTheFile() throws Exception {
        Path file = dir.resolve("cluster-node.conf");
        Files.writeString(file, """
                troupe.node { roles = [worker], port = 9001, seeds = ["10.0.0.5:7355"] }
                troupe.admin.port = 9100
                """);
        Config fromFile = NodeConfig.load(file, true, Map.of());
        assertEquals(Set.of("worker"), NodeSettings.from(fromFile).roles());
        assertEquals(9100, NodeSettings.from(fromFile).adminPort());
        assertEquals(List.of("pekko://troupe@10.0.0.5:7355"), fromFile.getStringList("pekko.cluster.seed-nodes"));
        // "node": the role the split-brain resolver counts (boosters lack it)
        assertEquals(List.of("worker", "node"), fromFile.getStringList("pekko.cluster.roles"));

        Config withFlags = NodeConfig.load(file, true, Map.of("troupe.node.port", 9002, "troupe.node.roles", List.of()));
        assertEquals(9002, withFlags.getInt("pekko.remote.artery.canonical.port"));
        assertEquals(List.of("node"), withFlags.getStringList("pekko.cluster.roles"));
        assertEquals(9100, withFlags.getInt("troupe.admin.port"));
    }

    @Test
    void badInputNamesTheFileOrKey() throws Exception {
        Path broken = dir.resolve("cluster-node.conf");
        Files.writeString(broken, "troupe.node {\n  roles = [worker\n");
        var parse = assertThrows(IllegalArgumentException.class, () -> NodeConfig.load(broken, true, Map.of()));
        assertTrue(parse.getMessage().contains(broken.toString()), parse.getMessage());

        var missing = assertThrows(IllegalArgumentException.class,
                () -> NodeConfig.load(dir.resolve("absent.conf"), true, Map.of()));
        assertTrue(missing.getMessage().contains("absent.conf") && missing.getMessage().contains("does not exist"));

        var role = assertThrows(IllegalArgumentException.class,
                () -> NodeConfig.withOverrides(Map.of("troupe.node.roles", List.of("worker", "gateway"))));
        assertTrue(role.getMessage().contains("troupe.node.roles") && role.getMessage().contains("'gateway'"));

        var seed = assertThrows(IllegalArgumentException.class,
                () -> NodeConfig.withOverrides(Map.of("troupe.node.seeds", List.of("just-a-host"))));
        assertTrue(seed.getMessage().contains("--seed") && seed.getMessage().contains("'just-a-host'"));

        var both = assertThrows(IllegalArgumentException.class, () -> NodeConfig.withOverrides(Map.of(
                "troupe.cluster.bootstrap", "kubernetes-api", "troupe.node.seeds", List.of("10.0.0.1:7355"))));
        assertTrue(both.getMessage().contains("set one of them"), both.getMessage());

        var port = assertThrows(IllegalArgumentException.class,
                () -> NodeConfig.withOverrides(Map.of("troupe.admin.port", 70000)));
        assertTrue(port.getMessage().contains("troupe.admin.port"), port.getMessage());
    }

    @Test
    void mainRejectsBadFlagsWithExitCode2AndAMessage() throws Exception {
        Files.writeString(dir.resolve("cluster-node.conf"), "troupe.node.port = 0\n");
        PrintStream original = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int code = new CommandLine(new ClusterNodeMain()).execute("--conf", dir.toString(), "--roles", "worker,bogus");
            assertEquals(2, code);
            assertTrue(err.toString(StandardCharsets.UTF_8).contains("unknown role 'bogus'"), err.toString());

            // a BFE conf directory has bfe.conf and no cluster-node.conf: the node reads it on built-in defaults
            Path bfeDir = Files.createDirectories(dir.resolve("bfe"));
            err.reset();
            code = new CommandLine(new ClusterNodeMain()).execute("--conf", bfeDir.toString(), "--roles", "worker,bogus");
            assertEquals(2, code);
            assertTrue(err.toString(StandardCharsets.UTF_8).contains("cluster-node.conf does not exist"), err.toString());
            Files.writeString(bfeDir.resolve("bfe.conf"), "[Server]\nHttpPort = 8080\n");
            err.reset();
            code = new CommandLine(new ClusterNodeMain()).execute("--conf", bfeDir.toString(), "--roles", "worker,bogus");
            assertEquals(2, code);
            assertTrue(err.toString(StandardCharsets.UTF_8).contains("unknown role 'bogus'"), err.toString());

            err.reset();
            code = new CommandLine(new ClusterNodeMain()).execute("--admin", "localhost");
            assertEquals(2, code);
            assertTrue(err.toString(StandardCharsets.UTF_8).contains("--admin: 'localhost' is not host:port"),
                    err.toString());

            java.io.StringWriter version = new java.io.StringWriter();
            CommandLine line = new CommandLine(new ClusterNodeMain()).setOut(new java.io.PrintWriter(version));
            assertEquals(0, line.execute("-V"));
            assertTrue(version.toString().startsWith("Troupe cluster-node "), version.toString());
        } finally {
            System.setErr(original);
        }
    }
}
