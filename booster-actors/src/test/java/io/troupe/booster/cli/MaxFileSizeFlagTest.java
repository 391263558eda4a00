package io.troupe.booster.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --max_file_size} becomes troupe.booster.max-file-size in its work's config, which the WorkActor reads; not
 * a System property, which would leak into the next booster of the same JVM.
 */
class MaxFileSizeFlagTest {

    @TempDir
    Path dir;

    private final StringWriter err = new StringWriter();
    private final AtomicLong seen = new AtomicLong(-1);

    @AfterEach
    void noJvmWideState() {
        assertEquals(null, System.getProperty("troupe.booster.max-file-size"));
    }

    private int run(String... args) {
        BoosterCli cli = new BoosterCli(settings -> {
            seen.set(settings.config(ConfigFactory.load()).getBytes("troupe.booster.max-file-size"));
            return 0;
        }, Map.of("PATH", "/usr/bin"), dir);
        return BoosterCli.commandLine(cli, new PrintWriter(new StringWriter(), true), new PrintWriter(err, true)).execute(args);
    }

    @Test
    void theFlagSetsItForItsOwnWorkOnly() {
        assertEquals(0, run("-bt", "custom", "-a", "true", "--max_file_size", "500M"), err.toString());
        assertEquals(500L << 20, seen.get());
        // the next booster in this JVM, without the flag: the default again
        assertEquals(0, run("-bt", "custom", "-a", "true"), err.toString());
        assertEquals(1L << 30, seen.get());
    }

    @Test
    void aBadSizeIsRefusedNamingTheFlag() {
        assertEquals(2, run("-bt", "custom", "-a", "true", "--max_file_size", "lots"));
        assertTrue(err.toString().contains("--max_file_size 'lots' is not a size"), err.toString());
    }
}
