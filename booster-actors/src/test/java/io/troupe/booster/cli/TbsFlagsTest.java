package io.troupe.booster.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.troupe.booster.exec.BoosterExec;
import io.troupe.booster.client.JobLimits;
import io.troupe.booster.client.LocalSlots;
import io.troupe.booster.client.WorkSettings;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every bk-booster flag of TBS's docs (bk-turbo booster/command/command.go and the newer flags listed in the
 * reference notes), each given with a value (a switch as {@code =true}), is accepted; each row checks the flag's
 * effect or its note.
 */
class TbsFlagsTest {

    /** bk-booster's flags, every name and alias, as TBS spells them. */
    private static final List<String> TBS_FLAGS = List.of(
            "--project_id", "-p", "--booster_type", "-bt", "--args", "-a", "--build_id", "-b", "--test", "-t",
            "--server", "--limit", "-l", "--jobs", "--max_jobs", "--preset_jobs", "--max_degraded_jobs",
            "--max_local_total_jobs", "--max_local_exe_jobs", "--max_local_pre_jobs", "--max_local_post_jobs",
            "--local", "--degraded", "--no_local", "--save_code", "-s", "--hook", "--hook_config",
            "--hook_preload_library", "--addition_file", "-af", "--dashboard", "-d", "--worker_list", "-wl",
            "--check_md5", "-cm", "--output_env_json_file", "--output_env_source_file", "--commit_suicide",
            "--tool_chain_json_file", "--search_toolchain", "--batch_mode", "-bm", "--directives", "--global_slots",
            "-gs", "--sudo_controller", "-sc", "--io_timeout_secs", "--pump", "--pump_include_sys_header",
            "--pump_disable_macro", "--pump_check", "--pump_cache", "--pump_cache_dir", "--pump_cache_size_max_MB",
            "--pump_cache_remove_all", "--pump_black_list", "-pbl", "--pump_min_action_num",
            "--pump_disable_stat_cache", "--pump_search_link", "--pump_search_link_file", "--pump_search_link_dir",
            "--pump_lstat_by_dir", "--pump_correct_cap", "--force_local_list", "-fll", "--no_work", "-nw",
            "--controller_no_wait", "--controller_remain_time", "--result_cache_list", "-rcl", "--worker_side_cache",
            "-wsc", "--local_record", "-lr", "--write_memory", "--idle_keep_secs", "--resource_timeout_secs",
            "--use_local_cpu_percent", "--disable_file_lock", "--auto_resource_mgr", "--res_idle_secs_for_free",
            "--send_cork", "--send_file_memory_limit", "--send_memory_cache", "--net_error_limit",
            "--remote_retry_times", "--enable_link", "--enable_lib", "--long_tcp", "--use_default_worker",
            "--dynamic_port", "--worker_offer_slot", "--clean_tmp_files_day_ago", "--ignore_http_status",
            "--result_cache_type", "--result_cache_triggle_secs", "--result_cache_index_num", "--result_cache_file_num",
            "--prefer_local", "--use_uba", "--uba_param", "--bazel", "-bz", "--bazel_plus", "-bzp", "--bazel4_plus",
            "-bz4p", "--bazel_no_launcher", "-bz4nl", "--launcher", "-lc", "--log", "--log_dir", "--log_to_console",
            "--executor_log");

    /** One invocation: extra arguments and what must hold after it. */
    private record Row(List<String> args, BiConsumer<WorkSettings, String> check) {}

    @TempDir
    Path dir;

    private final AtomicReference<WorkSettings> ran = new AtomicReference<>();
    private final AtomicReference<BoosterCli> lastCli = new AtomicReference<>();

