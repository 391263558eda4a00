package io.troupe.module.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.troupe.api.proxy.CallbackPoint;
import io.troupe.api.proxy.Callbacks;
import io.troupe.api.proxy.FilterResult;
import io.troupe.api.proxy.ForwardFilter;
import io.troupe.api.proxy.Module;
import io.troupe.api.proxy.RequestFilter;
import io.troupe.api.proxy.ResponseFilter;
import io.troupe.api.proxy.SessionFilter;
import io.troupe.api.proxy.WebHandlers;
import io.troupe.api.proxy.config.DataFile;
import io.troupe.api.proxy.config.DataTable;
import io.troupe.api.proxy.config.ModuleConf;
import io.troupe.module.web.WebHandlerRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The module runtime: init through the module actor, serialised reloads, old snapshot kept on a bad reload. */
class ModuleActorTest {

    @TempDir
    Path conf;
    private ActorTestKit kit;

    @BeforeEach
    void setUp() {
        kit = ActorTestKit.create(ConfigFactory.parseString("pekko.actor.serialize-messages = on"));
    }

    @AfterEach
    void tearDown() {
        kit.shutdownTestKit();
    }

    /** A module with one .data table {"Version", "Config": {"Word": "..."}} and a conf naming its path. */
    static final class WordModule implements Module {
        volatile DataTable<Words> table;
        final AtomicInteger concurrent = new AtomicInteger();
        final AtomicInteger maxConcurrent = new AtomicInteger();
        volatile CountDownLatch slowReload = new CountDownLatch(0);
        volatile CountDownLatch loadStarted = new CountDownLatch(0);

        record Words(String version, String word) {}

        @Override
        public String name() {
            return "mod_word";
        }

        @Override
        public void init(Callbacks callbacks, WebHandlers web, Path confRoot) throws Exception {
            ModuleConf c = ModuleConf.load(ModuleConf.confFile(confRoot, name()), confRoot, "Basic.DataPath");
            table = DataTable.open(web, "mod_word.words", c.path("Basic", "DataPath", "mod_word/words.data"),
                    this::load, Words::version);
            callbacks.addFilter(CallbackPoint.BEFORE_LOCATION, (RequestFilter) r -> FilterResult.GO_ON);
        }

        private Words load(Path file) throws Exception {
            int now = concurrent.incrementAndGet();
            maxConcurrent.accumulateAndGet(now, Math::max);
            loadStarted.countDown();
            try {
                slowReload.await(5, TimeUnit.SECONDS);
                DataFile f = DataFile.load(file);
                var w = DataFile.field(f.config(), "Word");
                if (w == null || !w.isTextual() || w.asText().isEmpty()) {
                    throw f.error("Config.Word", "must be a non-empty string");
                }
                return new Words(f.version(), w.asText());
            } finally {
                concurrent.decrementAndGet();
            }
        }
    }

    static final class NoCallbacks implements Callbacks {
        final List<Object> filters = new ArrayList<>();

        @Override
        public void addFilter(CallbackPoint point, SessionFilter filter) {
            filters.add(filter);
        }

        @Override
        public void addFilter(CallbackPoint point, RequestFilter filter) {
            filters.add(filter);
        }

        @Override
        public void addFilter(CallbackPoint point, ForwardFilter filter) {
            filters.add(filter);
        }

        @Override
        public void addFilter(CallbackPoint point, ResponseFilter filter) {
            filters.add(filter);
        }
    }

    private void writeConf(String data) throws Exception {
        Files.createDirectories(conf.resolve("mod_word"));
        Files.writeString(conf.resolve("mod_word/mod_word.conf"), "[Basic]\nDataPath = mod_word/words.data\n");
        Files.writeString(conf.resolve("mod_word/words.data"), data);
    }

