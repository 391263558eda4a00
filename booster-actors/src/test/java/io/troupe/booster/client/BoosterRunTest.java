package io.troupe.booster.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.troupe.api.booster.Handler;
import io.troupe.booster.handler.EchoHandler;
import io.troupe.booster.testutil.Proc;
import io.troupe.booster.testutil.StderrCapture;
import java.net.ServerSocket;
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

/** Whole works through BoosterRun: the embedded cluster, PATH-shim hooks, booster-exec, exit codes, join failure. */
@Tag("process")
class BoosterRunTest {

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

    private Config config(String extra) {
        return ConfigFactory.parseString(String.join("\n",
                        "troupe.worker.sandbox-root = \"" + tmp.resolve("sandboxes") + "\"",
                        "troupe.booster.join-timeout = 3s",
                        "troupe.booster.worker-discovery-timeout = 10s",
                        io.troupe.booster.TestClusters.HOST_FILES,
                        extra))
                .withFallback(ConfigFactory.load());
    }

    private WorkSettings settings(String command, boolean hook, Path rules, boolean noLocal, List<String> seeds) {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("XDG_CACHE_HOME", tmp.resolve("cache").toString()); // the stable shim directory, kept out of ~
        return new WorkSettings("echo", "demo", "run-test", command, hook, rules, false, noLocal, 0, 2, 0, 30,
                seeds, tmp, env, null);
    }

    @Test
    void aForceLocalKeyRunsTheSubWorkHereAndTheSummaryCountsIt() throws Exception {
        Path conftest = Files.writeString(tmp.resolve("conftest.txt"), "local\n");
        Path other = Files.writeString(tmp.resolve("other.txt"), "remote\n");
        Path rules = Files.writeString(tmp.resolve("rules.json"),
                "{\"hooks\":[{\"src_command\":\"cat\",\"target_command\":\"booster-exec $SRC_CMD\"}]}");
        WorkSettings plain = settings("cat " + conftest + " > a.txt && cat " + other + " > b.txt", true, rules, false,
                List.of());
        Map<String, String> env = new HashMap<>(plain.env());
        env.put(io.troupe.booster.exec.BoosterExec.FORCE_LOCAL_KEYS_ENV, "conftest"); // what -fll conftest sets
        WorkSettings settings = new WorkSettings(plain.type(), plain.projectId(), plain.buildId(), plain.command(), true,
                rules, false, false, 0, 2, 0, 30, List.of(), tmp, env, null);
        int code = BoosterRun.run(settings, new EchoHandler(), config(""));
        assertEquals(0, code, err());
        assertEquals("local\n", Files.readString(tmp.resolve("a.txt")));
        assertEquals("remote\n", Files.readString(tmp.resolve("b.txt")));
        assertTrue(err().contains("[booster] total 2, remote ok 1, local fallback 1, failed 0, workers used 1;"
                + " fell back: forced local 1"), err());
    }

    @Test
    void aShimsWorkThatCaughtNothingSaysWhy() throws Exception {
        Path file = Files.writeString(tmp.resolve("by-path.txt"), "x\n");
        Path rules = Files.writeString(tmp.resolve("rules.json"),
                "{\"hooks\":[{\"src_command\":\"cat\",\"target_command\":\"booster-exec $SRC_CMD\"}]}");
        // cat by its path, as a CMake tree runs /usr/bin/c++: PATH shims cannot see it
        String cat = Files.isExecutable(Path.of("/usr/bin/cat")) ? "/usr/bin/cat" : "/bin/cat";
        WorkSettings settings = settings(cat + " " + file + " > out.txt", true, rules, false, List.of())
                .withHookSettings(new io.troupe.booster.hook.HookSettings(io.troupe.booster.hook.HookMode.SHIMS, null));
        assertEquals(0, BoosterRun.run(settings, new EchoHandler(), config("")), err());
        assertTrue(err().contains("[booster] total 0, "), err());
        assertTrue(err().contains("[booster] note: the hook caught no sub-work") && err().contains("--hook_mode preload"),
                err());
    }