    private Map<String, Row> effectRows() throws Exception {
        Path rules = Files.writeString(dir.resolve("rules.json"), "{\"hooks\":[]}");
        Path library = Files.writeString(dir.resolve("hook.so"), "not really a library");
        Map<String, Row> rows = new java.util.LinkedHashMap<>();
        rows.put("--project_id", row((s, e) -> assertEquals("P1", s.projectId()), "--project_id", "P1"));
        rows.put("-p", row((s, e) -> assertEquals("P2", s.projectId()), "-p", "P2"));
        rows.put("--booster_type", row((s, e) -> assertEquals("echo", s.type()), "--booster_type", "echo"));
        rows.put("-bt", row((s, e) -> assertEquals("cc", s.type()), "-bt", "cc"));
        rows.put("--args", row((s, e) -> assertEquals("make -j@BK_JOBS x", s.command()), "--args", "make -j@BK_JOBS x"));
        rows.put("-a", row((s, e) -> assertEquals("ninja", s.command()), "-a", "ninja"));
        rows.put("--build_id", row((s, e) -> assertTrue(s.buildId().startsWith("default-B7-"), s.buildId()),
                "--build_id", "B7"));
        rows.put("-b", row((s, e) -> assertTrue(s.buildId().startsWith("default-B8-"), s.buildId()), "-b", "B8"));
        rows.put("--limit", row((s, e) -> assertEquals(3, s.jobLimits().limit()), "--limit", "3"));
        rows.put("-l", row((s, e) -> assertEquals(4, s.jobLimits().limit()), "-l", "4"));
        // read by bin/booster --controller's controller (docs/booster-execution.md, "Controller")
        rows.put("--controller_remain_time", row((s, e) -> assertEquals(java.time.Duration.ofSeconds(45),
                lastCli.get().controllerRemainTime()), "--controller_remain_time", "45"));
        rows.put("--controller_no_wait", row((s, e) -> assertEquals(java.time.Duration.ZERO,
                lastCli.get().controllerRemainTime()), "--controller_no_wait", "--controller_remain_time", "45"));
        rows.put("--search_toolchain", row((s, e) -> assertTrue(s.config(com.typesafe.config.ConfigFactory.load())
                .getBoolean(BoosterCli.SHIP_TOOLCHAINS_KEY)), "--search_toolchain"));
        rows.put("--net_error_limit", row((s, e) -> assertEquals(5, s.config(com.typesafe.config.ConfigFactory.load())
                .getInt(BoosterCli.NET_ERROR_LIMIT_KEY)), "--net_error_limit", "5"));
        rows.put("--resource_timeout_secs", row((s, e) -> assertEquals(java.time.Duration.ofSeconds(20),
                s.config(com.typesafe.config.ConfigFactory.load()).getDuration(BoosterCli.RESOURCE_TIMEOUT_KEY)),
                "--resource_timeout_secs", "20"));
        rows.put("--jobs", row((s, e) -> {
            assertEquals(12, s.jobLimits().jobs());
            assertEquals(12, s.jobLimits().bkJobs(40, 3, false, 0), "--jobs wins over 1.5 x worker slots");
        }, "--jobs", "12"));
        rows.put("--max_jobs", row((s, e) -> assertEquals(16, s.maxJobs()), "--max_jobs", "16"));
        rows.put("--preset_jobs", row((s, e) -> assertEquals(9, s.jobLimits().bkJobs(0, 3, false, 0)),
                "--preset_jobs", "9"));
        rows.put("--max_degraded_jobs", row((s, e) -> assertEquals(2, s.jobLimits().bkJobs(0, 3, true, 0)),
                "--max_degraded_jobs", "2"));
        rows.put("--max_local_total_jobs", row((s, e) -> assertEquals(5, s.maxLocalTotalJobs()),
                "--max_local_total_jobs", "5"));
        rows.put("--max_local_exe_jobs", row((s, e) -> assertEquals(Map.of(LocalSlots.Kind.EXE, 2),
                s.jobLimits().kindLimits()), "--max_local_exe_jobs", "2"));
        rows.put("--max_local_pre_jobs", row((s, e) -> assertEquals(Map.of(LocalSlots.Kind.PRE, 3),
                s.jobLimits().kindLimits()), "--max_local_pre_jobs", "3"));
        rows.put("--max_local_post_jobs", row((s, e) -> assertEquals(Map.of(LocalSlots.Kind.POST, 4),
                s.jobLimits().kindLimits()), "--max_local_post_jobs", "4"));
        rows.put("--local", row((s, e) -> assertTrue(s.local()), "--local=true"));
        rows.put("--degraded", row((s, e) -> assertTrue(s.local(), "--degraded runs the work locally"), "--degraded=true"));
        rows.put("--no_local", row((s, e) -> assertTrue(s.noLocal()), "--no_local=true"));
        rows.put("--save_code", row((s, e) -> assertEquals("7", read(dir.resolve("bk_origin_exit_code"))),
                "--save_code=true"));
        rows.put("-s", row((s, e) -> assertEquals("7", read(dir.resolve("bk_origin_exit_code"))), "-s=true"));
        rows.put("--hook", row((s, e) -> assertTrue(s.hook()), "--hook=true"));
        rows.put("--hook_config", row((s, e) -> assertEquals(rules, s.hookConfig()), "--hook_config", "rules.json"));
        rows.put("--hook_preload_library", row((s, e) -> assertEquals(library, s.hookSettings().preloadLibrary()),
                "--hook_preload_library", "hook.so"));
        rows.put("--io_timeout_secs", row((s, e) -> assertEquals(30, s.ioTimeoutSecs()), "--io_timeout_secs", "30"));
        rows.put("--remote_retry_times", row((s, e) -> assertEquals(2, s.remoteRetryTimes()),
                "--remote_retry_times", "2"));
        rows.put("--force_local_list", row((s, e) -> assertEquals("conftest.c!!|!!-E",
                s.env().get(BoosterExec.FORCE_LOCAL_KEYS_ENV)), "--force_local_list", "conftest.c", "--force_local_list", "-E"));
        rows.put("-fll", row((s, e) -> assertEquals("a.c!!|!!b.c", s.env().get(BoosterExec.FORCE_LOCAL_KEYS_ENV)),
                "-fll", "a.c,b.c"));
        return rows;
    }

