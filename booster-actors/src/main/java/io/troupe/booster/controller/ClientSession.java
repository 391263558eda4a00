package io.troupe.booster.controller;

import com.typesafe.config.Config;
import io.troupe.api.booster.BoosterConfig;
import io.troupe.api.booster.Handler;
import io.troupe.booster.cli.BoosterCli;
import io.troupe.booster.client.BoosterRun;
import io.troupe.booster.client.Prelaunch;
import io.troupe.booster.client.ProgressReporter;
import io.troupe.booster.client.WorkConsole;
import io.troupe.booster.client.WorkSettings;
import io.troupe.booster.gateway.StdinIdentity;
import io.troupe.booster.handler.HandlerLoadException;
import io.troupe.booster.handler.Handlers;
import io.troupe.booster.transport.ClusterTransport;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * One client's work, on a thread of its own (it blocks on the connection, never on an actor's thread): reads
 * the start frame, parses the booster's args as {@code bin/booster} would with the client's environment and
 * directory, has the client start the work command with the hooked environment, hands the work to the
 * {@link ControllerGuardian}, relays the work's own lines, and answers its exit code. A work this controller
 * cannot run as the client asked (other cluster flags, {@code --local}, a discovery hold) is declined: the
 * client then runs the booster without a controller.
 */
final class ClientSession implements Runnable {

    private final SocketChannel channel;
    private final ControllerMain.Served served;
    private final DataInputStream in;
    private final OutputStream out;
    private String declined;

    ClientSession(SocketChannel channel, ControllerMain.Served served) {
        this.channel = channel;
        this.served = served;
        this.in = new DataInputStream(new java.io.BufferedInputStream(ControllerProtocol.input(channel)));
        this.out = new QueuedOutput(new BufferedOutputStream(ControllerProtocol.output(channel)),
                "troupe-controller-client-output", CLOSE_WAIT);
    }

    /** How long a session that has ended waits for its client to take the last of its output. */
    private static final java.time.Duration CLOSE_WAIT = java.time.Duration.ofSeconds(30);

    /** What the client's start frame says. */
    record Start(long pid, Path cwd, boolean terminal, List<String> args, Map<String, String> env) {

        static Start parse(ControllerProtocol.Frame frame) throws IOException {
            if (frame == null || frame.type() != ControllerProtocol.START) {
                throw new IOException("the client did not begin with a start frame");
            }
            List<String> fields = frame.strings();
            try {
                int argc = Integer.parseInt(fields.get(3));
                Map<String, String> env = new HashMap<>();
                for (String entry : fields.subList(4 + argc, fields.size())) {
                    int eq = entry.indexOf('=');
                    if (eq > 0) {
                        env.putIfAbsent(entry.substring(0, eq), entry.substring(eq + 1));
                    }
                }
                return new Start(Long.parseLong(fields.get(0)), Path.of(fields.get(1)), "1".equals(fields.get(2)),
                        List.copyOf(fields.subList(4, 4 + argc)), env);
            } catch (RuntimeException e) {
                throw new IOException("malformed start frame: " + e, e);
            }
        }
    }

    @Override
    public void run() {
        try (channel; out) {
            Start start = Start.parse(ControllerProtocol.read(in));
            served.status().clientCame();
            PrintStream err = new PrintStream(new BufferedOutputStream(ControllerProtocol.frames(out, ControllerProtocol.STDERR)),
                    true, StandardCharsets.UTF_8);
            PrintWriter cliOut = new PrintWriter(new OutputStreamWriter(ControllerProtocol.frames(out, ControllerProtocol.STDOUT),
                    StandardCharsets.UTF_8), true);
            HeldWriter held = new HeldWriter(new OutputStreamWriter(err, StandardCharsets.UTF_8));
            PrintWriter cliErr = new PrintWriter(held, true);
            BoosterCli cli = BoosterCli.forController((settings, started) -> runWork(start, settings, started, err, held),
                    start.env(), start.cwd());
            picocli.CommandLine commandLine = BoosterCli.commandLine(cli);
            commandLine.setOut(cliOut);
            commandLine.setErr(cliErr);
            int code = commandLine.execute(BoosterCli.goStyleArgs(commandLine, start.args().toArray(String[]::new)));
            if (declined == null) {
                held.release();
            }
            cliOut.flush();
            cliErr.flush();
            err.flush();
            if (declined != null) { // the booster that runs it instead says what this one would have
                ControllerProtocol.write(out, ControllerProtocol.DECLINED, declined);
            } else {
                ControllerProtocol.write(out, ControllerProtocol.DONE, Integer.toString(code));
            }
        } catch (IOException e) {
            // the client went away, or spoke nonsense: its work (if any) was stopped by the reader below
        }
    }

