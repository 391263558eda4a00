package io.troupe.booster.handler.cc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import io.troupe.booster.hook.HookMode;
import io.troupe.booster.hook.HookSettings;
import io.troupe.booster.testutil.Proc;
import io.troupe.booster.client.BoosterRun;
import io.troupe.booster.client.WorkSettings;
import java.io.IOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `-bt cc` with files past the old 3 MiB inline cap: a unit whose preprocessed form is over 8 MiB and an
 * object over 8 MiB both compile remotely (on the booster's embedded worker), and equal a local build's.
 */
@Tag("process")
class CcLargeFilesTest {

    private static final long EIGHT_MIB = 8L << 20;

    @TempDir
    Path tmp;

    @Test
    void aLargePreprocessedUnitAndALargeObjectCompileRemotely() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/gcc")), "needs gcc");
        writeLargeUnit(tmp.resolve("big_unit.c"));
        // 9 MiB of initialised data: the object is larger than the source by far
        Files.writeString(tmp.resolve("big_object.c"), "char big_object[9 << 20] = {1};\n");
        Path stats = tmp.resolve("stats.json");
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("XDG_CACHE_HOME", tmp.resolve("cache").toString());
        env.put("PATH", "/usr/local/bin:/usr/bin:/bin");
        String command = "gcc -O0 -c big_unit.c -o remote_unit.o && gcc -O0 -c big_object.c -o remote_object.o";
        WorkSettings settings = new WorkSettings("cc", "large", "large-files-test", command, true, null, false,
                true, 0, 2, 0, 120, List.of(), tmp, env, stats).withHookSettings(new HookSettings(HookMode.SHIMS, null));
        int code = BoosterRun.run(settings, new CcHandler(), ConfigFactory.parseString(
                        "troupe.worker.sandbox-root = \"" + tmp.resolve("sandboxes") + "\"")
                .withFallback(ConfigFactory.load()));
        assertEquals(0, code, "the work failed (--no_local is on, so nothing ran locally)");

        JsonNode subWorks = new ObjectMapper().readTree(stats.toFile()).get("sub_works");
        assertEquals(2, subWorks.size(), subWorks.toString());
        for (JsonNode subWork : subWorks) {
            assertEquals("remote", subWork.get("route").asText(), subWork.toString());
        }
        assertTrue(Files.size(tmp.resolve("remote_object.o")) > EIGHT_MIB, "object over 8 MiB");

        // the same compiles run plainly give the same objects
        assertEquals(0, Proc.run(List.of("gcc", "-O0", "-c", "big_unit.c", "-o", "local_unit.o"), tmp, env).exitCode());
        assertEquals(0, Proc.run(List.of("gcc", "-O0", "-c", "big_object.c", "-o", "local_object.o"), tmp, env).exitCode());
        assertArrayEquals(Files.readAllBytes(tmp.resolve("local_unit.o")), Files.readAllBytes(tmp.resolve("remote_unit.o")));
        assertArrayEquals(Files.readAllBytes(tmp.resolve("local_object.o")), Files.readAllBytes(tmp.resolve("remote_object.o")));
        Proc.Outcome preprocessed = Proc.run(List.of("gcc", "-E", "big_unit.c", "-o", "big_unit.i"), tmp, env);
        assertEquals(0, preprocessed.exitCode(), preprocessed.err());
        assertTrue(Files.size(tmp.resolve("big_unit.i")) > EIGHT_MIB, "preprocessed unit over 8 MiB");
    }

    /** A table whose initialiser survives preprocessing: about 9.5 MiB of text in the .i. */
    private static void writeLargeUnit(Path file) throws IOException {
        try (Writer out = Files.newBufferedWriter(file)) {
            out.write("const unsigned short big_unit[] = {\n");
            for (int i = 0; i < 1_600_000; i++) {
                out.write(Integer.toString(10000 + i % 50000));
                out.write(i % 16 == 15 ? ",\n" : ",");
            }
            out.write("};\n");
        }
    }
}