    @org.junit.jupiter.api.AfterEach
    void noFlagLeavesJvmWideState() {
        // a flag's value lives in its work's settings: a second booster in this JVM must not see it
        assertEquals(null, System.getProperty(BoosterCli.NET_ERROR_LIMIT_KEY));
        assertEquals(null, System.getProperty(BoosterCli.RESOURCE_TIMEOUT_KEY));
    }

    private static Row row(BiConsumer<WorkSettings, String> check, String... args) {
        return new Row(List.of(args), check);
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (java.io.IOException e) {
            throw new AssertionError("no " + file, e);
        }
    }

    private String run(List<String> extra) {
        List<String> args = new ArrayList<>(List.of("-bt", "echo", "-a", "true"));
        args.addAll(extra);
        StringWriter err = new StringWriter();
        BoosterCli cli = new BoosterCli(settings -> {
            ran.set(settings);
            return 7;
        }, Map.of("PATH", "/usr/bin"), dir);
        lastCli.set(cli);
        int code = BoosterCli.commandLine(cli, new PrintWriter(new StringWriter(), true), new PrintWriter(err, true))
                .execute(args.toArray(String[]::new));
        assertEquals(7, code, "booster " + String.join(" ", args) + ": " + err);
        return err.toString();
    }

    @Test
    void everyTbsFlagIsAcceptedWithItsEffectOrANote() throws Exception {
        Map<String, Row> effects = effectRows();
        Set<String> checked = new HashSet<>();
        for (String flag : TBS_FLAGS) {
            ran.set(null);
            Row effect = effects.get(flag);
            if (effect != null) {
                String err = run(effect.args());
                effect.check().accept(ran.get(), err);
                assertFalse(err.contains("no effect"), flag + " has an effect, yet: " + err);
                checked.add(flag);
                continue;
            }
            TbsFlags.NoEffect noEffect = TbsFlags.NO_EFFECT.stream().filter(f -> f.names().contains(flag)).findFirst()
                    .orElseThrow(() -> new AssertionError(flag + " (a TBS flag) is neither wired nor noted"));
            // every flag with a value: a switch as TBS's =true (bare switches: aSwitchTakesTbsBooleanValues...)
            String err = run(noEffect.takesValue() ? List.of(flag, "v1", flag, "v2") : List.of(flag + "=true"));
            assertTrue(err.contains("[booster] note: " + noEffect.name() + " has no effect here: " + noEffect.note()),
                    flag + " printed: " + err);
            checked.add(flag);
        }
        assertEquals(new HashSet<>(TBS_FLAGS), checked);
        for (TbsFlags.NoEffect noEffect : TbsFlags.NO_EFFECT) {
            for (String name : noEffect.names()) {
                if (!TBS_FLAGS.contains(name)) {
                    fail(name + " is noted as a TBS flag but is not in TBS's list");
                }
            }
        }
    }

