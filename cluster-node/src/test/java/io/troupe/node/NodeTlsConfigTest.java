package io.troupe.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** troupe.cluster.tls.dir / --tls-dir turn on Artery TLS for a node; bad key material stops it naming the file. */
class NodeTlsConfigTest {
    @TempDir
    Path tmp;

    @Test
    void tlsDirTurnsOnTlsWithTheRotatingKeysEngine() throws Exception {
        for (String name : new String[] {"tls.key", "tls.crt", "ca.crt"}) {
            Files.writeString(tmp.resolve(name), "PEM\n");
        }
        Config config = NodeConfig.withOverrides(Map.of("troupe.cluster.tls.dir", tmp.toString()));
        assertEquals("tls-tcp", config.getString("pekko.remote.artery.transport"));
        assertEquals("org.apache.pekko.remote.artery.tcp.ssl.RotatingKeysSSLEngineProvider",
                config.getString("pekko.remote.artery.ssl.ssl-engine-provider"));
        assertEquals(tmp.resolve("ca.crt").toString(),
                config.getString("pekko.remote.artery.ssl.rotating-keys-engine.ca-cert-file"));
        assertEquals("tcp", NodeConfig.withOverrides(Map.of()).getString("pekko.remote.artery.transport"));
    }

    @Test
    void missingKeyFileIsNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NodeConfig.withOverrides(Map.of("troupe.cluster.tls.dir", tmp.toString())));
        assertTrue(e.getMessage().contains(tmp.resolve("tls.key").toString()), e.getMessage());
    }

    @Test
    void tlsDirFlagWithoutKeyMaterialExitsTwo() throws Exception {
        Files.writeString(tmp.resolve(NodeConfig.FILE_NAME), "");
        PrintStream realErr = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try {
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            code = new CommandLine(new ClusterNodeMain()).execute("--conf", tmp.toString(),
                    "--tls-dir", tmp.resolve("nowhere").toString(), "--port", "0", "--admin", "127.0.0.1:0");
        } finally {
            System.setErr(realErr);
        }
        String text = err.toString(StandardCharsets.UTF_8);
        assertEquals(2, code, text);
        assertTrue(text.contains("troupe.cluster.tls.dir (--tls-dir)") && text.contains("nowhere"), text);
    }
}
