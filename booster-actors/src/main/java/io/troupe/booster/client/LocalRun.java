package io.troupe.booster.client;

import io.troupe.api.booster.Handler;
import io.troupe.api.booster.Result;
import io.troupe.booster.ProcessTrees;
import io.troupe.booster.gateway.ExecutorGateway;
import io.troupe.booster.gateway.GatewayProtocol;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Runs a sub-work on the booster's own machine (a fallback, {@code --local} or the handler's choice): the
 * handler's own {@code localExecute} if it has one, else the command in the client's directory and
 * environment, with its output captured. Blocking: called on {@code troupe.blocking-dispatcher} under an
 * EXE lease.
 */
final class LocalRun {
    private LocalRun() {}

    /**
     * The process of one local run, so that a sub-work that stopped (the build was interrupted) can end it, also one
     * that starts after the stop.
     */
    static final class Handle {
        private Process process;
        private boolean ended;

        /** Holds the process; ends it at once when the sub-work has stopped already. */
        synchronized void started(Process p) {
            if (ended) {
                terminate(p);
            } else {
                process = p;
            }
        }

        synchronized void finished() {
            process = null;
        }

        /**
         * Ends the run: SIGTERM to the process and everything it started, as a terminal's Ctrl-C would reach them,
         * so a compiler removes its half-written output.
         */
        synchronized void end() {
            ended = true;
            if (process != null) {
                terminate(process);
                process = null;
            }
        }

        private static void terminate(Process p) {
            if (p.isAlive()) {
                ProcessTrees.end(p, false);
            }
        }
    }

    /** Runs the sub-work here; {@code handle} holds the process while it runs, so that a stop can end it. */
    static Result run(Handler handler, List<String> argv, Path cwd, Map<String, String> env,
            ExecutorGateway.Stdin stdin, Handle handle) throws Exception {
        Optional<Result> own = handler.localExecute(argv);
        if (own.isPresent()) {
            return own.get();
        }
        if (argv.isEmpty()) {
            return new Result(127, new byte[0], "[booster] empty command\n".getBytes(StandardCharsets.UTF_8), List.of());
        }
        Path out = Files.createTempFile("troupe-local-", ".out");
        Path err = Files.createTempFile("troupe-local-", ".err");
        Path in = null;
        try {
            List<String> command = new ArrayList<>(argv);
            command.set(0, resolveOnPath(argv.get(0), cwd, env));
            if (stdin.kind() == GatewayProtocol.StdinKind.FILE) {
                in = Files.createTempFile("troupe-local-", ".in");
                Files.write(in, stdin.bytes());
            }
            ProcessBuilder builder = new ProcessBuilder(command).directory(cwd.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(in != null ? in.toFile() : new File("/dev/null")))
                    .redirectOutput(out.toFile()).redirectError(err.toFile());
            if (!env.isEmpty()) {
                builder.environment().clear();
                builder.environment().putAll(env);
            }
            Process process;
            try {
                process = builder.start();
            } catch (IOException e) {
                return new Result(127, new byte[0], ("[booster] cannot run '" + argv.get(0) + "' locally: "
                        + e.getMessage() + "\n").getBytes(StandardCharsets.UTF_8), List.of());
            }
            handle.started(process);
            try {
                int code = process.waitFor();
                return new Result(code, Files.readAllBytes(out), Files.readAllBytes(err), List.of());
            } finally {
                handle.finished();
            }
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
            if (in != null) {
                Files.deleteIfExists(in);
            }
        }
    }

    /**
     * A plain command name looked up on the sub-work's own PATH (a build may put a toolchain first on it);
     * ProcessBuilder alone would search the booster's PATH.
     */
    static String resolveOnPath(String program, Path cwd, Map<String, String> env) {
        String path = env.get("PATH");
        if (program.contains("/") || path == null) {
            return program;
        }
        for (String dir : path.split(":", -1)) {
            Path candidate = cwd.resolve(dir.isEmpty() ? "." : dir).resolve(program);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        return program;
    }
}
