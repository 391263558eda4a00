package io.troupe.booster.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import io.troupe.booster.handler.EchoHandler;
import io.troupe.booster.testutil.Proc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A remote sub-work longer than --io_timeout_secs (default 60 s) runs once: the worker's heartbeats are the
 * progress, and --remote_timeout_secs has no limit by default. The one slow test (~90 s).
 */
@Tag("process")
class LongSubWorkTest {

    @TempDir
    Path tmp;

    @Test
    void aNinetySecondSubWorkRunsOnceUnderTheDefaultSettings() throws Exception {
        Proc.useGivenNativeBoosterExec();
        Path rules = Files.writeString(tmp.resolve("rules.json"),
                "{\"hooks\":[{\"src_command\":\"sleep\",\"target_command\":\"booster-exec $SRC_CMD\"}]}");
        // the CLI's defaults: --io_timeout_secs 60, --remote_timeout_secs 0, --remote_retry_times 1
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("XDG_CACHE_HOME", tmp.resolve("cache").toString()); // the stable shim directory, kept out of ~
        WorkSettings settings = new WorkSettings("echo", "demo", "long", "sleep 90 && touch slept", true, rules, false,
                false, 1, 2, 0, 60, List.of(), tmp, env, tmp.resolve("stats.json"), 0, 1.0);
        int code = BoosterRun.run(settings, new EchoHandler(), ConfigFactory.parseString(
                        "troupe.worker.sandbox-root = \"" + tmp.resolve("sandboxes") + "\"\n"
                                + "troupe.booster.worker-discovery-timeout = 10s")
                .withFallback(ConfigFactory.load()));
        assertEquals(0, code);
        assertTrue(Files.exists(tmp.resolve("slept")));
        JsonNode sub = new ObjectMapper().readTree(tmp.resolve("stats.json").toFile()).at("/sub_works/0");
        assertEquals("remote", sub.at("/route").asText(), sub.toString());
        assertEquals(1, sub.at("/attempts").asInt(), "ran once: " + sub);
        assertTrue(sub.at("/fallback_reason").isNull(), sub.toString());
        assertTrue(sub.at("/total_ms").asLong() < 150_000, "not run twice: " + sub);
    }
}
