package io.troupe.node.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The worker's sandbox root on a 2 MiB tmpfs, sub-works writing 3 MB each: every one fails on the worker for
 * lack of space, which is the worker's fault, so it is re-run locally with the right result; the worker then
 * runs the next work's sub-works itself, and the tmpfs is left empty. Needs root (mount); skipped with the
 * reason otherwise.
 */
@Tag("process")
class DiskFullIT {
    private static final int SUB_WORKS = 20;

    @TempDir
    Path tmp;
    private FaultCluster cluster;
    private Path mount;

    @AfterEach
    void stop() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
        if (mount != null) {
            run("umount", mount.toString());
        }
    }

    @Test
    void subWorksThatFillTheSandboxRunLocallyAndTheWorkerStaysHealthy() throws Exception {
        mount = mountTmpfs();
        cluster = new FaultCluster(tmp);
        // the sandbox root on the tmpfs: its per-process and slot sandboxes (.slots) both
        Path sandboxRoot = Files.createDirectories(mount.resolve("sandbox"));
        FaultCluster.Node worker = cluster.startWorker("worker", 0, List.of(), sandboxRoot);
        cluster.awaitMembers(worker, 1, FaultCluster.NODE_START);

        Files.writeString(tmp.resolve("fill"), "3000000"); // each sub-work writes 3 MB into its sandbox
        FaultCluster.Work full = cluster.startWork("full", List.of(worker.seed()), SUB_WORKS, 0.1, Map.of());
        JsonNode stats = full.finish();
        full.assertAllRight(stats);
        List<String> onWorker = cluster.startedOn(worker);
        System.out.println("[DiskFullIT] " + onWorker.size() + " runs started in the full sandbox; summary "
                + stats.get("work").get("summary"));
        assertTrue(!onWorker.isEmpty(), "no sub-work was tried on the worker" + full.describe());
        assertEquals(0, stats.get("work").get("summary").get("remote_ok").asInt(),
                "no sub-work can succeed in a 2 MiB sandbox" + full.describe());
        for (JsonNode subWork : stats.get("sub_works")) {
            assertEquals("local", subWork.get("route").asText(), "sub-work " + subWork + full.describe());
        }
        // the worker names the full disk as its own fault (IO_ERROR, reason worker_lost) whenever it can tell:
        // when even the error message found no room, the step's non-zero exit is re-run locally all the same
        assertTrue(stats.get("work").get("summary").get("fallbacks").path("worker_lost").asInt() > 0,
                "no sub-work was reported as failed by the full disk" + full.describe());

        Files.writeString(tmp.resolve("fill"), "100000"); // fits: the worker runs these itself
        cluster.clearRuns();
        FaultCluster.Work after = cluster.startWork("after", List.of(worker.seed()), SUB_WORKS, 0.1, Map.of());
        JsonNode afterStats = after.finish();
        after.assertAllRight(afterStats);
        assertEquals(SUB_WORKS, afterStats.get("work").get("summary").get("remote_ok").asInt(),
                "the worker must run sub-works again once they fit" + after.describe());

        // every sandbox is removed once its run answered; the removal may trail the answer a little
        // (the slots keep their directories, under .slots, and launcher logs for the next run)
        try {
            cluster.await("no file left on the tmpfs and an empty sandbox root", Duration.ofSeconds(20),
                    () -> sandboxes(sandboxRoot).isEmpty() && files(mount).isEmpty());
        } catch (AssertionError e) {
            assertEquals(List.of(), files(mount), "files left on the tmpfs");
            assertEquals(List.of(), sandboxes(sandboxRoot), "sandboxes left in the sandbox root");
            throw e;
        }
    }

    /** A fresh 2 MiB tmpfs, or the test is skipped with the reason. */
    private Path mountTmpfs() throws Exception {
        String uid = run("id", "-u").trim();
        assumeTrue("0".equals(uid), () -> skip("not root (uid " + uid + "): cannot mount a tmpfs"));
        Path target = Files.createDirectories(tmp.resolve("tmpfs"));
        String error = run("mount", "-t", "tmpfs", "-o", "size=2m,mode=0755", "tmpfs", target.toString());
        assumeTrue(error.isEmpty(), () -> skip("mount -t tmpfs failed: " + error));
        return target;
    }

    private static String skip(String reason) {
        System.out.println("[DiskFullIT] skipped: " + reason);
        return reason;
    }

    /** Every regular file under {@code dir} but the slot launchers' own logs. */
    private static List<Path> files(Path dir) {
        try (Stream<Path> all = Files.walk(dir)) {
            return all.filter(Files::isRegularFile).filter(f -> !f.getFileName().toString().equals("launcher.log"))
                    .toList();
        } catch (java.io.IOException | java.io.UncheckedIOException e) {
            return List.of(dir); // a run's directory vanished while walked: look again
        }
    }

    /** What is in the sandbox root but the slots' directory. */
    private static List<Path> sandboxes(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> !f.getFileName().toString().equals(".slots")).toList();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Runs a command; returns its output for {@code id}, else its error output ("" on success). */
    static String run(String... command) throws Exception {
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (java.io.IOException e) {
            return "cannot run " + command[0] + ": " + e.getMessage(); // not installed: a reason to skip
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            return "timed out: " + String.join(" ", command);
        }
        if (process.exitValue() != 0) {
            return "exit " + process.exitValue() + ": " + output.trim() + " (" + String.join(" ", command) + ")";
        }
        return command[0].equals("id") ? output : "";
    }
}
