package io.troupe.proxy.reload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.troupe.module.web.WebHandlerRegistry;
import io.troupe.proxy.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The reload actor behind name_conf and tls_conf, on a one-line "version file" snapshot. */
class SnapshotReloadActorTest {
    static ActorTestKit testKit;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        testKit = ActorTestKit.create(ConfigFactory.parseString("pekko.actor.serialize-messages = on")
                .withFallback(ConfigFactory.load()));
    }

    @AfterAll
    static void stop() {
        testKit.shutdownTestKit();
    }

    /** The snapshot is the file's one line; an empty file is bad input, "old" draws a warning. */
    private static String load(Path file, List<String> warnings) throws ConfigException {
        String line;
        try {
            line = Files.readString(file).trim();
        } catch (java.io.IOException e) {
            throw new ConfigException(file.toString(), "", "cannot read: " + e.getMessage());
        }
        if (line.isEmpty()) {
            throw new ConfigException(file.toString(), "Version", "is empty");
        }
        if (line.equals("old")) {
            warnings.add(file + ": Version: old");
        }
        return line;
    }

    private SnapshotReloadActor.Reloadable<String, Path> reloadable(Path file, AtomicReference<String> holder) {
        return new SnapshotReloadActor.Reloadable<>("test_conf", file, p -> p.resolve("v.data"),
                SnapshotReloadActorTest::load, holder::set, v -> "v" + v, "old one stays");
    }

    private static SnapshotReloadActor.ReloadResult reload(ActorRef<SnapshotReloadActor.Command> actor,
                                                           Optional<Path> path) {
        TestProbe<SnapshotReloadActor.ReloadResult> probe = testKit.createTestProbe();
        actor.tell(new SnapshotReloadActor.Reload(path, probe.getRef()));
        return probe.receiveMessage(Duration.ofSeconds(10));
    }

    @Test
    void aReloadSwapsTheSnapshotInAndABadOneKeepsTheOld() throws Exception {
        Path file = Files.writeString(dir.resolve("v.data"), "1\n");
        AtomicReference<String> holder = new AtomicReference<>("0");
        ActorRef<SnapshotReloadActor.Command> actor = testKit.spawn(SnapshotReloadActor.create(reloadable(file, holder)));

        SnapshotReloadActor.ReloadResult ok = reload(actor, Optional.empty());
        assertTrue(ok.ok());
        assertEquals("v1", ok.version());
        assertNull(ok.error());
        assertEquals("1", holder.get());

        Files.writeString(file, "");
        SnapshotReloadActor.ReloadResult bad = reload(actor, Optional.empty());
        assertFalse(bad.ok());
        assertEquals(file + ": Version: is empty", bad.error());
        assertEquals("1", holder.get());
        testKit.stop(actor);
    }

    @Test
    void theWebReloadReadsThePathForOneReloadAndReportsTheVersion() throws Exception {
        Path file = Files.writeString(dir.resolve("v.data"), "1\n");
        Path other = Files.createDirectory(dir.resolve("other"));
        Files.writeString(other.resolve("v.data"), "2\n");
        AtomicReference<String> holder = new AtomicReference<>("0");
        SnapshotReloadActor.Reloadable<String, Path> reloadable = reloadable(file, holder);
        ActorRef<SnapshotReloadActor.Command> actor = testKit.spawn(SnapshotReloadActor.create(reloadable));
        WebHandlerRegistry web = new WebHandlerRegistry();
        SnapshotReloadActor.registerReload(web, reloadable, actor, testKit.scheduler(), Duration.ofSeconds(10));

        assertEquals("v2", web.reload("test_conf").orElseThrow().reload(Map.of("path", List.of(other.toString()))));
        assertEquals("2", holder.get());
        assertEquals("v2", web.dataVersions().get("test_conf"));
        // without ?path= the default file is read again
        assertEquals("v1", web.reload("test_conf").orElseThrow().reload(Map.of()));

        Files.writeString(file, " ");
        Exception e = assertThrows(IllegalArgumentException.class,
                () -> web.reload("test_conf").orElseThrow().reload(Map.of()));
        assertEquals(file + ": Version: is empty", e.getMessage());
        assertEquals("1", holder.get());
        assertEquals("v1", web.dataVersions().get("test_conf"));
        testKit.stop(actor);
    }
}
