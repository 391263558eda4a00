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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10, point 3: a booster that vanishes never downs a worker, and its sub-works are killed on the worker
 * within 10 s. A real {@code bin/cluster-node} worker and a real {@code bin/booster} whose hooked {@code sleep}
 * runs on the worker; the booster is killed with SIGKILL. The worker stops the sub-work once the booster has
 * been unreachable for {@code troupe.worker.requester-unreachable-grace} (its default), long before the split-brain resolver
 * removes it (stable-after 12 s here), and the worker stays Up, alone, after the removal.
 */
@Tag("process")
class BoosterVanishIT {
    private static final Duration NODE_START = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** the sub-work's command line, unique enough to find its process among the worker's */
    private static final String SLEEP = "sleep 4711";

    private final Path repo = Path.of(System.getProperty("troupe.repo", "..")).toAbsolutePath().normalize();
    private final List<ProcessHandle> processes = new ArrayList<>();

    @TempDir
    Path tmp;

    @AfterEach
    void killEverything() {
        for (ProcessHandle process : processes) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
        for (ProcessHandle process : processes) {
            process.onExit().completeOnTimeout(null, 20, TimeUnit.SECONDS).join();
        }
    }

    @Test
    void aKilledBoostersSubWorkIsKilledOnTheWorkerWithinTenSecondsAndTheWorkerStays() throws Exception {
        Path conf = Files.createDirectories(tmp.resolve("conf"));
        Files.writeString(conf.resolve("cluster-node.conf"), "troupe.worker {\n  allowlist = [sleep]\n"
                + "  sandbox-root = \"" + tmp.resolve("sandboxes") + "\"\n}\n"
                // shorter than the default 20 s to keep the test short, still past the 10 s the kill must take
                + "pekko.cluster.split-brain-resolver.stable-after = 12s\n");
        int port = TestNodes.freePort();
        int admin = TestNodes.freePort();
        Process worker = start("worker", List.of(repo.resolve("bin/cluster-node").toString(), "--conf", conf.toString(),
                "--roles", "worker", "--port", String.valueOf(port), "--admin", "127.0.0.1:" + admin));
        awaitMembers(admin, 1, NODE_START, worker);

        Path rules = Files.writeString(tmp.resolve("rules.json"),
                "{\"hooks\":[{\"src_command\":\"sleep\",\"target_command\":\"booster-exec $SRC_CMD\"}]}\n");
        ProcessBuilder builder = new ProcessBuilder(repo.resolve("bin/booster").toString(), "-bt", "echo", "-p", "vanish",
                "--hook", "--hook_config", rules.toString(), "--cluster", "127.0.0.1:" + port,
                "-a", SLEEP + " && echo slept")
                .directory(tmp.toFile())
                .redirectOutput(tmp.resolve("booster.out").toFile())
                .redirectError(tmp.resolve("booster.err").toFile());
        // the command waits for the worker: the sleep must run there, not locally while the booster joins
        builder.environment().put("TROUPE_BOOSTER_JAVA_OPTS", "-Dtroupe.booster.worker-discovery-timeout=15s");
        Process booster = builder.start();
        processes.add(booster.toHandle());

        ProcessHandle subWork = awaitSubWork(worker, booster);
        // the booster's own children (the work command, booster-exec) outlive it: collected now for the clean-up
        processes.addAll(booster.descendants().toList());
        long killed = System.nanoTime();
        booster.destroyForcibly();
        assertTrue(booster.waitFor(20, TimeUnit.SECONDS), "booster did not die");
        assertEquals(137, booster.exitValue(), "the booster was killed with SIGKILL");

        long deadline = killed + Duration.ofSeconds(10).toNanos();
        while (subWork.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        long took = (System.nanoTime() - killed) / 1_000_000;
        System.out.println("[BoosterVanishIT] the sub-work ended " + took + " ms after the booster's SIGKILL");
        assertTrue(!subWork.isAlive(), "the sub-work (pid " + subWork.pid() + ") still runs on the worker " + took
                + " ms after the booster was killed\n--- worker\n" + log("worker.log"));
        assertTrue(worker.descendants().noneMatch(p -> commandLine(p).endsWith(SLEEP)),
                "a sleep is left under the worker\n" + log("worker.log"));
        // killed for the grace, not for the removal (which comes after stable-after)
        assertTrue(log("worker.log").contains("requester-unreachable-grace"), log("worker.log"));

        // the split-brain resolver counts role "node" only: it downs the booster, never the worker
        JsonNode members = awaitMembers(admin, 1, Duration.ofSeconds(60), worker);
        assertEquals("pekko://troupe@127.0.0.1:" + port, members.get(0).get("address").asText(), members.toString());
        assertTrue(worker.isAlive(), "the worker must survive the booster's death\n" + log("worker.log"));
    }

    /** The worker's process running the hooked sleep, once it is there. */
    private ProcessHandle awaitSubWork(Process worker, Process booster) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (System.nanoTime() < deadline) {
            Optional<ProcessHandle> found = worker.descendants().filter(p -> commandLine(p).endsWith(SLEEP)).findFirst();
            if (found.isPresent()) {
                return found.get();
            }
            if (!booster.isAlive() || !worker.isAlive()) {
                break;
            }
            Thread.sleep(100);
        }
        fail("the hooked sleep never ran on the worker\n--- booster stderr\n" + log("booster.err") + "\n--- worker\n"
                + log("worker.log"));
        return null;
    }

    /** The command line from /proc (ProcessHandle.Info may hide another user's). */
    private static String commandLine(ProcessHandle process) {
        try {
            byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(process.pid()), "cmdline"));
            return new String(raw, StandardCharsets.UTF_8).replace('\0', ' ').strip();
        } catch (IOException e) {
            return "";
        }
    }

    private Process start(String name, List<String> command) throws IOException {
        Process process = new ProcessBuilder(command)
                .directory(tmp.toFile())
                .redirectErrorStream(true)
                .redirectOutput(tmp.resolve(name + ".log").toFile())
                .start();
        processes.add(process.toHandle());
        return process;
    }

    /** Waits until the node on {@code adminPort} lists exactly {@code count} members, all Up. */
    private JsonNode awaitMembers(int adminPort, int count, Duration timeout, Process node) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            if (!node.isAlive()) {
                fail("the worker exited with " + node.exitValue() + ":\n" + log("worker.log"));
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
                    return members;
                }
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(250);
        }
        fail("the cluster never had exactly " + count + " members, all Up; last /cluster/members: " + last
                + "\n--- worker\n" + log("worker.log"));
        return null;
    }

    private String log(String name) {
        Path path = tmp.resolve(name);
        try {
            return Files.exists(path) ? Files.readString(path, StandardCharsets.UTF_8) : "(no " + path + ")";
        } catch (IOException e) {
            return "(cannot read " + path + ": " + e + ")";
        }
    }
}
