package io.troupe.booster.controller;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.troupe.booster.cli.BoosterCli;
import io.troupe.booster.client.BoosterRun;
import io.troupe.booster.client.Prelaunch;
import io.troupe.booster.client.WorkSettings;
import io.troupe.booster.gateway.StdinIdentity;
import io.troupe.booster.transport.ClusterTransport;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * {@code bin/booster --controller}'s long-lived side: a booster JVM that joins the cluster once and runs the works
 * of the clients ({@code booster-client}) that connect to its Unix socket, until it has been idle for
 * {@code --controller_remain_time} (TBS's bk-dist-controller, docs/booster-execution.md "Controller"). Started by
 * the first client, with that client's booster args: their cluster flags ({@code --cluster}, {@code
 * --cluster_tls_dir}, the flags that set config) are the controller's, and a work asking for others is declined.
 *
 * <p>Usage: {@code ControllerMain SOCKET BOOSTER_ARGS...}. Exit 0 when another controller already listens on SOCKET.
 */
public final class ControllerMain {

    /** What every session needs of the controller. */
    record Served(ControllerStatus status, CompletableFuture<ActorRef<ControllerGuardian.Command>> guardian, Config config,
            List<String> seeds, java.util.Map<String, String> overrides) {

        /** Why this controller cannot run {@code settings}' work as asked, or null. */
        String declines(WorkSettings settings) {
            if (!settings.clusterSeeds().equals(seeds)) {
                return "this controller serves the cluster at " + String.join(", ", seeds);
            }
            if (!settings.configOverrides().equals(overrides)) {
                return "this controller runs with other cluster settings (" + overrides + ")";
            }
            if (settings.local() || !Prelaunch.applies(settings, settings.config(config))) {
                return "the work does not start at once (--local, --no_local or a worker-discovery hold)";
            }
            return null;
        }
    }

    /** The socket's lock file, held (and so reachable) for the controller's life. */
    private static java.nio.channels.FileLock held;
    /** the socket was removed and the lock given up: once only, by the idle exit or the shutdown hook */
    private static final java.util.concurrent.atomic.AtomicBoolean socketClosed = new java.util.concurrent.atomic.AtomicBoolean();