    private int runWork(Start start, WorkSettings settings, Runnable started, PrintStream err, HeldWriter held) {
        String reason = served.declines(settings);
        if (reason == null) {
            reason = served.status().begin();
        }
        if (reason != null) {
            declined = reason;
            return BoosterCli.Runner.DECLINED;
        }
        held.release(); // the notes on the flags: this work runs here
        try { // as bin/booster does, before anything starts: the controller's actor system would fail on it later
            ClusterTransport.check(settings.config(served.config()), "--cluster_tls_dir");
        } catch (IllegalArgumentException e) {
            err.println("[booster] " + e.getMessage());
            return BoosterRun.BOOSTER_FAILED;
        }
        String stdin = StdinIdentity.of(Path.of("/proc/" + start.pid() + "/fd/0"));
        StdinIdentity.addClient(stdin);
        try {
            Handler handler;
            try {
                handler = Handlers.load(settings.type(), settings.env());
            } catch (HandlerLoadException e) {
                err.println("[booster] " + e.getMessage());
                return BoosterRun.BOOSTER_FAILED;
            }
            WorkSettings work = settings.withConsole(new WorkConsole(err, ProgressReporter.terminal(start.terminal(), start.env())));
            Config config = BoosterRun.withRememberedJobs(work.config(served.config()), work);
            Prelaunch.Started launched = Prelaunch.launch(work, handler, config, this::startInClient);
            CompletableFuture<Integer> exit = new CompletableFuture<>();
            if (launched.process() instanceof ClientProcess process) {
                Thread reader = new Thread(() -> readExit(process), "troupe-controller-client-" + start.pid());
                reader.setDaemon(true);
                reader.start();
            }
            ActorRef<ControllerGuardian.Command> guardian;
            try {
                guardian = served.guardian().get(); // the first work's command runs while the actor system starts
            } catch (ExecutionException e) {
                err.println("[booster] " + served.status().unusable());
                err.println("[booster] stopping the work command, which had started already");
                launched.abandon();
                return BoosterRun.BOOSTER_FAILED;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                launched.abandon();
                return BoosterRun.BOOSTER_FAILED;
            }
            guardian.tell(new ControllerGuardian.RunWork(work, handler, launched, exit));
            started.run();
            try {
                return exit.get();
            } catch (ExecutionException e) {
                err.println("[booster] internal error: " + e.getCause().getMessage());
                return BoosterRun.BOOSTER_FAILED;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return BoosterRun.BOOSTER_FAILED;
            }
        } finally {
            StdinIdentity.removeClient(stdin);
            served.status().end();
        }
    }

    /** Asks the client to start the work command ({@code bash -c}, as the booster would) and waits for its pid. */
    private Process startInClient(WorkSettings settings, BoosterConfig boosterConfig, Map<String, String> env)
            throws IOException {
        List<String> run = new ArrayList<>();
        run.add(settings.workDir() == null ? "." : settings.workDir().toString());
        run.add("3");
        run.add(WorkSettings.SHELL);
        run.add("-c");
        run.add(boosterConfig.args());
        env.forEach((name, value) -> run.add(name + "=" + value));
        byte[] payload = ControllerProtocol.strings(run);
        ControllerProtocol.write(out, ControllerProtocol.RUN, payload, 0, payload.length);
        ControllerProtocol.Frame answer = ControllerProtocol.read(in);
        if (answer == null) {
            throw new IOException("the client went away before it started the work command");
        }
        if (answer.type() == ControllerProtocol.STARTED) {
            return new ClientProcess(Long.parseLong(answer.text().trim()));
        }
        if (answer.type() == ControllerProtocol.START_FAILED) {
            throw new IOException(answer.text());
        }
        throw new IOException("the client answered '" + (char) answer.type() + "' to the work command's start");
    }

    /** The command's exit, from its client; a client that goes first takes its build with it. */
    private void readExit(ClientProcess process) {
        try {
            for (ControllerProtocol.Frame frame = ControllerProtocol.read(in); frame != null; frame = ControllerProtocol.read(in)) {
                if (frame.type() == ControllerProtocol.EXITED) {
                    process.exited(Integer.parseInt(frame.text().trim()));
                    return;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // as a lost client, below
        }
        process.killTree();
        process.exited(128 + 9);
    }

    /**
     * The CLI's own lines (notes on TBS flags) until it is known whether the work runs here: a declined work's
     * client runs the booster without a controller, which prints them itself.
     */
    static final class HeldWriter extends java.io.Writer {
        private final java.io.Writer target;
        private StringBuilder held = new StringBuilder();

        HeldWriter(java.io.Writer target) {
            this.target = target;
        }

        /** Writes what was held and everything from now on through (a client that went away misses it). */
        synchronized void release() {
            if (held != null) {
                try {
                    target.write(held.toString());
                    target.flush();
                } catch (IOException e) {
                    // the client is gone: its work ends when the connection's end is read
                }
                held = null;
            }
        }

        @Override
        public synchronized void write(char[] chars, int off, int len) throws IOException {
            if (held != null) {
                held.append(chars, off, len);
            } else {
                target.write(chars, off, len);
            }
        }

        @Override
        public synchronized void flush() throws IOException {
            if (held == null) {
                target.flush();
            }
        }

        @Override
        public void close() throws IOException {
            flush();
        }
    }
}
