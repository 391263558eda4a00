package io.troupe.booster.handler.cc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import io.troupe.booster.client.BoosterRun;
import io.troupe.booster.client.WorkSettings;
import io.troupe.booster.exec.BoosterExecLocation;
import io.troupe.booster.hook.HookMode;
import io.troupe.booster.hook.HookSettings;
import io.troupe.booster.testutil.Proc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A libtool pair through a whole work: {@code --stats_json} says which compile took the other's preprocessed unit. */
@Tag("process")
class SharedInputStatsTest {

    @TempDir
    Path tmp;

    @Test
    void theSecondCompileOfALibtoolPairIsMarkedSharedInStatsJson() throws Exception {
        Path library = Path.of(System.getProperty("troupe.test.hook-library", "target/native/libtroupe-hook.so")).toAbsolutePath();
        assumeTrue(Files.isRegularFile(library), "libtroupe-hook.so not built (no C compiler)");
        assumeTrue(Proc.nativeBoosterExec().isPresent(), "native booster-exec not built");
        System.setProperty(BoosterExecLocation.NATIVE_PROPERTY, Proc.nativeBoosterExec().get().toString());
        Files.writeString(tmp.resolve("u.c"), "int twice(int x) { return 2 * x; }\n");
        Files.createDirectories(tmp.resolve(".libs"));
        Path stats = tmp.resolve("stats.json");
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("XDG_CACHE_HOME", tmp.resolve("cache").toString());
        env.put("PATH", "/usr/local/bin:/usr/bin:/bin");
        WorkSettings settings = new WorkSettings("cc", "shared", "shared-test",
                "gcc -O2 -c u.c -fPIC -DPIC -o .libs/u.o && gcc -O2 -c u.c -o u.o", true, null, false, false, 0, 2, 0,
                30, List.of(), tmp, env, stats).withHookSettings(new HookSettings(HookMode.PRELOAD, library));
        var config = ConfigFactory.parseString(String.join("\n",
                        "troupe.worker.sandbox-root = \"" + tmp.resolve("sandboxes") + "\"",
                        "troupe.booster.join-timeout = 3s",
                        "troupe.booster.worker-discovery-timeout = 10s"))
                .withFallback(ConfigFactory.load());
        // no margin for the file times: u.c was written just now
        assertEquals(0, BoosterRun.run(settings, new CcHandler(Duration.ZERO), config));

        Map<String, String> shared = new LinkedHashMap<>();
        for (JsonNode subWork : new ObjectMapper().readTree(stats.toFile()).get("sub_works")) {
            List<String> argv = new java.util.ArrayList<>();
            subWork.get("argv").forEach(word -> argv.add(word.asText()));
            shared.put(argv.get(argv.size() - 1), subWork.get("route").asText() + " " + subWork.get("shared_input").asBoolean());
        }
        assertEquals(Map.of(".libs/u.o", "remote false", "u.o", "remote true"), shared);
    }
}
