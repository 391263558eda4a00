package io.troupe.booster.cli;

import io.troupe.booster.exec.BoosterExec;
import io.troupe.booster.handler.Handlers;
import io.troupe.booster.hook.HookMode;
import io.troupe.booster.hook.HookSettings;
import io.troupe.booster.client.BoosterRun;
import io.troupe.booster.client.JobLimits;
import io.troupe.booster.client.ProgressReporter;
import io.troupe.booster.client.WorkSettings;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.function.ToIntFunction;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code booster}: runs a work command (a build) with its sub-works boosted on the cluster. Flag names are
 * those of TBS {@code bk-booster}, so existing invocations keep working.
 */
@Command(
        name = "booster",
        mixinStandardHelpOptions = true,
        versionProvider = BoosterCli.Version.class,
        sortOptions = false,
        usageHelpWidth = 100,
        description = {
            "Runs a work command with its sub-works executed on the Troupe cluster, falling back to local",
            "execution when remote execution fails.",
            "",
            "Example: booster -bt custom -p TMPcustomtest --hook -a \"cat /etc/resolv.conf\"",
            "",
            "Every other bk-booster flag of TBS is accepted and prints a note that it has no effect here",
            "(docs/tbs-migration.md)."
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "  the work command's exit code",
            "1:the booster itself failed while running; the message says how",
            "2:invalid arguments, or the work could not be set up (hook rules, handler plugin, PreWork under",
            "  --no_local); the message says which",
            "3:the work command succeeded but more sub-works fell back than --max_fallback_ratio allows"
        })
