package io.troupe.booster.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.booster.exec.BoosterExecLocation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real booster process whose stderr goes to a file, as in {@code booster ... 2> build.log}. */
@Tag("process")
class PipedOutputTest {

    @TempDir
    Path tmp;

    @Test
    void aBoosterRunPipedToAFileShowsPeriodicLinesAndTheSummary() throws Exception {
        Path input = Files.writeString(tmp.resolve("in.txt"), "x\n");
        Path rules = Files.writeString(tmp.resolve("rules.json"),
                "{\"hooks\":[{\"src_command\":\"cat\",\"target_command\":\"booster-exec $SRC_CMD\"}]}");
        List<String> argv = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"),
                "-Dtroupe.booster.progress-interval=200ms",
                "-Dtroupe.worker.sandbox-root=" + tmp.resolve("sandboxes"),
                // the embedded worker reads the test's own file by absolute path (TestClusters.HOST_FILES)
                "-Dtroupe.worker.sandbox.user=root", "-Dtroupe.worker.sandbox.allow-root=true",
                "-Dtroupe.worker.sandbox.bubblewrap=off"));
        String nativeExec = System.getProperty("troupe.test.native-booster-exec");
        if (nativeExec != null && Files.isExecutable(Path.of(nativeExec))) {
            argv.add("-D" + BoosterExecLocation.NATIVE_PROPERTY + "=" + nativeExec);
        }
        // sub-works spread over ~3 s, so several 200 ms ticks see different counts
        argv.addAll(List.of(BoosterCli.class.getName(), "-bt", "echo", "--hook", "--hook_config", rules.toString(),
                "-a", "for i in 1 2 3 4 5 6 7 8; do cat " + input + " > /dev/null; sleep 0.4; done"));
        Path log = tmp.resolve("build.log");
        ProcessBuilder builder = new ProcessBuilder(argv).directory(tmp.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().remove("TROUPE_PROGRESS");
        builder.environment().put("XDG_CACHE_HOME", tmp.resolve("cache").toString());
        Process process = builder.start();
        process.getOutputStream().close();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "booster did not finish within 60 s");
        String text = Files.readString(log);
        assertEquals(0, process.exitValue(), text);

        List<String> progress = text.lines().filter(l -> l.startsWith("[booster] progress: done ")).toList();
        assertTrue(progress.size() >= 2, "periodic lines while the work ran:\n" + text);
        assertTrue(progress.stream().allMatch(l -> l.contains(" of ") && l.contains("workers used")
                && l.contains("slots in use")), text);
        assertEquals(progress.size(), progress.stream().distinct().count(), "a line only when something changed");
        assertTrue(text.contains("[booster] total 8, remote ok 8, local fallback 0, failed 0, workers used 1"), text);
        List<String> lines = text.lines().toList();
        assertTrue(lines.indexOf(progress.get(progress.size() - 1))
                < lines.indexOf("[booster] total 8, remote ok 8, local fallback 0, failed 0, workers used 1"),
                "the summary comes last");
        assertFalse(text.contains("\r") || text.contains("\033["), "no terminal control codes in a file:\n" + text);
    }
}