    @Test
    void aSwitchTakesTbsBooleanValuesAndNotesPrintOncePerFlag() {
        String err = run(List.of("--pump=false", "-cm", "--check_md5"));
        assertEquals(1, err.split("--check_md5 has no effect", -1).length - 1, err);
        assertTrue(err.contains("--pump has no effect"), err);
        assertFalse(ran.get().local());
    }

    @Test
    void projectAndBuildComeFromTbsEnvironmentVariables() {
        StringWriter err = new StringWriter();
        BoosterCli cli = new BoosterCli(settings -> {
            ran.set(settings);
            return 0;
        }, Map.of("TBS_PROJECT_ID", "plan9", "TURBO_PLAN_BUILD_ID", "b42"), dir);
        assertEquals(0, BoosterCli.commandLine(cli, new PrintWriter(new StringWriter()), new PrintWriter(err, true))
                .execute("-bt", "echo", "-a", "true"), err.toString());
        assertEquals("plan9", ran.get().projectId());
        assertTrue(ran.get().buildId().startsWith("plan9-b42-"), ran.get().buildId());
    }

    @Test
    void badJobCountsAndKeysAreNamed() {
        StringWriter err = new StringWriter();
        BoosterCli cli = new BoosterCli(settings -> 0, Map.of(), dir);
        int code = BoosterCli.commandLine(cli, new PrintWriter(new StringWriter()), new PrintWriter(err, true))
                .execute("-bt", "echo", "-a", "true", "--max_local_exe_jobs", "-1");
        assertEquals(2, code);
        assertTrue(err.toString().contains("--max_local_exe_jobs must be at least 0"), err.toString());
        StringWriter err2 = new StringWriter();
        code = BoosterCli.commandLine(new BoosterCli(settings -> 0, Map.of(), dir),
                new PrintWriter(new StringWriter()), new PrintWriter(err2, true))
                .execute("-bt", "echo", "-a", "true", "--degraded", "--no_local");
        assertEquals(2, code);
        assertTrue(err2.toString().contains("--degraded and --no_local contradict"), err2.toString());
        StringWriter err3 = new StringWriter();
        code = BoosterCli.commandLine(new BoosterCli(settings -> 0, Map.of(), dir),
                new PrintWriter(new StringWriter()), new PrintWriter(err3, true))
                .execute("-bt", "echo", "-a", "true", "-b", "build 7/a");
        assertEquals(2, code);
        assertTrue(err3.toString().contains("-b/--build_id 'build 7/a' may hold only letters"), err3.toString());
    }

    @Test
    void bkJobsFollowsTbs() {
        JobLimits none = JobLimits.NONE;
        assertEquals(15, none.bkJobs(10, 3, false, 0), "1.5 x worker slots");
        assertEquals(8, none.bkJobs(10, 3, false, 8), "capped by --max_jobs");
        assertEquals(3, none.bkJobs(0, 3, false, 0), "no worker: the local slot total");
        assertEquals(3, none.bkJobs(10, 3, true, 0), "degraded: the local slot total");
        JobLimits set = new JobLimits(20, 6, 2, 0, 0, 0, 0);
        assertEquals(16, set.bkJobs(10, 3, false, 16), "--jobs, capped by --max_jobs");
        assertEquals(6, set.bkJobs(0, 3, false, 0), "--preset_jobs when no worker was found");
        assertEquals(2, set.bkJobs(0, 3, true, 0), "--max_degraded_jobs");
        assertEquals(3, new JobLimits(0, 0, 8, 0, 0, 0, 0).bkJobs(0, 3, true, 0), "degraded never above the local total");
    }

    @Test
    void forceLocalKeysMatchAnywhereInTheCommandLine() {
        String keys = "conftest.c" + BoosterExec.KEY_SEPARATOR + "-c x.c";
        assertTrue(BoosterExec.forcedLocal(List.of("gcc", "-c", "conftest.c"), keys));
        assertTrue(BoosterExec.forcedLocal(List.of("gcc", "-c", "x.c", "-o", "x.o"), keys));
        assertFalse(BoosterExec.forcedLocal(List.of("gcc", "-c", "y.c"), keys));
        assertFalse(BoosterExec.forcedLocal(List.of("gcc"), null));
    }
}
