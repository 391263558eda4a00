package io.troupe.booster.client;

import static io.troupe.booster.Failures.messageOf;

import com.typesafe.config.Config;
import io.troupe.api.booster.BoosterConfig;
import io.troupe.api.booster.Handler;
import io.troupe.api.booster.PreloadConfig;
import io.troupe.booster.ProcessTrees;
import io.troupe.booster.gateway.StdinIdentity;
import io.troupe.booster.hook.HookMode;
import io.troupe.booster.hook.Hooks;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * The steps before a work command runs, in plain Java (no Pekko): {@code @BK_JOBS}, the handler's
 * {@link BoosterConfig}, the hooked environment, the process. The {@link WorkActor} runs them on the blocking
 * dispatcher; {@link Prelaunch} runs them on the main thread before the actor system starts.
 */
final class WorkLaunch {

    /**
     * The work's environment: hooks installed, {@code TROUPE_BOOSTER_SOCKET} set; or the error that stopped it.
     *
     * @param hookMode how sub-works are caught, or null when the work is not hooked
     */
    record Environment(Map<String, String> env, Path tempDir, String warning, Exception error, HookMode hookMode) {}

    /**
     * The setting of the jobs a cluster build gets before it knows a worker ({@code @BK_JOBS}); 0 = what the last
     * run against the same seeds saw, else 4 × the CPUs.
     */
    static final String EXPECTED_JOBS = "troupe.booster.expected-jobs";

    private WorkLaunch() {}

    /** {@code --max_local_total_jobs}, else the CPUs less one (at least 1). */
    static int localTotal(WorkSettings settings) {
        return settings.maxLocalTotalJobs() > 0 ? settings.maxLocalTotalJobs() : LocalSlots.defaultTotal();
    }

    /** {@code troupe.booster.expected-jobs}, else 4 × this machine's CPUs. */
    static int expectedJobs(Config config) {
        int expected = config.getInt(EXPECTED_JOBS);
        return expected > 0 ? expected : 4 * Runtime.getRuntime().availableProcessors();
    }

    /**
     * Known workers' slots × 1.5; with none known yet: the local slot total when everything runs here (--local,
     * the embedded worker), else {@code expectedJobs}, the cluster the build is expected to meet. Capped by
     * {@code --max_jobs}.
     */
    static int jobs(WorkSettings settings, int workerSlots, int localTotal, boolean local, int expectedJobs) {
        boolean embedded = settings.clusterSeeds().isEmpty();
        // no worker known yet: the expected cluster's jobs, since @BK_JOBS is written into the command once
        int fallback = workerSlots > 0 || local || embedded ? localTotal : Math.max(localTotal, expectedJobs);
        return settings.jobLimits().bkJobs(workerSlots, fallback, local, settings.maxJobs());
    }

    /** What the handler is told of the work: the command line with {@code @BK_JOBS} replaced. */
    static BoosterConfig boosterConfig(WorkSettings settings, int jobs) {
        String command = settings.command() == null ? "" : settings.command().replace("@BK_JOBS", Integer.toString(jobs));
        String confDir = settings.env().getOrDefault("TROUPE_CONF_DIR", "/etc/troupe");
        return new BoosterConfig(settings.type(), settings.projectId(), settings.buildId(), command,
                settings.workDir(), Path.of(confDir), settings.hookConfig(), settings.env());
    }

    /** Runs handler code with the handler's class loader as context loader: a plugin finds its resources so. */
    static <T> T withHandlerLoader(Handler handler, Callable<T> work) throws Exception {
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(handler.getClass().getClassLoader());
        try {
            return work.call();
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    /**
     * Makes the work's temp directory, installs the hooks (GetPreloadConfig, else --hook_config). Blocking.
     * GetPreloadConfig is bounded by {@code handlerTimeout} ({@code troupe.booster.handler-timeout}): a hung plugin
     * fails the work with a message naming the hook, the handler and the key, never hangs it.
     */
    static Environment prepareEnvironment(WorkSettings settings, Handler handler, BoosterConfig boosterConfig,
            java.time.Duration handlerTimeout) throws IOException {
        StdinIdentity.capture(); // the work command inherits the booster's stdin: its sub-works may name it
        Path dir = Files.createTempDirectory("troupe-booster-");
        try {
            Map<String, String> env = new HashMap<>(settings.env());
            // the booster decides --force_local_list (SubWorkActor), so it can count the sub-works it forces local
            env.remove(io.troupe.booster.exec.BoosterExec.FORCE_LOCAL_KEYS_ENV);
            String warning = null;
            HookMode hookMode = null;
            if (settings.hook()) {
                PreloadConfig rules;
                try {
                    rules = HandlerCalls.callBounded(handlerTimeout, handler, "GetPreloadConfig",
                            () -> handler.getPreloadConfig(boosterConfig));
                } catch (IOException e) {
                    throw e;
                } catch (Exception e) {
                    throw new Exception("GetPreloadConfig failed: " + messageOf(e), e);
                }
                if ((rules == null || rules.hooks().isEmpty()) && settings.hookConfig() != null) {
                    rules = PreloadConfig.fromFile(settings.hookConfig());
                }
                if (rules == null || rules.hooks().isEmpty()) {
                    warning = "--hook given but there are no hook rules (handler GetPreloadConfig and --hook_config"
                            + " gave none); nothing will be intercepted";
                    rules = PreloadConfig.empty();
                }
                Hooks.Installed hooks = Hooks.install(settings.hookSettings(), rules, env);
                hookMode = hooks.mode();
                env = new HashMap<>(hooks.env());
                for (String hookWarning : hooks.warnings()) {
                    warning = warning == null ? hookWarning : warning + "\n[booster] warning: " + hookWarning;
                }
            }
            env.put("TROUPE_BOOSTER_SOCKET", dir.resolve("gateway.sock").toString());
            return new Environment(Map.copyOf(env), dir, warning, null, hookMode);
        } catch (Exception e) {
            return new Environment(null, dir, null, e, null);
        }
    }

    /** Starts {@code WorkSettings.SHELL -c <command>} in the work directory with exactly {@code env}, inheriting stdio. */
    static Process startWorkProcess(WorkSettings settings, BoosterConfig boosterConfig, Map<String, String> env)
            throws IOException {
        ProcessBuilder builder = new ProcessBuilder(WorkSettings.SHELL, "-c", boosterConfig.args()).inheritIO();
        if (settings.workDir() != null) {
            builder.directory(settings.workDir().toFile());
        }
        builder.environment().clear();
        builder.environment().putAll(env);
        Process process = builder.start();
        stopWithTheJvm(process);
        return process;
    }

    /**
     * A booster JVM that a signal ends (kill of its pid alone, which the command's bash would not pass on to make)
     * stops the work command's whole tree first and waits a little for it, so no build goes on without it.
     */
    private static void stopWithTheJvm(Process process) {
        Thread stop = new Thread(() -> {
            if (process.isAlive()) {
                ProcessTrees.end(process, false);
                try {
                    process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }, "troupe-work-command-stop");
        try {
            Runtime.getRuntime().addShutdownHook(stop);
        } catch (IllegalStateException e) {
            return; // the JVM is going down already
        }
        process.onExit().thenRun(() -> {
            try {
                Runtime.getRuntime().removeShutdownHook(stop);
            } catch (IllegalStateException e) {
                // shutting down: the hook finds the command gone
            }
        });
    }
}
