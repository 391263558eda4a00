package io.troupe.booster.client;

import static io.troupe.booster.Failures.messageOf;

import com.typesafe.config.Config;
import io.troupe.api.booster.BoosterConfig;
import io.troupe.api.booster.Handler;
import io.troupe.booster.FileTrees;
import io.troupe.booster.ProcessTrees;
import io.troupe.booster.gateway.GatewaySocket;
import java.io.IOException;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Path;

/**
 * Starts the work command before the booster's actor system exists (docs/booster-execution.md, "Start"):
 * {@code @BK_JOBS}, PreWork, the hooks and the gateway's socket are done in plain Java on the main thread, the
 * command is spawned, and the {@link WorkActor} adopts all of it once the actor system is up. Sub-works the
 * command sends meanwhile wait in the socket's listen backlog.
 *
 * <p>Only where the command would not wait for a worker anyway: {@code --local}, or {@code --cluster} without
 * {@code --no_local} and without a {@code worker-discovery-timeout} hold. The embedded worker and those holds
 * keep the actor path, which starts the command once a worker is known.
 */
public final class Prelaunch {

    /**
     * What was done before the actor system started.
     *
     * @param preWorkError PreWork's failure, or null
     * @param environment the hooked environment, or its error (then nothing was bound or started)
     * @param server the gateway's bound socket, or null ({@code bindFailure} says why)
     * @param process the work command, or null ({@code startFailure} says why)
     * @param commandStartedMillis when it was spawned (epoch ms), or 0
     */
    public record Started(int jobs, BoosterConfig boosterConfig, Throwable preWorkError, WorkLaunch.Environment environment,
            ServerSocketChannel server, String bindFailure, Process process, String startFailure,
            long commandStartedMillis) {

        Path socket() {
            return environment.env() == null ? null : Path.of(environment.env().get("TROUPE_BOOSTER_SOCKET"));
        }

        /** The actor system did not start: stop the command, close the socket, remove the temp dir. */
        public void abandon() {
            if (process != null) {
                ProcessTrees.end(process, true);
            }
            if (server != null) {
                GatewaySocket.close(server, socket());
            }
            try {
                FileTrees.deleteTree(environment.tempDir());
            } catch (IOException e) {
                // best effort: the booster is failing anyway, and says why
            }
        }
    }

    private Prelaunch() {}

    /** Whether this work's command may start before the actor system: it waits for no worker. */
    public static boolean applies(WorkSettings settings, Config config) {
        if (settings.noLocal()) {
            return false; // held until a worker is known
        }
        return settings.local()
                || (!settings.clusterSeeds().isEmpty() && config.getDuration("troupe.booster.worker-discovery-timeout").isZero());
    }

    /** Starts the work command: here, or (a controller's work) in the client that asked for the work. */
    @FunctionalInterface
    public interface CommandStarter {
        Process start(WorkSettings settings, BoosterConfig boosterConfig, java.util.Map<String, String> env) throws IOException;
    }

    /** Decides {@code @BK_JOBS}, calls PreWork, installs the hooks, binds the socket and spawns the command. */
    static Started launch(WorkSettings settings, Handler handler, Config config) {
        return launch(settings, handler, config, WorkLaunch::startWorkProcess);
    }

    /** As {@link #launch(WorkSettings, Handler, Config)}, the command started by {@code starter}. */
    public static Started launch(WorkSettings settings, Handler handler, Config config, CommandStarter starter) {
        int jobs = WorkLaunch.jobs(settings, 0, WorkLaunch.localTotal(settings), settings.local(),
                WorkLaunch.expectedJobs(config));
        BoosterConfig boosterConfig = WorkLaunch.boosterConfig(settings, jobs);
        Throwable preWorkError = null;
        try {
            HandlerCalls.callBounded(config, handler, "PreWork", () -> {
                handler.preWork(boosterConfig);
                return null;
            });
        } catch (Exception | LinkageError e) {
            preWorkError = e;
        }
        WorkLaunch.Environment environment;
        try {
            environment = WorkLaunch.withHandlerLoader(handler,
                    () -> WorkLaunch.prepareEnvironment(settings, handler, boosterConfig,
                            HandlerCalls.timeout(config, HandlerCalls.TIMEOUT_KEY)));
        } catch (Exception e) {
            environment = new WorkLaunch.Environment(null, null, null, e, null);
        }
        if (environment.error() != null) {
            return new Started(jobs, boosterConfig, preWorkError, environment, null, null, null, null, 0);
        }
        Path socket = Path.of(environment.env().get("TROUPE_BOOSTER_SOCKET"));
        ServerSocketChannel server = null;
        String bindFailure = null;
        try {
            server = GatewaySocket.bind(socket);
        } catch (IOException e) {
            bindFailure = "executor gateway cannot listen on " + socket + ": " + messageOf(e);
        }
        Process process = null;
        String startFailure = null;
        try {
            process = starter.start(settings, boosterConfig, environment.env());
        } catch (IOException e) {
            startFailure = messageOf(e);
        }
        return new Started(jobs, boosterConfig, preWorkError, environment, server, bindFailure, process, startFailure,
                process == null ? 0 : System.currentTimeMillis());
    }
}
