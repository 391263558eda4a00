package io.troupe.booster.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.troupe.booster.handler.EchoHandler;
import io.troupe.booster.testutil.Proc;
import io.troupe.booster.testutil.StderrCapture;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The work command starts at once, whatever the cluster does; a failed work actor ends the booster. */
@Tag("process")
class BoosterStartTest {

    /** Long enough that a command that waited for it could not pass the timing assertion below. */
    private static final int JOIN_TIMEOUT_SECONDS = 20;

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

    private Config config() {
        return ConfigFactory.parseString(String.join("\n",
                        "troupe.worker.sandbox-root = \"" + tmp.resolve("sandboxes") + "\"",
                        "troupe.booster.join-timeout = " + JOIN_TIMEOUT_SECONDS + "s"))
                .withFallback(ConfigFactory.load());
    }

    private WorkSettings settings(String command, Path rules, boolean noLocal, List<String> seeds) {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("XDG_CACHE_HOME", tmp.resolve("cache").toString());
        return new WorkSettings("echo", "demo", "start-test", command, true, rules, false, noLocal, 0, 2, 0, 30,
                seeds, tmp, env, tmp.resolve("stats.json"));
    }

    private static String deadSeed() throws Exception {
        try (ServerSocket free = new ServerSocket(0)) {
            return "127.0.0.1:" + free.getLocalPort(); // closed again: nobody answers there
        }
    }

    @Test
    void aDownSeedDoesNotHoldTheCommandAndItsSubWorksRunLocally() throws Exception {
        Path file = Files.writeString(tmp.resolve("in.txt"), "hello\n");
        Path rules = Files.writeString(tmp.resolve("rules.json"),
                "{\"hooks\":[{\"src_command\":\"cat\",\"target_command\":\"booster-exec $SRC_CMD\"}]}");
        String seed = deadSeed();
        long start = System.nanoTime();
        int code = BoosterRun.run(settings("cat " + file + " > a.txt && cat " + file + " > b.txt && echo jobs=@BK_JOBS > jobs.txt",
                rules, false, List.of(seed)), new EchoHandler(), config());
        long seconds = (System.nanoTime() - start) / 1_000_000_000L;

        assertEquals(0, code, stderr.text());
        assertEquals("hello\n", Files.readString(tmp.resolve("a.txt")));
        assertEquals("hello\n", Files.readString(tmp.resolve("b.txt")));
        assertTrue(seconds < JOIN_TIMEOUT_SECONDS / 2, "the work did not wait for the join: " + seconds + " s");
        assertTrue(stderr.text().contains("[booster] total 2, remote ok 0, local fallback 2, failed 0, workers used 0;"
                + " fell back: no worker yet 2"), stderr.text());
        assertTrue(stderr.text().contains("[booster] no worker was known during the work: not joined the cluster at "
                + seed + " after "), stderr.text());
        // no worker known at command start: @BK_JOBS is the expected cluster's (4 x CPUs), not 1
        int expected = Math.max(2, 4 * Runtime.getRuntime().availableProcessors());
        assertEquals("jobs=" + expected + "\n", Files.readString(tmp.resolve("jobs.txt")));

        JsonNode work = new ObjectMapper().readTree(tmp.resolve("stats.json").toFile()).get("work");
        assertEquals(2, work.get("summary").get("fallbacks").get("no_worker_yet").asInt(), work.toString());
        assertTrue(work.get("cluster_joined_ms").isNull(), work.toString());
        assertTrue(work.get("first_remote_ms").isNull(), work.toString());
        assertNotNull(work.get("no_worker_reason").textValue(), work.toString());
        long actor = work.get("work_actor_started_ms").asLong();
        long command = work.get("command_started_ms").asLong();
        // the command waits for no worker: it starts before the actor system, let alone the join
        assertTrue(command > 0 && command <= actor, "the command started before the work actor: " + work);
    }

    @Test
    void anActorSystemThatCannotStartStopsTheCommandThatStartedBeforeIt() throws Exception {
        // the command starts before the actor system; Artery cannot bind this address, so the system fails
        Config config = ConfigFactory.parseString("troupe.booster.hostname = \"192.0.2.1\"").withFallback(config());
        int code = BoosterRun.run(settings("echo $$ > pid.txt; exec sleep 60", null, false, List.of(deadSeed())),
                new EchoHandler(), config);
        assertEquals(BoosterRun.BOOSTER_FAILED, code, stderr.text());
        assertTrue(stderr.text().contains("[booster] stopping the work command, which had started already"), stderr.text());
        assertCommandStopped();
    }

    /** The command that wrote its PID to pid.txt is gone (or was stopped before it wrote it). */
    private void assertCommandStopped() throws Exception {
        Path pidFile = tmp.resolve("pid.txt");
        String pid = Files.exists(pidFile) ? Files.readString(pidFile).trim() : "";
        if (!pid.isEmpty()) { // else it was killed before it wrote it (the shell makes the file, then writes)
            ProcessHandle.of(Long.parseLong(pid)).ifPresent(command -> assertTrue(
                    command.onExit().completeOnTimeout(null, 10, java.util.concurrent.TimeUnit.SECONDS).join() != null,
                    "the work command was left running"));
        }
    }

