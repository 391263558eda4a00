package io.troupe.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A rolling update as real processes (docs/operations.md): two {@code bin/cluster-node} workers, {@code bin/booster}
 * running 100 sub-works of about 0.3 s that each print a distinct line, and SIGTERM to one worker mid-work. That
 * worker drains (refuses new sub-works, lets its running ones finish), leaves and exits 0 by itself; the work
 * exits 0 with every line printed exactly once and nothing failed.
 */
@Tag("process")
class WorkerSigtermIT {
    private static final Duration NODE_START = Duration.ofSeconds(120);
    private static final int SUB_WORKS = 100;
    /** troupe.worker.drain-timeout, its default; the drain itself takes about one sub-work, the leave the rest */
    private static final long DRAIN_TIMEOUT_SECONDS = 60;
    private static final long BOOSTER_TIMEOUT_SECONDS = 180;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;
    @RegisterExtension
    final ProcessNodes nodes = new ProcessNodes(() -> tmp);

    @Test
    void aWorkerTerminatedMidWorkDrainsAndLeavesAndTheWorkLosesNothing() throws Exception {
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path subwork = bin.resolve("subwork");
        Files.writeString(subwork, "#!/bin/sh\nsleep 0.3\necho \"line $1\"\n");
        Files.setPosixFilePermissions(subwork, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path conf = Files.createDirectories(tmp.resolve("conf"));
        Files.writeString(conf.resolve("cluster-node.conf"), "troupe.worker {\n  allowlist = [subwork]\n  slots = 4\n}\n");
        String path = bin + ":" + System.getenv("PATH");

        ProcessNodes.Node staying = node("staying", conf, path, List.of());
        ProcessNodes.Node leaving = node("leaving", conf, path, List.of(staying.seed()));
        nodes.awaitMembers(staying, 2, NODE_START, staying, leaving);

        Path rules = Files.writeString(tmp.resolve("rules.json"),
                "{\"hooks\":[{\"src_command\":\"subwork\",\"target_command\":\"booster-exec $SRC_CMD\"}]}\n");
        Path out = nodes.out("booster");
        Path err = nodes.err("booster");
        List<String> command = List.of(ProcessNodes.REPO.resolve("bin/booster").toString(), "-bt", "echo", "-p",
                "sigterm", "--hook", "--hook_config", rules.toString(), "--cluster", staying.seed(),
                "--no_controller", "-a", "seq 1 " + SUB_WORKS + " | xargs -P 8 -n 1 subwork");
        // the command waits for the workers instead of starting its first sub-works here while the booster joins
        Process booster = nodes.start("booster", command, Map.of("PATH", path,
                "TROUPE_BOOSTER_JAVA_OPTS", "-Dtroupe.booster.worker-discovery-timeout=20s"));

        // mid-work: a fifth of the lines are out, the rest still to run, and the worker to stop is running some
        nodes.await("a fifth of the lines and sub-works running on the worker to stop",
                Duration.ofSeconds(BOOSTER_TIMEOUT_SECONDS),
                () -> lines(out) >= SUB_WORKS / 5 && running(leaving) > 0 || !booster.isAlive());
        assertTrue(booster.isAlive(), "the work ended before the SIGTERM: " + describe(booster, out, err));
        long terminated = System.nanoTime();
        leaving.process().destroy(); // SIGTERM
        assertTrue(leaving.process().waitFor(DRAIN_TIMEOUT_SECONDS, TimeUnit.SECONDS),
                "the terminated worker did not exit within the drain timeout:\n" + nodes.log("leaving"));
        assertEquals(0, leaving.process().exitValue(), nodes.log("leaving"));
        String leavingLog = nodes.log("leaving");
        assertTrue(leavingLog.contains("worker draining:"), leavingLog);
        assertTrue(leavingLog.contains("worker drained: no sub-work left"), leavingLog);
        assertTrue(leavingLog.contains("Exiting completed"), "the worker left the cluster:\n" + leavingLog);

        ProcessNodes.awaitExit(booster, Duration.ofSeconds(BOOSTER_TIMEOUT_SECONDS), "the work",
                () -> ": " + describe(booster, out, err));
        String stdout = Files.readString(out, StandardCharsets.UTF_8);
        String stderr = Files.readString(err, StandardCharsets.UTF_8);
        assertEquals(0, booster.exitValue(), describe(booster, out, err));
        Map<String, Integer> seen = new HashMap<>();
        for (String line : stdout.split("\n")) {
            if (line.startsWith("line ")) {
                seen.merge(line, 1, Integer::sum);
            }
        }
        for (int i = 1; i <= SUB_WORKS; i++) {
            assertEquals(1, seen.getOrDefault("line " + i, 0), "line " + i + " exactly once\n" + describe(booster, out, err));
        }
        assertEquals(SUB_WORKS, seen.size(), describe(booster, out, err));
        assertTrue(stderr.contains("[booster] total " + SUB_WORKS + ", "), stderr);
        assertTrue(stderr.contains(", failed 0, workers used 2"), "nothing failed, both workers ran sub-works\n" + stderr);
        assertTrue(staying.process().isAlive(), "the other worker keeps running:\n" + nodes.log("staying"));
        System.out.println("WorkerSigtermIT: the terminated worker exited "
                + Duration.ofNanos(System.nanoTime() - terminated).toMillis() + " ms after SIGTERM; "
                + leavingLog.lines().filter(line -> line.contains("worker drain")).toList() + "; "
                + stderr.lines().filter(line -> line.startsWith("[booster] total")).toList());
    }

    private ProcessNodes.Node node(String name, Path conf, String path, List<String> seeds) throws IOException {
        // the worker finds "subwork" on its PATH; one host plays client and worker, so the sandbox runs the test's
        // own script as it is (another user and bubblewrap would hide the test's directory, docs/security.md)
        return nodes.node(name).conf(conf).seeds(seeds).env("PATH", path).env("TROUPE_NODE_JAVA_OPTS",
                "-Dtroupe.worker.sandbox.user=root -Dtroupe.worker.sandbox.allow-root=true"
                        + " -Dtroupe.worker.sandbox.bubblewrap=off -Dtroupe.worker.sandbox-root="
                        + tmp.resolve(name + "-sandboxes")).start();
    }

    /** Sub-works running on {@code worker}, from its node's {@code /workers}; 0 when not known. */
    private static int running(ProcessNodes.Node worker) throws InterruptedException {
        try {
            HttpResponse<String> response = TestNodes.HTTP.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + worker.admin() + "/workers"))
                            .timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString());
            for (JsonNode entry : JSON.readTree(response.body())) {
                if (entry.path("address").asText().endsWith(":" + worker.port())) {
                    return entry.path("running").asInt();
                }
            }
        } catch (IOException e) {
            // not answering yet: asked again
        }
        return 0;
    }

    private static long lines(Path file) throws IOException {
        return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8).lines().count() : 0;
    }

    private String describe(Process booster, Path out, Path err) {
        return "booster " + (booster.isAlive() ? "running" : "exit " + booster.exitValue()) + "\n--- stdout\n"
                + ProcessNodes.read(out) + "\n--- stderr\n" + ProcessNodes.read(err) + "\n--- leaving worker\n"
                + nodes.log("leaving");
    }
}
