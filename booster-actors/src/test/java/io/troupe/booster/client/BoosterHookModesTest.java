package io.troupe.booster.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.troupe.booster.exec.BoosterExecLocation;
import io.troupe.booster.handler.EchoHandler;
import io.troupe.booster.handler.cc.CcHandler;
import io.troupe.booster.hook.HookMode;
import io.troupe.booster.hook.HookSettings;
import io.troupe.booster.testutil.Proc;
import io.troupe.booster.testutil.StderrCapture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Whole works in both hook modes: CMake projects configured and built in the booster, then built again outside it. */
@Tag("process")
class BoosterHookModesTest {

    @TempDir
    Path tmp;

    private final StderrCapture stderr = new StderrCapture();
    private Path library;

    @BeforeEach
    void setUp() {
        library = Path.of(System.getProperty("troupe.test.hook-library", "target/native/libtroupe-hook.so")).toAbsolutePath();
        assumeTrue(Files.isRegularFile(library), "libtroupe-hook.so not built (no C compiler)");
        assumeTrue(Proc.nativeBoosterExec().isPresent(), "native booster-exec not built");
        System.setProperty(BoosterExecLocation.NATIVE_PROPERTY, Proc.nativeBoosterExec().get().toString());
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
                        "troupe.booster.join-timeout = 3s",
                        "troupe.booster.worker-discovery-timeout = 10s"))
                .withFallback(ConfigFactory.load());
    }

    private int run(String command, String rules, boolean local, Path stats) throws Exception {
        return run(command, rules, local, stats, new HookSettings(HookMode.PRELOAD, library));
    }

    private int run(String command, String rules, boolean local, Path stats, HookSettings hooks) throws Exception {
        Path rulesFile = Files.writeString(tmp.resolve("rules.json"), rules);
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("XDG_CACHE_HOME", tmp.resolve("cache").toString());
        env.put("PATH", "/usr/local/bin:/usr/bin:/bin");
        WorkSettings settings = new WorkSettings("echo", "preload", "preload-test", command, true, rulesFile, local,
                false, 0, 2, 0, 30, List.of(), tmp, env, stats).withHookSettings(hooks);
        return BoosterRun.run(settings, new EchoHandler(), config());
    }

    private static List<List<String>> subWorkArgvs(Path stats) throws Exception {
        JsonNode document = new ObjectMapper().readTree(stats.toFile());
        List<List<String>> argvs = new ArrayList<>();
        for (JsonNode subWork : document.get("sub_works")) {
            List<String> argv = new ArrayList<>();
            subWork.get("argv").forEach(word -> argv.add(word.asText()));
            argvs.add(argv);
        }
        return argvs;
    }

    @Test
    void aCmakeProjectWithAnAbsoluteCompilerIsHookedAndBuildsAgainOutsideTheBooster() throws Exception {
        assumeCmake();
        writeProject("hello 1");
        Path stats = tmp.resolve("stats.json");
        int code = run("cmake -S src -B build -DCMAKE_CXX_COMPILER=/usr/bin/c++ > cmake.log && cmake --build build",
                "{\"hooks\":[{\"src_command\":\"/usr/bin/c++\",\"target_command\":\"booster-exec $SRC_CMD\"}]}",
                true, stats);
        assertEquals(0, code, err());
        List<List<String>> argvs = subWorkArgvs(stats);
        assertTrue(argvs.stream().allMatch(argv -> argv.get(0).equals("/usr/bin/c++")), argvs.toString());
        assertTrue(argvs.stream().anyMatch(argv -> argv.contains("-c") && argv.get(argv.size() - 1).endsWith("/src/main.cpp")),
                "the project's compile was hooked: " + argvs);
        assertTrue(argvs.stream().anyMatch(argv -> argv.contains("hello")), "the link was hooked: " + argvs);
        assertTrue(argvs.stream().noneMatch(argv -> argv.get(0).contains("cc1plus") || argv.get(0).endsWith("/as")),
                "gcc's own children were not hooked: " + argvs);
        assertEquals("hello 1\n", Proc.run(List.of(tmp.resolve("build/hello").toString()), tmp, Map.of()).out());

        // later, without any booster: the compiler CMake recorded still builds
        assertBuildsAgainOutsideTheBooster();
    }

    @Test
    void aCmakeProjectWithAnAbsoluteCompilerCompilesRemotelyUnderBtCc() throws Exception {
        assumeCmake();
        writeProject("hello 1");
        Path stats = tmp.resolve("stats.json");
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("XDG_CACHE_HOME", tmp.resolve("cache").toString());
        env.put("PATH", "/usr/local/bin:/usr/bin:/bin");
        // no rules file: the cc handler's own rules (every compiler name), which the library matches on /usr/bin/c++
        WorkSettings settings = new WorkSettings("cc", "preload", "preload-cc-test",
                "cmake -S src -B build -DCMAKE_CXX_COMPILER=/usr/bin/c++ > cmake.log && cmake --build build",
                true, null, false, false, 0, 2, 0, 30, List.of(), tmp, env, stats)
                .withHookSettings(new HookSettings(HookMode.PRELOAD, library));
        assertEquals(0, BoosterRun.run(settings, new CcHandler(), config()), err());

        JsonNode document = new ObjectMapper().readTree(stats.toFile());
        List<String> remoteCompiles = new ArrayList<>();
        for (JsonNode subWork : document.get("sub_works")) {
            List<String> argv = new ArrayList<>();
            subWork.get("argv").forEach(word -> argv.add(word.asText()));
            if ("remote".equals(subWork.get("route").asText())) {
                remoteCompiles.add(String.join(" ", argv));
            }
        }
        assertTrue(remoteCompiles.stream().anyMatch(argv -> argv.startsWith("/usr/bin/c++ ") && argv.contains(" -c ")
                && argv.endsWith("/src/main.cpp")), "the project's compile ran remotely: " + remoteCompiles + "\n" + err());
        assertEquals("hello 1\n", Proc.run(List.of(tmp.resolve("build/hello").toString()), tmp, Map.of()).out());

        assertBuildsAgainOutsideTheBooster();
    }

    @Test
    void aCmakeProjectConfiguredOnShimsBuildsAgainOutsideTheBooster() throws Exception {
        assumeCmake();
        writeProject("hello 1");
        Path stats = tmp.resolve("stats.json");
        int code = run("cmake -S src -B build > cmake.log && cmake --build build",
                "{\"hooks\":[{\"src_command\":\"c++\",\"target_command\":\"booster-exec $SRC_CMD\"}]}",
                true, stats, new HookSettings(HookMode.SHIMS, null));
        assertEquals(0, code, err());
        String compiler = Files.readAllLines(tmp.resolve("build/CMakeCache.txt")).stream()
                .filter(line -> line.startsWith("CMAKE_CXX_COMPILER:")).findFirst().orElse("");
        assertTrue(compiler.contains(tmp.resolve("cache/troupe/shims") + "/"), "CMake recorded the shim: " + compiler);
        assertTrue(subWorkArgvs(stats).stream().anyMatch(argv -> argv.contains("-c")), "compiles were hooked");
        assertEquals("hello 1\n", Proc.run(List.of(tmp.resolve("build/hello").toString()), tmp, Map.of()).out());

        // the work is over and the shim directory is still there: the recorded compiler works without a booster
        assertBuildsAgainOutsideTheBooster();
    }

    private static void assumeCmake() {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/cmake")) && Files.isExecutable(Path.of("/usr/bin/c++")),
                "needs /usr/bin/cmake and /usr/bin/c++");
    }

    /** After the work: a changed source builds with the compiler CMake recorded, without any booster. */
    private void assertBuildsAgainOutsideTheBooster() throws Exception {
        writeProject("hello 2");
        Proc.Outcome outside = Proc.run(List.of("/usr/bin/cmake", "--build", "build"), tmp,
                Map.of("PATH", "/usr/local/bin:/usr/bin:/bin", "HOME", tmp.toString()));
        assertEquals(0, outside.exitCode(), outside.err());
        assertEquals("hello 2\n", Proc.run(List.of(tmp.resolve("build/hello").toString()), tmp, Map.of()).out());
    }

    private void writeProject(String greeting) throws Exception {
        Path src = Files.createDirectories(tmp.resolve("src"));
        Files.writeString(src.resolve("CMakeLists.txt"),
                "cmake_minimum_required(VERSION 3.10)\nproject(hooked CXX)\nadd_executable(hello main.cpp)\n");
        Files.writeString(src.resolve("main.cpp"), "#include <cstdio>\nint main() { std::puts(\"" + greeting + "\"); }\n");
    }

    @Test
    void aCompileReadingStdinKeepsItsInputUnderTheBooster() throws Exception {
        int code = run("echo 'int x;' | gcc -x c -c - -o s.o && nm s.o > nm.txt",
                "{\"hooks\":[{\"src_command\":\"*/gcc\",\"target_command\":\"booster-exec $SRC_CMD\"},"
                        + "{\"src_command\":\"gcc\",\"target_command\":\"booster-exec $SRC_CMD\"}]}",
                false, null);
        assertEquals(0, code, err());
        String symbols = Files.readString(tmp.resolve("nm.txt"));
        assertTrue(symbols.matches("(?s).* [BCD] x\\n.*"), "s.o defines x: " + symbols);
    }
}