    @Test
    void badReloadKeepsTheOldSnapshotAndReloadsAreSerialised() throws Exception {
        writeConf("{\"Version\": \"v1\", \"Config\": {\"Word\": \"one\"}}");
        WordModule m = new WordModule();
        WebHandlerRegistry web = new WebHandlerRegistry();
        NoCallbacks cb = new NoCallbacks();
        ModuleRuntime rt = ModuleRuntime.start(kit.system(), List.of(m), n -> cb, web, conf, Duration.ofSeconds(10));
        assertEquals(1, cb.filters.size());
        assertEquals("one", m.table.get().word());
        assertEquals(Map.of("mod_word.words", "v1"), web.dataVersions());
        assertEquals(Map.of("mod_word", Map.of("mod_word.words", "v1")), rt.versions());

        Files.writeString(conf.resolve("mod_word/words.data"), "{\"Version\": \"v2\", \"Config\": {\"word\": \"\"}}");
        WebHandlers.ReloadHandler reload = web.reload("mod_word.words").orElseThrow();
        Exception bad = assertThrows(Exception.class, () -> reload.reload(Map.of()));
        assertTrue(bad.getMessage().contains("words.data: Config.Word: must be a non-empty string"), bad.getMessage());
        assertEquals("one", m.table.get().word());
        assertEquals("v1", web.dataVersions().get("mod_word.words"));

        Path other = conf.resolve("other.data");
        Files.writeString(other, "{\"Version\": \"v3\", \"Config\": {\"WORD\": \"three\"}}");
        assertEquals("v3", reload.reload(Map.of("path", List.of(other.toString()))));
        assertEquals("three", m.table.get().word());
        assertEquals("v3", web.dataVersions().get("mod_word.words"));
        assertEquals(Map.of("mod_word.words", "v3"), rt.versions().get("mod_word"));

        // four reloads at once from four threads: the module sees them one at a time
        Files.writeString(conf.resolve("mod_word/words.data"), "{\"Version\": \"v4\", \"Config\": {\"Word\": \"four\"}}");
        m.slowReload = new CountDownLatch(1);
        m.loadStarted = new CountDownLatch(1);
        ExecutorService callers = Executors.newFixedThreadPool(4);
        List<CompletableFuture<String>> calls = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            calls.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return reload.reload(Map.of());
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            }, callers));
        }
        assertTrue(m.loadStarted.await(10, TimeUnit.SECONDS));
        m.slowReload.countDown();
        for (CompletableFuture<String> c : calls) {
            assertEquals("v4", c.get(10, TimeUnit.SECONDS));
        }
        assertEquals(1, m.maxConcurrent.get());
        callers.shutdown();
        rt.stop();
    }

    @Test
    void initFailureFailsStartNamingFileAndKey() throws Exception {
        Files.createDirectories(conf.resolve("mod_word"));
        Files.writeString(conf.resolve("mod_word/mod_word.conf"), "[Basic]\nDatePath = x\n");
        WebHandlerRegistry web = new WebHandlerRegistry();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModuleRuntime.start(
                kit.system(), List.of(new WordModule()), n -> new NoCallbacks(), web, conf, Duration.ofSeconds(10)));
        assertTrue(e.getMessage().startsWith("module mod_word failed to start: "), e.getMessage());
        assertTrue(e.getMessage().contains("mod_word.conf: [Basic] DatePath: unknown key"), e.getMessage());

        // the failed start freed the actor name: a fixed config starts
        writeConf("{\"Version\": \"v1\", \"Config\": {\"Word\": \"one\"}}");
        ModuleRuntime rt = ModuleRuntime.start(kit.system(), List.of(new WordModule()), n -> new NoCallbacks(),
                new WebHandlerRegistry(), conf, Duration.ofSeconds(10));
        assertEquals(List.of("mod_word"), rt.names());
        rt.stop();
    }

    @Test
    void invalidDataAtInitFailsStart() throws Exception {
        writeConf("{\"Version\": \"v1\", \"Config\": {}}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModuleRuntime.start(
                kit.system(), List.of(new WordModule()), n -> new NoCallbacks(), new WebHandlerRegistry(), conf,
                Duration.ofSeconds(10)));
        assertTrue(e.getMessage().contains("words.data: Config.Word"), e.getMessage());
    }
}