    private ControllerMain() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: ControllerMain SOCKET BOOSTER_ARGS...");
            System.exit(2);
        }
        BoosterCli.useVforkLaunch();
        StdinIdentity.ignoreOwn();
        Path socket = Path.of(args[0]);
        BoosterCli cli = BoosterCli.forController((settings, started) -> 0, System.getenv(), Path.of("").toAbsolutePath());
        WorkSettings first = firstWork(cli, java.util.Arrays.copyOfRange(args, 1, args.length));
        if (!lock(socket)) {
            System.exit(0); // another controller got there first: the client talks to it
        }
        ControllerStatus status = new ControllerStatus(first == null ? Duration.ZERO : cli.controllerRemainTime(), System::nanoTime);
        ServerSocketChannel server = listen(socket);
        CompletableFuture<ActorSystem<ControllerGuardian.Command>> system;
        if (first == null) {
            status.unusable("the work that started the controller cannot run in one");
            system = CompletableFuture.failedFuture(new IllegalStateException(status.unusable()));
        } else {
            system = startSystem(first, status);
        }
        // kill (SIGTERM): leave the cluster first, so the next controller's join is not held up by an unreachable member
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            status.unusable("the controller is stopping");
            closeSocket(server, socket); // a client from now on starts a new controller
            system.thenAccept(ControllerMain::stop);
        }, "troupe-controller-shutdown"));
        List<String> seeds = first == null ? List.of() : first.clusterSeeds();
        Served served = new Served(status, system.thenApply(started -> (ActorRef<ControllerGuardian.Command>) started),
                BoosterRun.earlyConfig(), seeds, first == null ? java.util.Map.of() : first.configOverrides());
        System.err.println("controller: listening on " + socket + " (pid " + ProcessHandle.current().pid()
                + "), cluster " + String.join(", ", seeds) + ", leaves " + cli.controllerRemainTime().toSeconds()
                + " s after its last work");
        Thread leave = new Thread(() -> leaveWhenIdle(status, server, socket, system), "troupe-controller-idle");
        leave.setDaemon(true);
        leave.start();
        serve(server, served);
    }

    /**
     * The settings of the work that started this controller (its cluster flags are the controller's), or null when
     * they do not parse or name no cluster: then the controller only declines, so that its client runs the booster
     * without one (which says what is wrong with the args).
     */
    private static WorkSettings firstWork(BoosterCli cli, String[] args) {
        try {
            picocli.CommandLine commandLine = BoosterCli.commandLine(cli);
            commandLine.parseArgs(BoosterCli.goStyleArgs(commandLine, args));
            WorkSettings first = cli.settings();
            if (!first.clusterSeeds().isEmpty()) {
                return first;
            }
            System.err.println("controller: needs --cluster (an embedded worker lives and dies with its booster)");
        } catch (RuntimeException e) {
            System.err.println("controller: the first work's args do not parse: " + e.getMessage());
        }
        return null;
    }

    /**
     * One controller per socket: two clients that found none start two, and the second one finds the lock taken.
     * The lock is held until this JVM exits, however it exits.
     */
    private static boolean lock(Path socket) throws IOException {
        java.nio.channels.FileChannel lockFile = java.nio.channels.FileChannel.open(Path.of(socket + ".lock"),
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE);
        held = lockFile.tryLock();
        return held != null && !alive(socket);
    }

    /** Binds the socket; a socket file left by a killed controller goes first. Exits when it cannot. */
    private static ServerSocketChannel listen(Path socket) {
        try {
            Files.deleteIfExists(socket);
            ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(UnixDomainSocketAddress.of(socket));
            return server;
        } catch (IOException e) {
            System.err.println("controller: cannot listen on " + socket + ": " + e);
            System.exit(1);
            return null;
        }
    }

    /**
     * Starts the actor system on a thread of its own. The client connects at once, and the first work's command
     * starts on the booster's own settings alone ({@link BoosterRun#earlyConfig}, as bin/booster does); the whole
     * config, the cluster TLS check and the actor system (≈ 0.5-1 s) come beside it. A failure makes the
     * controller unusable: the first work stops its command and fails, later ones run without a controller.
     */
    private static CompletableFuture<ActorSystem<ControllerGuardian.Command>> startSystem(WorkSettings first,
            ControllerStatus status) {
        CompletableFuture<ActorSystem<ControllerGuardian.Command>> system = new CompletableFuture<>();
        Thread starter = new Thread(() -> {
            try {
                Config base = first.config(ConfigFactory.load());
                ClusterTransport.check(base, "--cluster_tls_dir");
                String name = base.getString("troupe.booster.system-name");
                List<Address> seeds = BoosterRun.parseSeeds(first.clusterSeeds(), name);
                system.complete(ActorSystem.create(ControllerGuardian.create(seeds, first.clusterSeeds(),
                        first.jobLimits().limit(), status), name, BoosterRun.clusterSystemConfig(base, seeds)));
            } catch (RuntimeException | LinkageError e) {
                status.unusable("the controller's actor system did not start: " + (e.getMessage() != null ? e.getMessage() : e));
                System.err.println("controller: " + status.unusable());
                system.completeExceptionally(e);
            }
        }, "troupe-controller-start");
        starter.start();
        return system;
    }

    /** Each client on a thread of its own, until the socket closes (leaveWhenIdle). */
    private static void serve(ServerSocketChannel server, Served served) {
        while (server.isOpen()) {
            SocketChannel client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return;
            }
            Thread session = new Thread(new ClientSession(client, served), "troupe-controller-session");
            session.setDaemon(true);
            session.start();
        }
    }

    /** Whether a controller answers on {@code socket}. */
    static boolean alive(Path socket) {
        try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Removes the socket and gives up the lock first: a client from now on starts a new controller, which may
     * run while this one still leaves the cluster.
     */
    private static void closeSocket(ServerSocketChannel server, Path socket) {
        if (!socketClosed.compareAndSet(false, true)) {
            return; // the idle exit closed it; the path may be a successor's socket by now
        }
        try {
            Files.deleteIfExists(socket);
            server.close();
            if (held != null) {
                held.release();
            }
        } catch (IOException e) {
            // leaving anyway
        }
    }

    /** Leaves the cluster gracefully (CoordinatedShutdown) and waits for it, at most 30 s. */
    private static void stop(ActorSystem<?> system) {
        system.terminate();
        try {
            system.getWhenTerminated().toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS);
        } catch (Exception e) {
            System.err.println("controller: actor system did not stop within 30 s: " + e);
        }
    }

    private static void leaveWhenIdle(ControllerStatus status, ServerSocketChannel server, Path socket,
            CompletableFuture<? extends ActorSystem<?>> system) {
        String why = null;
        while (why == null) {
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                return;
            }
            why = status.shouldLeave();
        }
        closeSocket(server, socket);
        System.err.println("controller: leaving (" + why + ")");
        system.thenAccept(ControllerMain::stop).exceptionally(e -> null).join();
        System.exit(0);
    }
}
