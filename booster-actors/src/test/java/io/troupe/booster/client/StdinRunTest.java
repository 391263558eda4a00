package io.troupe.booster.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.troupe.booster.handler.EchoHandler;
import io.troupe.booster.testutil.Proc;
import io.troupe.booster.testutil.StderrCapture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Whole works with hooked commands: stdin is forwarded or the command runs locally; compile errors show once. */
@Tag("process")
class StdinRunTest {

    @TempDir
    Path tmp;

    private final StderrCapture stderr = new StderrCapture();

    @BeforeEach
    void captureStderr() {
        Proc.useGivenNativeBoosterExec();
        stderr.start();
    }

    @AfterEach
    void restoreStderr() {
        stderr.stop();
    }

    private String err() {
        return stderr.text();
    }

    private Config config() {
        return ConfigFactory.parseString(String.join("\n",
                        "troupe.worker.sandbox-root = \"" + tmp.resolve("sandboxes") + "\"",
                        "troupe.booster.worker-discovery-timeout = 10s"))
                .withFallback(ConfigFactory.load());
    }

    private Path rules(String... commands) throws Exception {
        StringBuilder json = new StringBuilder("{\"hooks\":[");
        for (int i = 0; i < commands.length; i++) {
            json.append(i > 0 ? "," : "").append("{\"src_command\":\"").append(commands[i])
                    .append("\",\"target_command\":\"booster-exec $SRC_CMD\"}");
        }
        return Files.writeString(tmp.resolve("rules.json"), json.append("]}").toString());
    }

    private WorkSettings settings(String command, Path rules) {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("XDG_CACHE_HOME", tmp.resolve("cache").toString()); // the stable shim directory, kept out of ~
        return new WorkSettings("echo", "demo", "stdin-test", command, true, rules, false, false, 1, 2, 0, 60,
                List.of(), tmp, env, tmp.resolve("stats.json"));
    }

    private JsonNode stats() throws Exception {
        return new ObjectMapper().readTree(tmp.resolve("stats.json").toFile());
    }

    @Test
    void aPipedStdinRunsLocallyAndAFileOnStdinIsForwarded() throws Exception {
        Files.writeString(tmp.resolve("in.txt"), "from a file\n");
        int code = BoosterRun.run(settings("echo x | cat > piped.txt && cat < in.txt > filed.txt", rules("cat")),
                new EchoHandler(), config());
        assertEquals(0, code, err());
        assertEquals("x\n", Files.readString(tmp.resolve("piped.txt")));
        assertEquals("from a file\n", Files.readString(tmp.resolve("filed.txt")));
        JsonNode subWorks = stats().at("/sub_works");
        assertEquals(2, subWorks.size(), stats().toString());
        assertEquals("stdin", subWorks.get(0).at("/fallback_reason").asText());
        assertEquals("remote", subWorks.get(1).at("/route").asText(), "the file went to the worker with the request");
        assertTrue(err().contains("remote ok 1, local fallback 1, failed 0, workers used 1; fell back: stdin 1"), err());
    }

    @Test
    void gccReadingThePipeBuildsTheObject() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/gcc")), "gcc is not installed");
        int code = BoosterRun.run(settings("echo 'int x;' | gcc -x c -c - -o s.o", rules("gcc")), new EchoHandler(),
                config());
        assertEquals(0, code, err());
        assertTrue(Files.size(tmp.resolve("s.o")) > 0, "s.o was built from stdin");
        assertEquals("stdin", stats().at("/sub_works/0/fallback_reason").asText());
    }

    @Test
    void aRemoteCompileErrorShowsTheLocalDiagnosticsOnceWithTheCompilersExitCode() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/gcc")), "gcc is not installed");
        Files.writeString(tmp.resolve("bad.c"), "int main(void) { return undeclared_name; }\n");
        // the echo handler sends no files: remotely gcc fails with "No such file", locally with the real error
        int code = BoosterRun.run(settings("gcc -c bad.c -o bad.o 2> gcc.err", rules("gcc")), new EchoHandler(),
                config());
        String diagnostics = Files.readString(tmp.resolve("gcc.err"));
        assertEquals(1, code, err() + diagnostics);
        assertEquals(1, countOf(diagnostics, "error:"), "the compiler's error, once: " + diagnostics);
        assertTrue(diagnostics.contains("undeclared_name"), diagnostics);
        assertFalse(diagnostics.contains("No such file"), "the remote attempt's message is not shown: " + diagnostics);
        assertEquals("remote_nonzero", stats().at("/sub_works/0/fallback_reason").asText());
        assertEquals("failed", stats().at("/sub_works/0/route").asText());
        assertEquals(1, stats().at("/sub_works/0/exit_code").asInt());
    }

    private static int countOf(String text, String word) {
        return text.split(java.util.regex.Pattern.quote(word), -1).length - 1;
    }
}
