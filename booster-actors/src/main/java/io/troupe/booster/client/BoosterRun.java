package io.troupe.booster.client;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.troupe.api.booster.Handler;
import io.troupe.booster.downing.NodeMajorityDowningProvider;
import io.troupe.booster.handler.HandlerLoadException;
import io.troupe.booster.handler.Handlers;
import io.troupe.booster.transport.ClusterTransport;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * Runs one work from start to end: loads the handler, starts the work command first where it waits for no
 * worker ({@link Prelaunch}), starts the booster's actor system (joining the cluster with role
 * {@code booster}, or — with no seeds — a single-node cluster with an embedded worker), runs the
 * {@link WorkActor}, leaves the cluster and returns the work's exit code.
 */
public final class BoosterRun {

    /** Exit code when the booster cannot start at all (bad handler, failed join under --no_local). */
    public static final int BOOSTER_FAILED = 2;

    /** The role split-brain decisions count: every cluster node has it, a booster never. */
    public static final String SBR_ROLE = "node";

    private BoosterRun() {}

    /** The booster's own actor-system config (tests check the split-brain settings in it). */
    static Config systemConfigFor(Config base, List<String> seeds) {
        return systemConfig(base, seeds.isEmpty(), parseSeeds(seeds, base.getString("troupe.booster.system-name")));
    }

    /**
     * Runs the work described by {@code settings}; the work command's stdout and stderr pass through, the
     * booster's own messages go to stderr prefixed {@code [booster]}.
     *
     * @return the work command's exit code, or {@link #BOOSTER_FAILED} when the booster could not run it
     */
    public static int run(WorkSettings settings) {
        return run(settings, () -> { });
    }

    /**
     * As {@link #run(WorkSettings)}; {@code started} is called once the booster has joined the cluster (under
     * {@code --local}: once its actor system runs), which is after the work command started. It must not block.
     */
    public static int run(WorkSettings settings, Runnable started) {
        Handler handler;
        try {
            handler = Handlers.load(settings.type(), settings.env());
        } catch (HandlerLoadException e) {
            System.err.println("[booster] " + e.getMessage());
            return BOOSTER_FAILED;
        }
        return run(settings, handler, earlyConfig(), ConfigFactory::load, BoosterGuardian.REAL_WORK, started);
    }

    /** Runs with an already loaded handler and a base config (tests, embedding). */
    public static int run(WorkSettings settings, Handler handler, Config baseConfig) {
        return run(settings, handler, baseConfig, BoosterGuardian.REAL_WORK);
    }

    /** Runs with the work actor {@code workFactory} makes (tests: one that fails). */
    static int run(WorkSettings settings, Handler handler, Config baseConfig, BoosterGuardian.WorkFactory workFactory) {
        return run(settings, handler, baseConfig, () -> baseConfig, workFactory, () -> { });
    }

    /** Runs with {@code early} until the work command started and {@code complete} after (tests). */
    static int run(WorkSettings settings, Handler handler, Config early, java.util.function.Supplier<Config> complete) {
        return run(settings, handler, early, complete, BoosterGuardian.REAL_WORK, () -> { });
    }

    /**
     * The config the work command needs to start, as {@link ConfigFactory#load()} makes it but with this jar's
     * {@code reference.conf} alone: the twenty-odd reference files of Pekko and the other libraries (≈ 60 ms to
     * parse) load once the command runs. The whole config when this jar's file is not found or does not resolve.
     */
    public static Config earlyConfig() {
        try {
            java.net.URL own = referenceIn(BoosterRun.class.getProtectionDomain().getCodeSource().getLocation());
            // resolved alone first, as ConfigFactory.load() resolves the reference files
            Config reference = ConfigFactory.parseURL(own,
                    com.typesafe.config.ConfigParseOptions.defaults().setAllowMissing(false)).resolve();
            return ConfigFactory.defaultOverrides().withFallback(ConfigFactory.defaultApplication())
                    .withFallback(reference).resolve();
        } catch (com.typesafe.config.ConfigException | java.net.MalformedURLException | SecurityException e) {
            return ConfigFactory.load();
        }
    }

