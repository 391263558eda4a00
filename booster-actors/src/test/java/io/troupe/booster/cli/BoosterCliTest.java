package io.troupe.booster.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.booster.client.WorkSettings;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.ToIntFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BoosterCliTest {

    @TempDir
    Path dir;

    private final AtomicReference<WorkSettings> ran = new AtomicReference<>();
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        return run(settings -> {
            ran.set(settings);
            return 7;
        }, args);
    }

    private int run(ToIntFunction<WorkSettings> runner, String... args) {
        BoosterCli cli = new BoosterCli(runner, Map.of("PATH", "/usr/bin", "HOME", "/home/u"), dir);
        return BoosterCli.commandLine(cli, new PrintWriter(out, true), new PrintWriter(err, true)).execute(args);
    }

    @Test
    void vforkOnlyWhereTheJdkStillOffersItWithoutAWarning() {
        assertEquals(List.of(true, true, false, false, false),
                List.of(BoosterCli.vforkSuits("Linux", 17), BoosterCli.vforkSuits("Linux", 24),
                        BoosterCli.vforkSuits("Linux", 25), BoosterCli.vforkSuits("Linux", 27),
                        BoosterCli.vforkSuits("Mac OS X", 17)),
                "Linux 17, Linux 24, Linux 25 (deprecated), Linux 27 (removed), macOS");
    }

    @Test
    void tbsFlagsBecomeWorkSettingsAndTheWorkExitCodeIsReturned() throws Exception {
        Path rules = Files.writeString(dir.resolve("rules.json"), "{\"hooks\":[]}");
        int code = run("-bt", "custom", "-p", "TMPcustomtest", "-a", "make -j@BK_JOBS all", "--hook",
                "--hook_config", "rules.json", "--no_local", "--remote_retry_times", "3", "--max_local_total_jobs", "4",
                "--max_jobs", "16", "--io_timeout_secs", "30", "--cluster", "127.0.0.1:2551",
                "--cluster", "node2:2552,[::1]:2553", "--stats_json", "stats.json", "-t");
        assertEquals(7, code, err.toString());
        WorkSettings s = ran.get();
        assertEquals("custom", s.type());
        assertEquals("TMPcustomtest", s.projectId());
        assertTrue(s.buildId().startsWith("TMPcustomtest-"), s.buildId());
        assertEquals("make -j@BK_JOBS all", s.command());
        assertTrue(s.hook());
        assertEquals(rules, s.hookConfig());
        assertTrue(s.noLocal());
        assertEquals(false, s.local());
        assertEquals(3, s.remoteRetryTimes());
        assertEquals(4, s.maxLocalTotalJobs());
        assertEquals(16, s.maxJobs());
        assertEquals(30, s.ioTimeoutSecs());
        assertEquals(List.of("127.0.0.1:2551", "node2:2552", "[::1]:2553"), s.clusterSeeds());
        assertEquals(dir, s.workDir());
        assertEquals("/home/u", s.env().get("HOME"));
        assertEquals(dir.resolve("stats.json"), s.statsJson());
    }

    @Test
    void goSpellingsOfTheFlagsAreTheSameFlagsAsInTbs() throws Exception {
        Path rules = Files.writeString(dir.resolve("rules.json"), "{\"hooks\":[]}");
        BoosterCli cli = new BoosterCli(settings -> {
            ran.set(settings);
            return 7;
        }, Map.of("PATH", "/usr/bin"), dir);
        picocli.CommandLine commandLine = BoosterCli.commandLine(cli, new PrintWriter(out, true), new PrintWriter(err, true));
        // Go's flag package (bk-booster) takes -hook for --hook and --bt for -bt; picocli alone reads -hook as -h
        String[] args = BoosterCli.goStyleArgs(commandLine, new String[] {"--bt", "custom", "--p", "proj", "-hook",
            "-hook_config", "rules.json", "-no_local", "-io_timeout_secs=30", "-local=false", "-a", "make -local"});
        assertEquals(List.of("-bt", "custom", "-p", "proj", "--hook", "--hook_config", "rules.json", "--no_local",
                "--io_timeout_secs=30", "--local=false", "-a", "make -local"), List.of(args));
        assertEquals(7, commandLine.execute(args), err.toString());
        WorkSettings s = ran.get();
        assertEquals("custom", s.type());
        assertEquals("proj", s.projectId());
        assertTrue(s.hook());
        assertEquals(rules, s.hookConfig());
        assertTrue(s.noLocal());
        assertEquals(30, s.ioTimeoutSecs());
        assertEquals("make -local", s.command());
        // a value is never rewritten, even one spelled like a flag
        assertEquals(List.of("-p", "-hook", "--", "-local"), List.of(BoosterCli.goStyleArgs(commandLine,
                new String[] {"-p", "-hook", "--", "-local"})));
    }

    @Test
    void defaultsMatchTbs() {
        assertEquals(7, run("-bt", "echo", "-a", "true"), err.toString());
        WorkSettings s = ran.get();
        assertEquals(1, s.remoteRetryTimes());
        assertEquals(60, s.ioTimeoutSecs());
        assertEquals(0, s.maxJobs());
        assertEquals(0, s.maxLocalTotalJobs());
        assertEquals(List.of(), s.clusterSeeds(), "no --cluster = embedded worker");
        assertEquals(false, s.hook());
        assertNull(s.hookConfig());
        assertNull(s.statsJson());
    }

    @Test
    void unknownFlagIsAUsageError() {
        assertEquals(2, run("-bt", "echo", "-a", "true", "--bogus"));
        assertTrue(err.toString().contains("Unknown option: '--bogus'"), err.toString());
        assertNull(ran.get());
    }

    @Test
    void anUnknownFlagIsNamedEvenWhenARequiredOneIsMissingToo() {
        assertEquals(2, run("-bt", "echo", "--hook-mode", "shims"));
        assertTrue(err.toString().contains("Missing required option: '--args=COMMAND'"), err.toString());
        assertTrue(err.toString().contains("Unknown options: '--hook-mode', 'shims'"), err.toString());
        assertNull(ran.get());
    }

    @Test
    void missingArgsIsAUsageError() {
        assertEquals(2, run("-bt", "echo"));
        assertTrue(err.toString().contains("Missing required option: '--args=COMMAND'"), err.toString());
        assertNull(ran.get());
    }

    @Test
    void unknownBoosterTypeIsAUsageError() {
        assertEquals(2, run("-bt", "gradle", "-a", "true"));
        assertTrue(err.toString().contains("unknown booster type 'gradle' (-bt/--booster_type); known types: echo, custom, cc"),
                err.toString());
        assertNull(ran.get());
    }

    @Test
    void emptyArgsIsAUsageError() {
        assertEquals(2, run("-bt", "echo", "-a", " "));
        assertTrue(err.toString().contains("-a/--args is empty"), err.toString());
    }

    @Test
    void saveCodeWritesTheExitCodeButNotForAWorkAControllerDeclined() throws Exception {
        Path file = dir.resolve("bk_origin_exit_code");
        BoosterCli ran = BoosterCli.forController((settings, started) -> 7, Map.of(), dir);
        assertEquals(7, BoosterCli.commandLine(ran, new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()))
                .execute("-bt", "echo", "-s", "-a", "true"));
        assertEquals("7", Files.readString(file));
        Files.delete(file);
        BoosterCli declined = BoosterCli.forController((settings, started) -> BoosterCli.Runner.DECLINED, Map.of(), dir);
        BoosterCli.commandLine(declined, new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()))
                .execute("-bt", "echo", "-s", "-a", "true");
        assertTrue(Files.notExists(file), "the booster that runs the declined work saves the code, not the controller");
    }

    @Test
    void badClusterValuesAreNamed() {
        for (String bad : List.of("localhost", "localhost:", ":2551", "host:http", "host:0", "host:70000")) {
            StringWriter e = new StringWriter();
            BoosterCli cli = new BoosterCli(s -> 0, Map.of(), dir);
            int code = BoosterCli.commandLine(cli, new PrintWriter(new StringWriter()), new PrintWriter(e, true))
                    .execute("-bt", "echo", "-a", "true", "--cluster", bad);
            assertEquals(2, code, bad);
            assertTrue(e.toString().contains("--cluster") && e.toString().contains("'" + bad + "'"), e.toString());
        }
    }

    @Test
    void missingHookConfigFileIsNamed() {
        assertEquals(2, run("-bt", "custom", "-a", "cat x", "--hook", "--hook_config", "nope.json"));
        assertTrue(err.toString().contains("[booster] --hook_config nope.json: no readable file at "
                + dir.resolve("nope.json")), err.toString());
        assertFalse(err.toString().contains("Usage:"), "a bad value is named, not buried under the usage: " + err);
    }

    @Test
    void contradictoryAndNegativeValuesAreNamed() {
        assertEquals(2, run("-bt", "echo", "-a", "true", "--local", "--no_local"));
        assertTrue(err.toString().contains("--local and --no_local"), err.toString());
        assertEquals(2, run("-bt", "echo", "-a", "true", "--io_timeout_secs", "3"));
        assertTrue(err.toString().contains("--io_timeout_secs must be at least 5, not 3"), err.toString());
        assertEquals(7, run("-bt", "echo", "-a", "true", "--io_timeout_secs", "0"), err.toString());
        assertEquals(60, ran.get().ioTimeoutSecs(), "0 is the default, as in TBS");
        assertEquals(2, run("-bt", "echo", "-a", "true", "--max_jobs", "many"));
        assertTrue(err.toString().contains("--max_jobs"), err.toString());
    }

    @Test
    void remoteTimeoutAndFallbackRatioAreReadAndChecked() {
        assertEquals(7, run("-bt", "echo", "-a", "true"), err.toString());
        assertEquals(0, ran.get().remoteTimeoutSecs(), "no run-time limit by default");
        assertEquals(1.0, ran.get().maxFallbackRatio(), "no fallback limit by default");
        assertEquals(7, run("-bt", "echo", "-a", "true", "--remote_timeout_secs", "300", "--max_fallback_ratio", "0.25"),
                err.toString());
        assertEquals(300, ran.get().remoteTimeoutSecs());
        assertEquals(0.25, ran.get().maxFallbackRatio());
        assertEquals(2, run("-bt", "echo", "-a", "true", "--max_fallback_ratio", "1.5"));
        assertTrue(err.toString().contains("--max_fallback_ratio must be between 0 and 1, not 1.5"), err.toString());
        assertEquals(2, run("-bt", "echo", "-a", "true", "--remote_timeout_secs", "-1"));
        assertTrue(err.toString().contains("--remote_timeout_secs must be at least 0, not -1"), err.toString());
    }

    @Test
    void aFailingRunIsOneLineAndExitCodeOne() {
        int code = run(settings -> {
            throw new IllegalStateException("cannot join the cluster at 127.0.0.1:2551");
        }, "-bt", "echo", "-a", "true");
        assertEquals(1, code);
        assertEquals("booster: cannot join the cluster at 127.0.0.1:2551", err.toString().strip());
    }

    @Test
    void helpAndVersion() {
        assertEquals(0, run("--help"));
        assertTrue(out.toString().contains("-bt, --booster_type=TYPE"), out.toString());
        assertTrue(out.toString().contains("--io_timeout_secs=SECONDS"), out.toString());
        assertEquals(0, run("--version"));
        assertTrue(out.toString().contains("Troupe booster"), out.toString());
        assertNull(ran.get());
    }
}
