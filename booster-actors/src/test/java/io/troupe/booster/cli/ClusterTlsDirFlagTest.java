package io.troupe.booster.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.ConfigFactory;
import io.troupe.booster.transport.ClusterTransport;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --cluster_tls_dir} becomes troupe.cluster.tls.dir, which BoosterRun hands to ClusterTransport. */
class ClusterTlsDirFlagTest {

    @TempDir
    Path dir;

    private final StringWriter err = new StringWriter();
    private final AtomicReference<String> seen = new AtomicReference<>();

    @AfterEach
    void noJvmWideState() {
        assertEquals(null, System.getProperty(ClusterTransport.TLS_DIR));
    }

    private int run(String... args) {
        BoosterCli cli = new BoosterCli(settings -> {
            seen.set(settings.config(ConfigFactory.load()).getString(ClusterTransport.TLS_DIR));
            return 0;
        }, Map.of("PATH", "/usr/bin"), dir);
        return BoosterCli.commandLine(cli, new PrintWriter(new StringWriter(), true), new PrintWriter(err, true)).execute(args);
    }

    @Test
    void theFlagSetsTheKeyAsAnAbsolutePathForItsOwnWorkOnly() {
        String fromEnv = System.getenv("TROUPE_CLUSTER_TLS_DIR");
        assertEquals(0, run("-bt", "custom", "-a", "true", "--cluster_tls_dir", dir.toString()), err.toString());
        assertEquals(dir.toAbsolutePath().toString(), seen.get());
        // the next booster in this JVM, without the flag, does not inherit it
        assertEquals(0, run("-bt", "custom", "-a", "true"), err.toString());
        assertEquals(fromEnv == null ? "" : fromEnv, seen.get());
    }
}