    @Test
    void aFailingFinalExecuteIsReportedAndChangesNothing() throws Exception {
        Path file = Files.writeString(tmp.resolve("final.txt"), "kept\n");
        Path rules = Files.writeString(tmp.resolve("rules.json"),
                "{\"hooks\":[{\"src_command\":\"cat\",\"target_command\":\"booster-exec $SRC_CMD\"}]}");
        Handler throwsAtTheEnd = new Handler() {
            @Override
            public io.troupe.api.booster.DistCommand preExecute(List<String> command) {
                return io.troupe.api.booster.DistCommand.of(
                        io.troupe.api.booster.Command.of(command.get(0), command.subList(1, command.size())));
            }

            @Override
            public void finalExecute(List<String> command) {
                throw new IllegalStateException("bookkeeping broke");
            }
        };
        int code = BoosterRun.run(settings("cat " + file + " > out.txt", true, rules, false, List.of()), throwsAtTheEnd,
                config(""));
        assertEquals(0, code, err());
        assertEquals("kept\n", Files.readString(tmp.resolve("out.txt")));
        assertTrue(err().contains("[booster] warning: FinalExecute of sub-work 'cat " + file + "' failed:")
                && err().contains("bookkeeping broke"), err());
    }

    @Test
    void hookedCatRunsOnTheEmbeddedWorker() throws Exception {
        Path file = Files.writeString(tmp.resolve("resolv.txt"), "nameserver 127.0.0.53\n");
        Path rules = Files.writeString(tmp.resolve("rules.json"),
                "{\"hooks\":[{\"src_command\":\"cat\",\"target_command\":\"booster-exec $SRC_CMD\"}]}");
        Handler handler = new EchoHandler();
        int code = BoosterRun.run(settings("cat " + file + " > out.txt && echo jobs=@BK_JOBS > jobs.txt", true, rules,
                false, List.of()), handler, config(""));
        assertEquals(0, code, err());
        assertEquals("nameserver 127.0.0.53\n", Files.readString(tmp.resolve("out.txt")));
        int slots = Runtime.getRuntime().availableProcessors();
        assertEquals("jobs=" + Math.max(1, slots * 3 / 2) + "\n", Files.readString(tmp.resolve("jobs.txt")));
        assertTrue(err().contains("[booster] total 1, remote ok 1, local fallback 0, failed 0, workers used 1"), err());
    }

    @Test
    void theWorkCommandsExitCodeIsTheBoosters() {
        assertEquals(3, BoosterRun.run(settings("exit 3", false, null, false, List.of()), new EchoHandler(), config("")));
        assertTrue(err().contains("[booster] total 0, remote ok 0, local fallback 0, failed 0, workers used 0"), err());
    }

    @Test
    void malformedHookRulesStopTheWorkWithTheFileNamed() throws Exception {
        Path rules = Files.writeString(tmp.resolve("bad-rules.json"), "{\"hooks\":[{\"src_command\":\"cat\",}]}");
        int code = BoosterRun.run(settings("touch ran.txt", true, rules, false, List.of()), new EchoHandler(), config(""));
        assertEquals(WorkActor.SETUP_FAILED, code);
        assertTrue(err().contains("[booster] hook rules " + rules + ": malformed JSON at line 1: "), err());
        assertTrue(Files.notExists(tmp.resolve("ran.txt")), "the work command did not run");
    }

    @Test
    void failedJoinDegradesToLocalOrFailsUnderNoLocal() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort(); // closed again: nobody answers there
        }
        String seed = "127.0.0.1:" + port;
        int failed = BoosterRun.run(settings("touch ran.txt", false, null, true, List.of(seed)), new EchoHandler(), config(""));
        assertEquals(BoosterRun.BOOSTER_FAILED, failed);
        assertTrue(err().contains("[booster] could not join the cluster at " + seed
                + " within 3 s; --no_local forbids running the work locally"), err());
        assertTrue(Files.notExists(tmp.resolve("ran.txt")));

        // without --no_local the command does not wait for the join at all (BoosterStartTest has the details)
        int degraded = BoosterRun.run(settings("touch ran.txt", false, null, false, List.of(seed)), new EchoHandler(), config(""));
        assertEquals(0, degraded, err());
        assertTrue(Files.exists(tmp.resolve("ran.txt")));
    }

    @Test
    void badSeedIsNamed() {
        assertEquals(BoosterRun.BOOSTER_FAILED, BoosterRun.run(settings("true", false, null, false, List.of("nohost")),
                new EchoHandler(), config("")));
        assertTrue(err().contains("[booster] --cluster 'nohost' is not host:port"), err());
    }
}