    /** The {@code reference.conf} in the jar or class directory at {@code classes}. */
    static java.net.URL referenceIn(java.net.URL classes) throws java.net.MalformedURLException {
        return classes.getPath().endsWith(".jar") ? new java.net.URL("jar:" + classes + "!/reference.conf")
                : new java.net.URL(classes, "reference.conf");
    }

    /**
     * @param early the config up to the work command's start, {@code complete} the actor system's
     * @param started called once this node is Up in the cluster (--local: once the actor system runs)
     */
    private static int run(WorkSettings settings, Handler handler, Config early, java.util.function.Supplier<Config> complete,
            BoosterGuardian.WorkFactory workFactory, Runnable started) {
        Config baseConfig = settings.config(early); // the flags' values (--max_file_size, --cluster_tls_dir, ...)
        boolean embedded = settings.clusterSeeds().isEmpty();
        try {
            checkSeeds(settings.clusterSeeds());
            if (!settings.local()) {
                ClusterTransport.check(baseConfig, "--cluster_tls_dir");
            }
        } catch (IllegalArgumentException e) {
            System.err.println("[booster] " + e.getMessage());
            return BOOSTER_FAILED;
        }
        if (!embedded && !settings.local()) {
            baseConfig = withRememberedJobs(baseConfig, settings);
        }
        // the command starts first when it waits for no worker; the actor system (≈ 0.5-1 s) starts after it
        Prelaunch.Started prelaunched = null;
        BoosterGuardian.WorkFactory factory = workFactory;
        if (workFactory == BoosterGuardian.REAL_WORK && Prelaunch.applies(settings, baseConfig)) {
            Prelaunch.Started launched = Prelaunch.launch(settings, handler, baseConfig);
            prelaunched = launched;
            factory = (s, h, events) -> WorkActor.adopting(s, h, launched, events);
        }
        List<Address> seeds;
        Config config;
        CompletableFuture<Integer> exit = new CompletableFuture<>();
        ActorSystem<BoosterGuardian.Command> system;
        try {
            Config whole = complete.get(); // inside: a config that fails now stops the command that started
            if (whole != early) { // the jobs the command was given stay the work's
                baseConfig = settings.config(whole).withValue(WorkLaunch.EXPECTED_JOBS, baseConfig.getValue(WorkLaunch.EXPECTED_JOBS));
            }
            seeds = parseSeeds(settings.clusterSeeds(), baseConfig.getString("troupe.booster.system-name"));
            // --local needs no cluster: a plain local actor system starts about a second sooner (no Artery, no join)
            config = settings.local() ? localSystemConfig(baseConfig)
                    : ClusterTransport.configure(systemConfig(baseConfig, embedded, seeds), "--cluster_tls_dir");
            system = ActorSystem.create(BoosterGuardian.create(settings, handler, seeds, exit, factory),
                    baseConfig.getString("troupe.booster.system-name"), config);
        } catch (RuntimeException e) {
            System.err.println("[booster] " + (e instanceof IllegalArgumentException ? e.getMessage()
                    : "cannot start the booster's actor system: " + e));
            if (prelaunched != null) {
                System.err.println("[booster] stopping the work command, which had started already");
                prelaunched.abandon();
            }
            return BOOSTER_FAILED;
        }
        if (settings.local()) {
            started.run();
        } else {
            // not while the actor system starts and joins: that is on the way to the first remote sub-work
            org.apache.pekko.cluster.Cluster.get(org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(system))
                    .registerOnMemberUp(started);
        }
        int code = awaitExit(exit, system);
        system.terminate(); // CoordinatedShutdown: leaves the cluster gracefully first
        try {
            system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            System.err.println("[booster] warning: actor system did not stop within 30 s: " + e);
        }
        return code;
    }

