package io.troupe.booster.cli;

import java.util.List;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/**
 * The bk-booster flags of TBS that have no effect here: accepted, so existing invocations keep working, with a
 * one-line note when given (docs/tbs-migration.md). Flags that do something are fields of {@link BoosterCli}.
 */
final class TbsFlags {

    /**
     * One accepted flag.
     *
     * @param names the TBS names, long first
     * @param takesValue a value follows (TBS string, int or repeatable list flags); else a switch
     * @param note why it has no effect here
     */
    record NoEffect(List<String> names, boolean takesValue, String note) {

        String name() {
            return names.get(0);
        }
    }

    private static NoEffect flag(String names, String note) {
        return new NoEffect(List.of(names.split(" ")), false, note);
    }

    private static NoEffect valued(String names, String note) {
        return new NoEffect(List.of(names.split(" ")), true, note);
    }

    private static final String PUMP = "pump mode does not exist here; the handler decides what a sub-work sends";
    private static final String RESULT_CACHE = "there is no result cache; every sub-work runs";
    private static final String NO_CONTROLLER = "the controller listens on a per-user Unix socket, started"
            + " by bin/booster as the user; with --no_controller the booster process is its own controller";
    private static final String NO_SERVER = "there is no resource server; workers are the cluster's members (--cluster)";
    private static final String NO_BAZEL = "no bazel mode; boost bazel through --hook like any other build";
    private static final String LOG = "logging is set in the configuration (pekko.loglevel, logback), not by flag";

    /** Every bk-booster flag of TBS that is accepted here without effect. */
    static final List<NoEffect> NO_EFFECT = List.of(
            valued("--worker_list -wl", NO_SERVER),
            valued("--server", NO_SERVER),
            flag("--test -t", NO_SERVER),
            flag("--check_md5 -cm", "always on: every input moves by SHA-256 digest and is checked where it lands"),
            valued("--log", LOG),
            valued("--log_dir", LOG),
            valued("--log_to_console", LOG),
            valued("--executor_log", LOG),
            valued("--addition_file -af", "workers receive what each sub-work's handler names; there is no extra file list"),
            flag("--dashboard -d", "the dashboard is served by the admin node at /ui/; the booster prints the work's link"),
            valued("--output_env_json_file", "the work command's environment is not written out"),
            valued("--output_env_source_file", "the work command's environment is not written out"),
            flag("--commit_suicide", "the booster is not a daemon; it ends with its work command"),
            valued("--tool_chain_json_file", "toolchains are found by the handler and matched by key (docs/booster-execution.md)"),
            flag("--batch_mode -bm", "every booster runs its own work"),
            flag("--directives", PUMP),
            flag("--global_slots -gs", "local slots belong to one work"),
            flag("--sudo_controller -sc", NO_CONTROLLER),
            flag("--pump", PUMP),
            flag("--pump_include_sys_header", PUMP),
            flag("--pump_disable_macro", PUMP),
            flag("--pump_check", PUMP),
            flag("--pump_cache", PUMP),
            valued("--pump_cache_dir", PUMP),
            valued("--pump_cache_size_max_MB", PUMP),
            flag("--pump_cache_remove_all", PUMP),
            valued("--pump_black_list -pbl", PUMP),
            valued("--pump_min_action_num", PUMP),
            flag("--pump_disable_stat_cache", PUMP),
            flag("--pump_search_link", PUMP),
            valued("--pump_search_link_file", PUMP),
            valued("--pump_search_link_dir", PUMP),
            flag("--pump_lstat_by_dir", PUMP),
            flag("--pump_correct_cap", PUMP),
            flag("--no_work -nw", "the booster always runs a work"),
            valued("--result_cache_list -rcl", RESULT_CACHE),
            valued("--result_cache_type", RESULT_CACHE),
            valued("--result_cache_triggle_secs", RESULT_CACHE),
            valued("--result_cache_index_num", RESULT_CACHE),
            valued("--result_cache_file_num", RESULT_CACHE),
            flag("--worker_side_cache -wsc", "always on: a worker's CAS already holding an input is never sent it again"),
            flag("--local_record -lr", "no per-command record is kept between works"),
            flag("--write_memory", PUMP),
            valued("--idle_keep_secs", NO_SERVER),
            valued("--use_local_cpu_percent", "local slots are --max_local_total_jobs; idle CPU is not measured"),
            flag("--disable_file_lock", "the booster takes no file lock"),
            flag("--auto_resource_mgr", NO_SERVER),
            valued("--res_idle_secs_for_free", NO_SERVER),
            flag("--send_cork", "inputs travel as CAS pieces; there is no small-file batching to switch on"),
            valued("--send_file_memory_limit", "inputs are streamed from disk, not held in memory"),
            flag("--send_memory_cache", "inputs are streamed from disk, not held in memory"),
            flag("--enable_link", "link.exe/lib.exe are Windows-only; the handler decides what runs remotely"),
            flag("--enable_lib", "link.exe/lib.exe are Windows-only; the handler decides what runs remotely"),
            flag("--long_tcp", "workers are reached over the cluster's own connections"),
            flag("--use_default_worker", NO_CONTROLLER),
            flag("--dynamic_port", NO_CONTROLLER),
            flag("--worker_offer_slot", "always on: workers report their free slots to the booster"),
            valued("--clean_tmp_files_day_ago", "the booster deletes its temporary files when the work ends"),
            flag("--ignore_http_status", NO_SERVER),
            flag("--prefer_local", "sub-works go remote while a worker slot is free; there is no local preference"),
            flag("--use_uba", "Unreal Build Accelerator is not supported"),
            valued("--uba_param", "Unreal Build Accelerator is not supported"),
            flag("--bazel -bz", NO_BAZEL),
            flag("--bazel_plus -bzp", NO_BAZEL),
            flag("--bazel4_plus -bz4p", NO_BAZEL),
            flag("--bazel_no_launcher -bz4nl", NO_BAZEL),
            flag("--launcher -lc", NO_BAZEL));

    private TbsFlags() {}

    /** Adds every {@link #NO_EFFECT} flag to {@code spec}. */
    static void addTo(CommandSpec spec) {
        for (NoEffect flag : NO_EFFECT) {
            OptionSpec.Builder option = OptionSpec.builder(flag.names().toArray(String[]::new))
                    .description("TBS flag; no effect here: " + flag.note());
            if (flag.takesValue()) {
                // TBS list flags repeat, and a repeated scalar flag must not be an error either
                option.type(String[].class).auxiliaryTypes(String.class).arity("1").paramLabel("VALUE");
            } else {
                option.type(boolean.class).arity("0..1");
            }
            spec.addOption(option.hidden(true).build()); // listed in docs/tbs-migration.md, not in --help
        }
    }

    /** The notes for the no-effect flags given on this command line, in table order. */
    static List<String> notes(ParseResult parsed) {
        return NO_EFFECT.stream()
                .filter(flag -> parsed.hasMatchedOption(flag.name()))
                .map(flag -> "[booster] note: " + flag.name() + " has no effect here: " + flag.note())
                .toList();
    }
}