    @Test
    void aWholeConfigThatFailsAfterTheCommandStartedStopsIt() throws Exception {
        // the command starts on the booster's own settings; the rest of the config is read after it
        int code = BoosterRun.run(settings("echo $$ > pid.txt; exec sleep 60", null, false, List.of(deadSeed())),
                new EchoHandler(), config(), () -> {
                    throw new com.typesafe.config.ConfigException.BadValue("pekko.loglevel", "not a level");
                });
        assertEquals(BoosterRun.BOOSTER_FAILED, code, stderr.text());
        assertTrue(stderr.text().contains("pekko.loglevel"), "the bad setting is named: " + stderr.text());
        assertTrue(stderr.text().contains("[booster] stopping the work command, which had started already"), stderr.text());
        assertCommandStopped();
    }

    @Test
    void aDownSeedUnderNoLocalFailsTheWorkAfterTheJoinTimeout() throws Exception {
        String seed = deadSeed();
        Config config = ConfigFactory.parseString("troupe.booster.join-timeout = 2s").withFallback(config());
        int code = BoosterRun.run(settings("touch ran.txt", null, true, List.of(seed)), new EchoHandler(), config);
        assertEquals(BoosterRun.BOOSTER_FAILED, code);
        assertTrue(stderr.text().contains("[booster] could not join the cluster at " + seed
                + " within 2 s; --no_local forbids running the work locally"), stderr.text());
        assertTrue(Files.notExists(tmp.resolve("ran.txt")), "--no_local holds the command until a worker is known");
    }

    @Test
    void localRunsWithoutACluster() throws Exception {
        Path file = Files.writeString(tmp.resolve("in.txt"), "local\n");
        Path rules = Files.writeString(tmp.resolve("rules.json"),
                "{\"hooks\":[{\"src_command\":\"cat\",\"target_command\":\"booster-exec $SRC_CMD\"}]}");
        int code = BoosterRun.run(settings("cat " + file + " > out.txt", rules, false, List.of()).withLocal(true),
                new EchoHandler(), config());
        assertEquals(0, code, stderr.text());
        assertEquals("local\n", Files.readString(tmp.resolve("out.txt")));
        assertTrue(stderr.text().contains("[booster] total 1, remote ok 0, local fallback 1, failed 0, workers used 0\n"),
                stderr.text());
        JsonNode work = new ObjectMapper().readTree(tmp.resolve("stats.json").toFile()).get("work");
        assertTrue(work.get("cluster_joined_ms").isNull(), "--local joins nothing: " + work);
        assertTrue(work.get("no_worker_reason").isNull(), "--local is no fallback: " + work);
    }

    @Test
    void splitBrainDecisionsCountClusterNodesNotBoosters() {
        Config booster = BoosterRun.systemConfigFor(config(), List.of("127.0.0.1:7355"));
        assertEquals("keep-majority", booster.getString("pekko.cluster.split-brain-resolver.active-strategy"));
        assertEquals(BoosterRun.SBR_ROLE, booster.getString("pekko.cluster.split-brain-resolver.keep-majority.role"));
        assertEquals(List.of("booster"), booster.getStringList("pekko.cluster.roles"), "a booster never counts");
        // a cluster booster (a controller lives long) ticks its scheduler at 50 ms; an embedded one keeps Pekko's 10
        assertEquals(java.time.Duration.ofMillis(50), booster.getDuration("pekko.scheduler.tick-duration"));
        assertEquals(java.time.Duration.ofMillis(10),
                BoosterRun.systemConfigFor(config(), List.of()).getDuration("pekko.scheduler.tick-duration"));
    }

    @Test
    void aFailedWorkActorEndsTheBoosterWithTheReason() throws Exception {
        // fails on its first message: the guardian's ClusterJoined once the embedded cluster is up
        BoosterGuardian.WorkFactory failing = (settings, handler, events) -> Behaviors.receiveMessage(message -> {
            throw new IllegalStateException("test failure in the work actor");
        });
        int code = BoosterRun.run(settings("true", null, false, List.of()), new EchoHandler(), config(), failing);
        assertEquals(BoosterRun.BOOSTER_FAILED, code);
        assertTrue(stderr.text().contains("[booster] internal error: the work actor failed: "
                + "java.lang.IllegalStateException: test failure in the work actor"), stderr.text());
        assertNothingLeftOfTheEmbeddedWorker();
    }

    /**
     * The embedded worker stops before the booster returns: its sandbox probe and slot sandboxes are gone, so
     * nothing of it still writes where the caller may remove files.
     */
    private void assertNothingLeftOfTheEmbeddedWorker() throws Exception {
        Path sandboxes = tmp.resolve("sandboxes");
        // the slot sandboxes' directory may stay, empty
        for (Path dir : List.of(sandboxes, sandboxes.resolve(".slots"))) {
            if (Files.exists(dir)) {
                try (java.util.stream.Stream<Path> left = Files.list(dir)) {
                    assertEquals(List.of(), left.filter(p -> !p.getFileName().toString().equals(".slots")).toList(),
                            "left in " + dir + " after the booster returned");
                }
            }
        }
    }
}