    /**
     * The work's exit code. The wait is as long as the build, but never longer than the actor system lives: the
     * guardian completes {@code exit} when the work actor fails, and a guardian that fails itself stops the
     * system, which ends the wait within a second.
     */
    private static int awaitExit(CompletableFuture<Integer> exit, ActorSystem<?> system) {
        CompletableFuture<?> terminated = system.getWhenTerminated().toCompletableFuture();
        try {
            while (true) {
                try {
                    return exit.get(1, TimeUnit.SECONDS);
                } catch (java.util.concurrent.TimeoutException e) {
                    if (terminated.isDone() && !exit.isDone()) {
                        System.err.println("[booster] internal error: the booster's actor system stopped before the work ended");
                        return BOOSTER_FAILED;
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            System.err.println("[booster] interrupted while the work ran");
            return BOOSTER_FAILED;
        } catch (Exception e) {
            System.err.println("[booster] internal error: " + e);
            return BOOSTER_FAILED;
        }
    }

    /**
     * The actor-system config of a booster that joins {@code seeds} as a member with role booster (no embedded
     * worker), cluster TLS included: what a controller runs with ({@code --controller}).
     */
    public static Config clusterSystemConfig(Config base, List<Address> seeds) {
        return ClusterTransport.configure(systemConfig(base, false, seeds), "--cluster_tls_dir");
    }

    /** {@code host:port} seeds as cluster addresses of system {@code systemName}. */
    public static List<Address> parseSeeds(List<String> seeds, String systemName) {
        checkSeeds(seeds);
        List<Address> addresses = new ArrayList<>();
        for (String seed : seeds) {
            int colon = seed.lastIndexOf(':');
            addresses.add(new Address("pekko", systemName, seed.substring(0, colon), Integer.parseInt(seed.substring(colon + 1))));
        }
        return addresses;
    }

    /** Checks each seed is {@code host:port}, without Pekko's classes (they load after the command started). */
    static void checkSeeds(List<String> seeds) {
        for (String seed : seeds) {
            int colon = seed.lastIndexOf(':');
            int port;
            try {
                port = Integer.parseInt(seed.substring(colon + 1));
            } catch (NumberFormatException | IndexOutOfBoundsException e) {
                port = -1;
            }
            if (colon <= 0 || port <= 0 || port > 65535) {
                throw new IllegalArgumentException("--cluster '" + seed + "' is not host:port");
            }
        }
    }

    /**
     * With {@code troupe.booster.expected-jobs} unset (0), the jobs the last run against these seeds would have
     * had (1.5 × the worker slots it saw): the command starts before any worker is known.
     */
    public static Config withRememberedJobs(Config config, WorkSettings settings) {
        if (config.getInt(WorkLaunch.EXPECTED_JOBS) > 0) {
            return config;
        }
        ClusterSlotsMemory memory = ClusterSlotsMemory.of(settings.clusterSeeds(), settings.env());
        java.util.OptionalInt slots = memory.recall();
        if (slots.isEmpty()) {
            return config;
        }
        int expected = slots.getAsInt();
        int limit = settings.jobLimits().limit();
        java.util.OptionalInt workers = memory.recallWorkers();
        if (limit > 0 && workers.isPresent()) {
            expected = Math.min(expected, limit * workers.getAsInt()); // -l caps each worker's slots, as once known
        }
        return config.withValue(WorkLaunch.EXPECTED_JOBS,
                com.typesafe.config.ConfigValueFactory.fromAnyRef(Math.max(1, expected * 3 / 2)));
    }

    private static Config localSystemConfig(Config base) {
        return ConfigFactory.parseString(String.join("\n",
                        "pekko.actor.provider = local",
                        "pekko.coordinated-shutdown.exit-jvm = off",
                        "pekko.coordinated-shutdown.run-by-jvm-shutdown-hook = off",
                        "pekko.fail-mixed-versions = off",
                        "pekko.loglevel = " + (base.hasPath("troupe.booster.loglevel") ? base.getString("troupe.booster.loglevel") : "WARNING"),
                        "pekko.log-dead-letters = off",
                        "pekko.stdout-loglevel = OFF",
                        "pekko.loggers = [\"org.apache.pekko.event.slf4j.Slf4jLogger\"]",
                        "pekko.logging-filter = \"org.apache.pekko.event.slf4j.Slf4jLoggingFilter\"",
                        "pekko.log-dead-letters-during-shutdown = off"))
                .withFallback(base)
                .resolve();
    }

    private static Config systemConfig(Config base, boolean embedded, List<Address> seeds) {
        String host = base.getString("troupe.booster.hostname");
        if (host.isBlank()) {
            host = embedded || seeds.stream().allMatch(BoosterRun::isLoopback) ? "127.0.0.1" : localHost();
        }
        String roles = embedded ? "[booster, worker]" : "[booster]";
        return ConfigFactory.parseString(String.join("\n",
                        "pekko.actor.provider = cluster",
                        "pekko.remote.artery.canonical.hostname = \"" + host + "\"",
                        "pekko.remote.artery.canonical.port = 0",
                        "pekko.cluster.roles = " + roles,
                        // the nodes' provider, as Pekko requires of every member; on a booster it never downs anything
                        "pekko.cluster.downing-provider-class = \"" + NodeMajorityDowningProvider.class.getName() + "\"",
                        "pekko.cluster.split-brain-resolver.active-strategy = keep-majority",
                        // the nodes' setting (troupe-node-defaults.conf): only members with role node count; a
                        // booster has role booster, so it never tips a split-brain decision
                        "pekko.cluster.split-brain-resolver.keep-majority.role = " + SBR_ROLE,
                        "pekko.coordinated-shutdown.exit-jvm = off",
                        // an embedded single-node cluster has nobody to leave gracefully: stop at once
                        "pekko.coordinated-shutdown.run-by-actor-system-terminate = " + (embedded ? "off" : "on"),
                        // a distribution's lib/ carries pekko-discovery 1.2.1 (pekko-management) next to Pekko 1.7
                        "pekko.fail-mixed-versions = off",
                        "pekko.coordinated-shutdown.run-by-jvm-shutdown-hook = off",
                        "pekko.cluster.run-coordinated-shutdown-when-down = off",
                        "pekko.loglevel = " + (base.hasPath("troupe.booster.loglevel") ? base.getString("troupe.booster.loglevel") : "WARNING"),
                        "pekko.remote.artery.advanced.maximum-frame-size = ${troupe.remote.maximum-frame-size}",
                        "pekko.log-dead-letters = off",
                        // workers are seen sooner: this node asks for the receptionist's entries every 200 ms
                        // (not 2 s) and hears of changes within 50 ms; a booster lives briefly, the cost is small
                        "pekko.cluster.typed.receptionist.distributed-data.gossip-interval = 200ms",
                        "pekko.cluster.typed.receptionist.distributed-data.notify-subscribers-interval = 50ms",
                        // a silent worker's sub-works go elsewhere within seconds, not after the default detector's
                        // 5-8 s: this member's own view marks it unreachable ~2.5 s after its last heartbeat answer
                        "pekko.cluster.failure-detector.heartbeat-interval = 500ms",
                        "pekko.cluster.failure-detector.acceptable-heartbeat-pause = 2s",
                        // a member's scheduler wakes every tick whether a timer is due or not: at 50 ms (not 10) an
                        // idle controller spends about a fifth less CPU; its shortest timer is the receptionist's 50 ms
                        // (docs/performance.md, "Shared preprocessing and the controller's idle CPU")
                        embedded ? "" : "pekko.scheduler.tick-duration = 50ms",
                        "pekko.stdout-loglevel = OFF",
                        "pekko.loggers = [\"org.apache.pekko.event.slf4j.Slf4jLogger\"]",
                        "pekko.logging-filter = \"org.apache.pekko.event.slf4j.Slf4jLoggingFilter\"",
                        "pekko.log-dead-letters-during-shutdown = off"))
                .withFallback(base)
                .resolve();
    }

    private static boolean isLoopback(Address address) {
        String host = address.getHost().orElse("");
        try {
            return host.equals("localhost") || InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    private static String localHost() {
        try {
            return InetAddress.getLocalHost().getHostAddress();
        } catch (UnknownHostException e) {
            return "127.0.0.1";
        }
    }
}