public final class BoosterCli implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Option(names = {"-bt", "--booster_type"}, required = true, paramLabel = "TYPE",
            description = "handler type: echo, custom (plugin from TROUPE_CUSTOM_SETTINGS), cc")
    private String type;

    @Option(names = {"-p", "--project_id"}, paramLabel = "ID",
            description = "project id (default: $TBS_PROJECT_ID, else 'default')")
    private String projectId;

    @Option(names = {"-b", "--build_id"}, paramLabel = "ID",
            description = "build id, the start of the work id after the project (default: $TBS_BUILD_ID,"
                    + " $TURBO_PLAN_BUILD_ID, else random)")
    private String buildIdFlag;

    @Option(names = {"-a", "--args"}, required = true, paramLabel = "COMMAND",
            description = "the work command, run by bash -c; @BK_JOBS is replaced by a job count")
    private String command;

    @Option(names = "--hook", arity = "0..1", description = "intercept sub-works with the handler's hook rules")
    private boolean hook;

    @Option(names = "--hook_config", paramLabel = "FILE", description = "hook rules file (TBS format)")
    private Path hookConfig;

    @Option(names = "--hook_mode", paramLabel = "MODE",
            description = "preload (LD_PRELOAD library; catches names, paths, globs) or shims (PATH shims; names only);"
                    + " default: preload where the library was built, else shims")
    private String hookMode;

    @Option(names = "--hook_preload_library", paramLabel = "PATH",
            description = "the LD_PRELOAD hook library (default: lib/libtroupe-hook.so of this installation)")
    private Path hookPreloadLibrary;

    @Option(names = "--local", arity = "0..1", description = "run every sub-work locally")
    private boolean local;

    @Option(names = "--degraded", arity = "0..1", description = "the same as --local (TBS: degrade the work to local)")
    private boolean degraded;

    @Option(names = "--no_local", arity = "0..1", description = "never fall back to local execution; a remote failure fails the sub-work")
    private boolean noLocal;

    @Option(names = "--remote_retry_times", paramLabel = "N", defaultValue = "1",
            description = "remote retries per sub-work after its first remote attempt, before the local run"
                    + " (default: ${DEFAULT-VALUE})")
    private int remoteRetryTimes;

    @Option(names = "--max_local_total_jobs", paramLabel = "N", defaultValue = "0",
            description = "local slot total (default 0 = CPUs - 1, at least 1)")
    private int maxLocalTotalJobs;

    @Option(names = "--max_jobs", paramLabel = "N", defaultValue = "0", description = "cap of @BK_JOBS (default 0 = no cap)")
    private int maxJobs;

    @Option(names = "--search_toolchain",
            description = "ship the compiler of a -bt cc sub-work to workers that lack its toolchain, once per worker"
                    + " (troupe.booster.ship-toolchains; workers need bubblewrap)")
    private boolean searchToolchain;

    @Option(names = "--net_error_limit", paramLabel = "N",
            description = "skip a worker after N failures in a row until it answers again"
                    + " (default troupe.booster.unhealthy-after-errors, 3)")
    private Integer netErrorLimit;

    @Option(names = "--resource_timeout_secs", paramLabel = "SECONDS",
            description = "wait this long for the first worker before running everything locally"
                    + " (default troupe.booster.worker-discovery-timeout, 0 s: the command starts at once)")
    private Integer resourceTimeoutSecs;

    @Option(names = {"-l", "--limit"}, paramLabel = "N", defaultValue = "0",
            description = "most sub-works of this work on one worker at once; also caps each worker's slots in"
                    + " @BK_JOBS (default 0 = the worker's free slots)")
    private int limit;

    @Option(names = "--jobs", paramLabel = "N", defaultValue = "0",
            description = "@BK_JOBS, still capped by --max_jobs (default 0 = 1.5 x worker slots)")
    private int jobs;

    @Option(names = "--preset_jobs", paramLabel = "N", defaultValue = "0",
            description = "@BK_JOBS when no worker was found (default 0 = the local slot total)")
    private int presetJobs;

    @Option(names = "--max_degraded_jobs", paramLabel = "N", defaultValue = "0",
            description = "cap of @BK_JOBS when the whole work runs locally (default 0 = the local slot total)")
    private int maxDegradedJobs;

    @Option(names = "--max_local_exe_jobs", paramLabel = "N", defaultValue = "0",
            description = "local slots for local runs, fallbacks included (default 0 = --max_local_total_jobs)")
    private int maxLocalExeJobs;

    @Option(names = "--max_local_pre_jobs", paramLabel = "N", defaultValue = "0",
            description = "local slots for handler pre-processing (default 0 = --max_local_total_jobs)")
    private int maxLocalPreJobs;

    @Option(names = "--max_local_post_jobs", paramLabel = "N", defaultValue = "0",
            description = "local slots for handler post-processing (default 0 = --max_local_total_jobs)")
    private int maxLocalPostJobs;

    @Option(names = {"-fll", "--force_local_list"}, paramLabel = "KEY", split = ",",
            description = "run a sub-work locally when its command line contains one of these strings (repeatable);"
                    + " counted as 'forced local' in the summary")
    private List<String> forceLocalList = new ArrayList<>();

    @Option(names = {"-s", "--save_code"}, arity = "0..1",
            description = "write the work command's exit code to bk_origin_exit_code in the work directory")
    private boolean saveCode;

    private static final int DEFAULT_IO_TIMEOUT_SECS = 60;

    @Option(names = "--io_timeout_secs", paramLabel = "SECONDS", defaultValue = "" + DEFAULT_IO_TIMEOUT_SECS,
            description = "give up a remote attempt after this long without progress: no answer and no worker"
                    + " heartbeat (default: ${DEFAULT-VALUE}; 0 = the default, as in TBS)")
    private int ioTimeoutSecs;

    @Option(names = "--remote_timeout_secs", paramLabel = "SECONDS", defaultValue = "0",
            description = "longest run of a remote process (default 0 = no limit; the worker's own limit applies)")
    private int remoteTimeoutSecs;

    @Option(names = "--max_fallback_ratio", paramLabel = "R", defaultValue = "1",
            description = "fail the work when more than this share (0-1) of its sub-works fell back to local"
                    + " (default: ${DEFAULT-VALUE} = never)")
    private double maxFallbackRatio;

    @Option(names = "--cluster", paramLabel = "HOST:PORT", split = ",", converter = SeedConverter.class,
            description = "a cluster seed node (repeatable); none = an embedded worker in this process")
    private List<String> cluster = new ArrayList<>();

    @Option(names = "--cluster_tls_dir", paramLabel = "DIR",
            description = "cluster TLS key material: tls.key, tls.crt, ca.crt (troupe.cluster.tls.dir,"
                    + " env TROUPE_CLUSTER_TLS_DIR; docs/operations.md)")
    private Path clusterTlsDir;

    @Option(names = "--stats_json", paramLabel = "FILE",
            description = "write per-sub-work timings and fallback reasons here (JSON)")
    private Path statsJson;

    @Option(names = "--max_file_size", paramLabel = "SIZE",
            description = "largest input file sent to a worker, e.g. 1GiB or 500M (default troupe.booster.max-file-size, "
                    + "1 GiB); a sub-work with a larger one runs locally")
    private String maxFileSize;

    // read by bin/booster, which runs a --cluster work through the controller unless --no_controller
    @Option(names = "--controller",
            description = "run the work through a long-lived local controller (a booster JVM that stays a cluster "
                    + "member between builds, as TBS's bk-dist-controller): the default for a --cluster work; "
                    + "bin/booster starts one when none answers; needs the native client "
                    + "(docs/booster-execution.md, \"Controller\")")
    private boolean controller;

    @Option(names = "--no_controller",
            description = "run the work in this booster's own JVM, without a controller: it joins the cluster for "
                    + "this build only and leaves with it")
    private boolean noController;

    @Option(names = "--controller_remain_time", paramLabel = "SECONDS",
            description = "how long the controller stays after its last work (default: ${DEFAULT-VALUE})")
    private int controllerRemainSecs = 120;

    @Option(names = "--controller_no_wait",
            description = "the controller leaves as soon as no work runs (--controller_remain_time 0)")
    private boolean controllerNoWait;

    /** Runs a work; calls {@code started} once its command has started and the booster has joined. */
    @FunctionalInterface
    public interface Runner {
        /** What {@link #run} returns when it did not run the work (a controller declined it): no exit code to save. */
        int DECLINED = Integer.MIN_VALUE;

        int run(WorkSettings settings, Runnable started);
    }

    private final Runner runner;
    private final Map<String, String> env;
    private final Path workDir;

    /** The real booster. */
    public BoosterCli() {
        this((settings, started) -> BoosterRun.run(settings, started), System.getenv(), Path.of("").toAbsolutePath());
    }

    /** A booster whose work is run by {@code runner} (tests). */
    public BoosterCli(ToIntFunction<WorkSettings> runner, Map<String, String> env, Path workDir) {
        this((settings, started) -> {
            started.run();
            return runner.applyAsInt(settings);
        }, env, workDir);
    }

    /** A booster whose work a controller runs for the client that sent {@code env} and {@code workDir}. */
    public static BoosterCli forController(Runner runner, Map<String, String> env, Path workDir) {
        return new BoosterCli(runner, env, workDir);
    }

    /** After parsing: how long a controller stays after its last work ({@code --controller_remain_time}, {@code --controller_no_wait}). */
    public Duration controllerRemainTime() {
        return Duration.ofSeconds(controllerNoWait ? 0 : Math.max(0, controllerRemainSecs));
    }

    private BoosterCli(Runner runner, Map<String, String> env, Path workDir) {
        this.runner = runner;
        this.env = Map.copyOf(env);
        this.workDir = workDir;
    }

    public static void main(String[] args) {
        useVforkLaunch();
        ProgressReporter.stderrIsTerminal(); // decided here, on the main thread, not inside an actor
        CommandLine commandLine = commandLine(new BoosterCli());
        System.exit(commandLine.execute(goStyleArgs(commandLine, args)));
    }

    /**
     * Processes (the embedded worker's sub-works, local runs) start ≈ 1 ms sooner with vfork+exec than with
     * the JDK's default posix_spawn through jspawnhelper (docs/performance.md). Must run before the first
     * process starts; an explicit {@code -Djdk.lang.Process.launchMechanism} wins. Linux only, and JDK 24 or
     * older: JDK 25 deprecates VFORK (a warning on stderr at the first process) and later JDKs remove it.
     */
    public static void useVforkLaunch() {
        if (System.getProperty(LAUNCH_MECHANISM) == null
                && vforkSuits(System.getProperty("os.name", ""), Runtime.version().feature())) {
            System.setProperty(LAUNCH_MECHANISM, "VFORK");
        }
    }

    /** Whether a JVM of this OS and Java feature release offers VFORK without a deprecation warning. */
    static boolean vforkSuits(String osName, int javaFeature) {
        return osName.toLowerCase(java.util.Locale.ROOT).startsWith("linux") && javaFeature < 25;
    }

    private static final String LAUNCH_MECHANISM = "jdk.lang.Process.launchMechanism";

    /**
     * TBS's bk-booster parses its flags with Go's flag package, where {@code -hook} and {@code --hook}, {@code -bt}
     * and {@code --bt} are the same flag: each argument in an option's place that names one of ours in the other
     * form is given ours. Without it picocli reads {@code -hook} as {@code -h} (help) and exits 0, having built nothing.
     * Values are left alone: the argument after an option that takes one, and everything after {@code --}.
     */
    public static String[] goStyleArgs(CommandLine commandLine, String[] args) {
        Map<String, CommandLine.Model.OptionSpec> options = commandLine.getCommandSpec().optionsMap();
        String[] out = args.clone();
        for (int i = 0; i < out.length; i++) {
            String arg = out[i];
            if (arg.equals("--")) {
                break;
            }
            if (!arg.startsWith("-") || arg.length() < 2) {
                continue;
            }
            int eq = arg.indexOf('=');
            String name = eq < 0 ? arg : arg.substring(0, eq);
            if (!options.containsKey(name)) {
                String twin = name.startsWith("--") ? name.substring(1) : "-" + name;
                if (options.containsKey(twin)) {
                    name = twin;
                    out[i] = twin + (eq < 0 ? "" : arg.substring(eq));
                }
            }
            CommandLine.Model.OptionSpec option = options.get(name);
            if (option != null && eq < 0 && option.arity().min() > 0) {
                i++; // its value
            }
        }
        return out;
    }

    /** The picocli command line for {@code cli}: errors print one clear line, not a stack trace. */
    public static CommandLine commandLine(BoosterCli cli) {
        CommandLine commandLine = new CommandLine(cli);
        TbsFlags.addTo(commandLine.getCommandSpec());
        commandLine.setOverwrittenOptionsAllowed(true); // as in TBS: a repeated flag's last value wins
        CommandLine.IParameterExceptionHandler standard = commandLine.getParameterExceptionHandler();
        commandLine.setParameterExceptionHandler((ex, args) -> {
            CommandLine cl = ex.getCommandLine();
            if (ex instanceof BadValue) {
                // the flags parsed; one value is wrong: the message names it, the whole usage would bury it
                cl.getErr().println("[booster] " + ex.getMessage());
                cl.getErr().println("[booster] see booster --help");
                return 2;
            }
            if (ex instanceof CommandLine.MissingParameterException && !cl.getUnmatchedArguments().isEmpty()) {
                // picocli would name the missing option alone; a misspelt flag (--hook-mode) is as likely the fault
                cl.getErr().println(ex.getMessage());
                return standard.handleParseException(
                        new CommandLine.UnmatchedArgumentException(cl, cl.getUnmatchedArguments()), args);
            }
            return standard.handleParseException(ex, args);
        });
        commandLine.setExecutionExceptionHandler((e, cl, parseResult) -> {
            cl.getErr().println("booster: " + (e.getMessage() != null ? e.getMessage() : e.toString()));
            return 1;
        });
        return commandLine;
    }

    /** Runs the work; returns its exit code. */
    @Override
    public Integer call() {
        WorkSettings settings = settings();
        TbsFlags.notes(spec.commandLine().getParseResult()).forEach(spec.commandLine().getErr()::println);
        // the dashboard lookup (config, HTTP client, TLS) would slow the command's start and the join: it waits
        // for both
        int exitCode = runner.run(settings, () -> announceDashboard(settings));
        if (saveCode && exitCode != Runner.DECLINED) { // the booster that runs a declined work saves its own
            saveExitCode(exitCode);
        }
        return exitCode;
    }

    /**
     * Prints the work's dashboard link once an admin API answers. Called once the booster has joined the
     * cluster, well after the work command started; the lookup (the config, an HTTP client and its TLS set-up)
     * runs on a thread of its own, the work never waits.
     */
    private void announceDashboard(WorkSettings settings) {
        if (settings.local()) {
            return;
        }
        Thread announce = new Thread(() -> findDashboard(settings), "troupe-dashboard-link");
        announce.setDaemon(true);
        announce.start();
    }

    private void findDashboard(WorkSettings settings) {
        String admin;
        try {
            admin = com.typesafe.config.ConfigFactory.load().getString("troupe.booster.admin");
        } catch (com.typesafe.config.ConfigException e) {
            admin = "";
        }
        PrintWriter err = spec.commandLine().getErr();
        DashboardLink.find(DashboardLink.candidates(admin, settings.clusterSeeds()), settings.buildId(),
                        Duration.ofSeconds(2))
                .ifPresent(url -> {
                    err.println("[booster] dashboard: " + url);
                    err.flush();
                });
    }

    /** TBS {@code -s}: CI scripts read the build's own exit code from this file. */
    private void saveExitCode(int exitCode) {
        Path file = workDir.resolve(EXIT_CODE_FILE);
        try {
            Files.writeString(file, Integer.toString(exitCode));
        } catch (java.io.IOException e) {
            spec.commandLine().getErr().println("booster: warning: -s/--save_code could not write " + file + ": " + e);
        }
    }

    /** The keys {@code --net_error_limit} and {@code --resource_timeout_secs} set (read by WorkActor from the config). */
    static final String NET_ERROR_LIMIT_KEY = "troupe.booster.unhealthy-after-errors";
    static final String SHIP_TOOLCHAINS_KEY = "troupe.booster.ship-toolchains";
    static final String RESOURCE_TIMEOUT_KEY = "troupe.booster.worker-discovery-timeout";
    /** The keys {@code --max_file_size} and {@code --cluster_tls_dir} set. */
    static final String MAX_FILE_SIZE_KEY = "troupe.booster.max-file-size";
    static final String CLUSTER_TLS_DIR_KEY = io.troupe.booster.transport.ClusterTransport.TLS_DIR;

    /** The file of TBS {@code -s/--save_code}. */
    static final String EXIT_CODE_FILE = "bk_origin_exit_code";

    /** {@code --max_file_size} in bytes; throws a ParameterException naming the flag. */
    long maxFileBytes() {
        try {
            long bytes = com.typesafe.config.ConfigFactory.parseMap(Map.of("size", maxFileSize)).getBytes("size");
            if (bytes < 1) {
                throw new BadValue(spec.commandLine(), "--max_file_size must be at least 1 byte, got '"
                        + maxFileSize + "'");
            }
            return bytes;
        } catch (com.typesafe.config.ConfigException e) {
            throw new BadValue(spec.commandLine(), "--max_file_size '" + maxFileSize
                    + "' is not a size (examples: 1GiB, 500M, 1048576)");
        }
    }

    /** The validated settings; throws a ParameterException naming the bad argument. */
    public WorkSettings settings() {
        if (!Handlers.TYPES.contains(type)) {
            throw new BadValue(spec.commandLine(), "unknown booster type '" + type
                    + "' (-bt/--booster_type); known types: " + String.join(", ", Handlers.TYPES));
        }
        if (command.isBlank()) {
            throw new BadValue(spec.commandLine(), "-a/--args is empty: give the work command to run");
        }
        if ((local || degraded) && noLocal) {
            throw new BadValue(spec.commandLine(), (local ? "--local" : "--degraded")
                    + " and --no_local contradict each other");
        }
        requireAtLeast("--remote_retry_times", remoteRetryTimes, 0);
        requireAtLeast("--max_local_total_jobs", maxLocalTotalJobs, 0);
        requireAtLeast("--max_jobs", maxJobs, 0);
        requireAtLeast("--jobs", jobs, 0);
        requireAtLeast("-l/--limit", limit, 0);
        if (netErrorLimit != null) {
            requireAtLeast("--net_error_limit", netErrorLimit, 1);
        }
        if (resourceTimeoutSecs != null) {
            requireAtLeast("--resource_timeout_secs", resourceTimeoutSecs, 0);
        }
        requireAtLeast("--preset_jobs", presetJobs, 0);
        requireAtLeast("--max_degraded_jobs", maxDegradedJobs, 0);
        requireAtLeast("--max_local_exe_jobs", maxLocalExeJobs, 0);
        requireAtLeast("--max_local_pre_jobs", maxLocalPreJobs, 0);
        requireAtLeast("--max_local_post_jobs", maxLocalPostJobs, 0);
        if (forceLocalList.stream().anyMatch(String::isBlank)) {
            throw new BadValue(spec.commandLine(),
                    "-fll/--force_local_list has an empty key: it would match every sub-work");
        }
        if (ioTimeoutSecs == 0) {
            ioTimeoutSecs = DEFAULT_IO_TIMEOUT_SECS; // TBS: 0 means its default
        }
        // workers report a running sub-work every 2 s (troupe.worker.heartbeat-interval): less would time out every run
        requireAtLeast("--io_timeout_secs", ioTimeoutSecs, 5);
        requireAtLeast("--remote_timeout_secs", remoteTimeoutSecs, 0);
        if (!(maxFallbackRatio >= 0 && maxFallbackRatio <= 1)) {
            throw new BadValue(spec.commandLine(),
                    "--max_fallback_ratio must be between 0 and 1, not " + maxFallbackRatio);
        }
        Path rules = hookConfig == null ? null : readableFile("--hook_config", hookConfig);
        HookSettings hooks = hookSettings();
        Path stats = statsJson == null ? null : workDir.resolve(statsJson).normalize();
        String project = projectId != null ? projectId : env.getOrDefault("TBS_PROJECT_ID", "default");
        String build = buildId();
        // random tail: several boosters of one CI build (one TBS_BUILD_ID) each run their own work
        String buildId = project + "-" + (build == null || build.isBlank() ? "" : build + "-")
                + UUID.randomUUID().toString().substring(0, 8);
        Map<String, String> workEnv = env;
        if (!forceLocalList.isEmpty()) {
            workEnv = new java.util.HashMap<>(env);
            workEnv.put(BoosterExec.FORCE_LOCAL_KEYS_ENV, String.join(BoosterExec.KEY_SEPARATOR, forceLocalList));
        }
        return new WorkSettings(type, project, buildId, command, hook, rules, local || degraded, noLocal,
                remoteRetryTimes, maxLocalTotalJobs, maxJobs, ioTimeoutSecs, cluster, workDir, workEnv, stats)
                .withFallbackLimits(remoteTimeoutSecs, maxFallbackRatio)
                .withHookSettings(hooks)
                .withJobLimits(new JobLimits(jobs, presetJobs, maxDegradedJobs, maxLocalExeJobs, maxLocalPreJobs,
                        maxLocalPostJobs, limit))
                .withConfigOverrides(configOverrides());
    }

    /**
     * The config keys the flags set, read by BoosterRun, WorkActor and ClusterTransport from this work's config
     * ({@link WorkSettings#config}): never System properties, which two boosters in one JVM would share.
     */
    private Map<String, String> configOverrides() {
        Map<String, String> overrides = new java.util.LinkedHashMap<>();
        if (maxFileSize != null) {
            overrides.put(MAX_FILE_SIZE_KEY, Long.toString(maxFileBytes()));
        }
        if (clusterTlsDir != null) {
            overrides.put(CLUSTER_TLS_DIR_KEY, workDir.resolve(clusterTlsDir).toAbsolutePath().normalize().toString());
        }
        if (searchToolchain) {
            overrides.put(SHIP_TOOLCHAINS_KEY, "on");
        }
        if (netErrorLimit != null) {
            overrides.put(NET_ERROR_LIMIT_KEY, Integer.toString(netErrorLimit));
        }
        if (resourceTimeoutSecs != null) {
            overrides.put(RESOURCE_TIMEOUT_KEY, resourceTimeoutSecs + "s");
        }
        return overrides;
    }

    /** {@code -b/--build_id}, else TBS's environment variables; it becomes part of the work id and its URL. */
    private String buildId() {
        String source = "-b/--build_id";
        String build = buildIdFlag;
        for (String variable : List.of("TBS_BUILD_ID", "TURBO_PLAN_BUILD_ID")) {
            if (build == null && env.get(variable) != null) {
                source = "$" + variable;
                build = env.get(variable);
            }
        }
        if (build != null && !build.isEmpty() && !build.matches("[A-Za-z0-9._-]+")) {
            throw new BadValue(spec.commandLine(), source + " '" + build
                    + "' may hold only letters, digits, '.', '_' and '-' (it becomes part of the work id)");
        }
        return build;
    }

    /** A flag's file, resolved against the work directory; it must be a readable file. */
    private Path readableFile(String flag, Path value) {
        Path file = workDir.resolve(value).normalize();
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw new BadValue(spec.commandLine(), flag + " " + value + ": no readable file at " + file);
        }
        return file;
    }

    private HookSettings hookSettings() {
        HookMode mode = null;
        if (hookMode != null) {
            try {
                mode = HookMode.parse(hookMode);
            } catch (IllegalArgumentException e) {
                throw new BadValue(spec.commandLine(), e.getMessage());
            }
        }
        Path library = null;
        if (hookPreloadLibrary != null) {
            library = readableFile("--hook_preload_library", hookPreloadLibrary);
            if (mode == HookMode.SHIMS) {
                throw new BadValue(spec.commandLine(),
                        "--hook_preload_library and --hook_mode shims contradict each other");
            }
        }
        return new HookSettings(mode, library);
    }

    private void requireAtLeast(String option, int value, int min) {
        if (value < min) {
            throw new BadValue(spec.commandLine(), option + " must be at least " + min + ", not " + value);
        }
    }

    /** Checks {@code host:port} (IPv6 as {@code [addr]:port}). */
    static final class SeedConverter implements CommandLine.ITypeConverter<String> {
        @Override
        public String convert(String value) {
            int colon = value.lastIndexOf(':');
            String host = colon > 0 ? value.substring(0, colon) : "";
            String port = colon > 0 ? value.substring(colon + 1) : "";
            if (host.isBlank() || port.isEmpty()) {
                throw new CommandLine.TypeConversionException("'" + value + "' is not host:port");
            }
            int number;
            try {
                number = Integer.parseInt(port);
            } catch (NumberFormatException e) {
                throw new CommandLine.TypeConversionException("'" + value + "': port '" + port + "' is not a number");
            }
            if (number < 1 || number > 65535) {
                throw new CommandLine.TypeConversionException("'" + value + "': port " + number + " is not in 1-65535");
            }
            return value;
        }
    }

    /** A flag's value (or a file it names) that the booster cannot use; the flags themselves parsed. */
    private static final class BadValue extends ParameterException {
        private static final long serialVersionUID = 1L;

        BadValue(CommandLine commandLine, String message) {
            super(commandLine, message);
        }
    }

    /** The version from the jar manifest, or "development build". */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return versionLines("Troupe booster", BoosterCli.class);
        }
    }

    /** {@code -V}'s lines for a Troupe program: its name, the version in {@code of}'s jar manifest, the Java. */
    public static String[] versionLines(String program, Class<?> of) {
        String version = of.getPackage().getImplementationVersion();
        return new String[] {program + " " + (version != null ? version : "(development build)"),
            "Java " + System.getProperty("java.version")};
    }

    /** Where picocli prints, for tests. */
    static CommandLine commandLine(BoosterCli cli, PrintWriter out, PrintWriter err) {
        return commandLine(cli).setOut(out).setErr(err);
    }
}
