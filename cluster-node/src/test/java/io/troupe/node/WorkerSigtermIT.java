package io.troupe.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
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

    private final Path repo = Path.of(System.getProperty("troupe.repo", "..")).toAbsolutePath().normalize();
    private final List<Process> processes = new ArrayList<>();

    @TempDir
    Path tmp;

    @AfterEach
    void killEverything() throws InterruptedException {
        for (Process process : processes) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
        for (Process process : processes) {
            process.waitFor(20, TimeUnit.SECONDS);
        }
    }

    @Test
    void aWorkerTerminatedMidWorkDrainsAndLeavesAndTheWorkLosesNothing() throws Exception {
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path subwork = bin.resolve("subwork");
        Files.writeString(subwork, "#!/bin/sh\nsleep 0.3\necho \"line $1\"\n");
        Files.setPosixFilePermissions(subwork, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path conf = Files.createDirectories(tmp.resolve("conf"));
        Files.writeString(conf.resolve("cluster-node.conf"), "troupe.worker {\n  allowlist = [subwork]\n  slots = 4\n}\n");
        String path = bin + ":" + System.getenv("PATH");

        int stayingPort = TestNodes.freePort();
        int stayingAdmin = TestNodes.freePort();
        int leavingPort = TestNodes.freePort();
        int leavingAdmin = TestNodes.freePort();
        Process staying = node("staying", conf, path, stayingPort, stayingAdmin, null);
        Process leaving = node("leaving", conf, path, leavingPort, leavingAdmin, stayingPort);
        awaitUpMembers(stayingAdmin, 2, staying, leaving);

        Path rules = Files.writeString(tmp.resolve("rules.json"),
                "{\"hooks\":[{\"src_command\":\"subwork\",\"target_command\":\"booster-exec $SRC_CMD\"}]}\n");
        Path out = tmp.resolve("booster.out");
        Path err = tmp.resolve("booster.err");
        List<String> command = List.of(repo.resolve("bin/booster").toString(), "-bt", "echo", "-p", "sigterm", "--hook",
                "--hook_config", rules.toString(), "--cluster", "127.0.0.1:" + stayingPort,
                "-a", "seq 1 " + SUB_WORKS + " | xargs -P 8 -n 1 subwork");
        ProcessBuilder builder = new ProcessBuilder(command).directory(tmp.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        builder.environment().put("PATH", path);
        // the command waits for the workers instead of starting its first sub-works here while the booster joins
        builder.environment().put("TROUPE_BOOSTER_JAVA_OPTS", "-Dtroupe.booster.worker-discovery-timeout=20s");
        Process booster = builder.start();
        processes.add(booster);

        // mid-work: a fifth of the lines are out, the rest still to run, and the worker to stop is running some
        long deadline = System.nanoTime() + Duration.ofSeconds(BOOSTER_TIMEOUT_SECONDS).toNanos();
        while (lines(out) < SUB_WORKS / 5 || running(leavingAdmin, leavingPort) == 0) {
            if (!booster.isAlive() || System.nanoTime() > deadline) {
                fail("the work ended or stalled before the SIGTERM: " + describe(booster, out, err));
            }
            Thread.sleep(50);
        }
        long terminated = System.nanoTime();
        leaving.destroy(); // SIGTERM
        assertTrue(leaving.waitFor(DRAIN_TIMEOUT_SECONDS, TimeUnit.SECONDS),
                "the terminated worker did not exit within the drain timeout:\n" + log("leaving"));
        assertEquals(0, leaving.exitValue(), log("leaving"));
        String leavingLog = log("leaving");
        assertTrue(leavingLog.contains("worker draining:"), leavingLog);
        assertTrue(leavingLog.contains("worker drained: no sub-work left"), leavingLog);
        assertTrue(leavingLog.contains("Exiting completed"), "the worker left the cluster:\n" + leavingLog);

        if (!booster.waitFor(BOOSTER_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            fail("the work did not finish: " + describe(booster, out, err));
        }
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
        assertTrue(staying.isAlive(), "the other worker keeps running:\n" + log("staying"));
        System.out.println("WorkerSigtermIT: the terminated worker exited "
                + Duration.ofNanos(System.nanoTime() - terminated).toMillis() + " ms after SIGTERM; "
                + leavingLog.lines().filter(line -> line.contains("worker drain")).toList() + "; "
                + stderr.lines().filter(line -> line.startsWith("[booster] total")).toList());
    }

    private Process node(String name, Path conf, String path, int port, int admin, Integer seedPort) throws IOException {
        List<String> command = new ArrayList<>(List.of(repo.resolve("bin/cluster-node").toString(), "--conf",
                conf.toString(), "--roles", "worker", "--port", String.valueOf(port), "--admin", "127.0.0.1:" + admin));
        if (seedPort != null) {
            command.addAll(List.of("--seed", "127.0.0.1:" + seedPort));
        }
        ProcessBuilder builder = new ProcessBuilder(command).directory(tmp.toFile())
                .redirectErrorStream(true).redirectOutput(tmp.resolve(name + ".log").toFile());
        // the worker finds "subwork" on its PATH; one host plays client and worker, so the sandbox runs the test's
        // own script as it is (another user and bubblewrap would hide the test's directory, docs/security.md)
        builder.environment().put("PATH", path);
        builder.environment().put("TROUPE_NODE_JAVA_OPTS", "-Dtroupe.worker.sandbox.user=root"
                + " -Dtroupe.worker.sandbox.allow-root=true -Dtroupe.worker.sandbox.bubblewrap=off"
                + " -Dtroupe.worker.sandbox-root=" + tmp.resolve(name + "-sandboxes"));
        Process process = builder.start();
        processes.add(process);
        return process;
    }

    /** Waits until the node on {@code adminPort} lists exactly {@code count} members, all Up. */
    private void awaitUpMembers(int adminPort, int count, Process... nodes) throws Exception {
        long deadline = System.nanoTime() + NODE_START.toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            for (Process node : nodes) {
                if (!node.isAlive()) {
                    fail("a cluster-node exited with " + node.exitValue() + ":\n--- staying\n" + log("staying")
                            + "\n--- leaving\n" + log("leaving"));
                }
            }
            try {
                HttpResponse<String> response = TestNodes.HTTP.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/cluster/members"))
                                .timeout(Duration.ofSeconds(5)).build(),
                        HttpResponse.BodyHandlers.ofString());
                last = response.statusCode() + " " + response.body();
                JsonNode members = JSON.readTree(response.body());
                long up = 0;
                for (JsonNode member : members) {
                    up += "Up".equals(member.get("status").asText()) ? 1 : 0;
                }
                if (up == count && members.size() == count) {
                    return;
                }
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(250);
        }
        fail("cluster never had " + count + " members, all Up; last /cluster/members: " + last + "\n--- staying\n"
                + log("staying") + "\n--- leaving\n" + log("leaving"));
    }

    /** Sub-works running on the worker at {@code port}, from its node's {@code /workers}; 0 when not known. */
    private static int running(int adminPort, int port) throws InterruptedException {
        try {
            HttpResponse<String> response = TestNodes.HTTP.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/workers"))
                            .timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString());
            for (JsonNode worker : JSON.readTree(response.body())) {
                if (worker.path("address").asText().endsWith(":" + port)) {
                    return worker.path("running").asInt();
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
                + read(out) + "\n--- stderr\n" + read(err) + "\n--- leaving worker\n" + log("leaving");
    }

    private String log(String name) {
        return read(tmp.resolve(name + ".log"));
    }

    private static String read(Path path) {
        try {
            return Files.exists(path) ? Files.readString(path, StandardCharsets.UTF_8) : "(no " + path + ")";
        } catch (IOException e) {
            return "(cannot read " + path + ": " + e + ")";
        }
    }
}
