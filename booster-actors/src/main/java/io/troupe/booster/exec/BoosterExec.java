package io.troupe.booster.exec;

import io.troupe.booster.gateway.ExecutorGateway;
import io.troupe.booster.gateway.GatewayProtocol;
import io.troupe.booster.gateway.GatewayProtocol.StdinKind;
import io.troupe.booster.gateway.StdinIdentity;
import java.io.BufferedInputStream;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The Java fallback of booster-exec, for machines without a C compiler: the same protocol and the same
 * local fallback as {@code src/main/c/booster-exec.c}, at the price of a JVM start per sub-work.
 *
 * <p>{@code java -cp 'lib/*' io.troupe.booster.exec.BoosterExec COMMAND [ARGS...]}
 */
public final class BoosterExec {

    /** The socket of the running booster's executor gateway. */
    public static final String SOCKET_ENV = "TROUPE_BOOSTER_SOCKET";
    /** The PATH-shim directory, skipped when resolving the real command. */
    public static final String SHIM_DIR_ENV = "TROUPE_SHIM_DIR";

    /** TBS {@code --force_local_list}: a sub-work whose command line contains one of these keys runs here, locally. */
    public static final String FORCE_LOCAL_KEYS_ENV = "BK_DIST_FORCE_LOCAL_KEYS";

    /** TBS's list separator in {@code BK_DIST_*} variables. */
    public static final String KEY_SEPARATOR = "!!|!!";

    private BoosterExec() {}

    public static void main(String[] args) {
        System.exit(run(List.of(args), System.getenv(), Path.of("").toAbsolutePath(), System.out, System.err,
                stdinOf(Path.of("/proc/self/fd/0"))));
    }

    /** What this process's stdin is, and its bytes when a regular file: the C client's rules, from /proc. */
    public static ExecutorGateway.Stdin stdinOf(Path fd0) {
        try {
            if (!Files.exists(fd0)) {
                return new ExecutorGateway.Stdin(StdinKind.NULL, null); // closed
            }
            String target = Files.isSymbolicLink(fd0) ? Files.readSymbolicLink(fd0).toString() : fd0.toString();
            if (target.equals("/dev/null")) {
                return new ExecutorGateway.Stdin(StdinKind.NULL, null);
            }
            if (target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console")) {
                return new ExecutorGateway.Stdin(StdinKind.TTY, null);
            }
            if (Files.isRegularFile(fd0) && Files.size(fd0) <= GatewayProtocol.MAX_STDIN_BYTES) {
                return new ExecutorGateway.Stdin(StdinKind.FILE, Files.readAllBytes(fd0));
            }
        } catch (IOException | RuntimeException e) {
            // cannot tell: a local run is the one that surely reads it right
        }
        return new ExecutorGateway.Stdin(StdinKind.PIPE, null, StdinIdentity.of(fd0));
    }

    /**
     * Runs one sub-work through the booster, or locally when there is none; returns the exit code. Output goes
     * to {@code out} and {@code err}; a local run inherits this process's stdio. The booster is told what stdin
     * is (protocol version 2); a pipe makes it answer "run it yourself", and the command runs here.
     */
    public static int run(List<String> command, Map<String, String> env, Path cwd, PrintStream out, PrintStream err,
            ExecutorGateway.Stdin stdin) {
        if (command.isEmpty()) {
            err.println("usage: booster-exec COMMAND [ARGS...]");
            err.println("  forwards COMMAND to the booster at $" + SOCKET_ENV + ", or runs it locally when there is none");
            return 2;
        }
        String shimDir = env.get(SHIM_DIR_ENV);
        Map<String, String> forwarded = new LinkedHashMap<>(env);
        if (env.containsKey("PATH")) {
            forwarded.put("PATH", cleanPath(env.get("PATH"), shimDir));
        }
        String socket = env.get(SOCKET_ENV);
        if (socket == null || socket.isEmpty() || forcedLocal(command, env.get(FORCE_LOCAL_KEYS_ENV))) {
            return runLocally(command, forwarded, cwd, err);
        }
        GatewayProtocol.Reply reply;
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(socket));
            OutputStream toBooster = Channels.newOutputStream(channel);
            toBooster.write(stdin == null ? GatewayProtocol.encodeRequest(command, cwd.toString(), forwarded)
                    : GatewayProtocol.encodeRequest(command, cwd.toString(), forwarded, stdin.kind(), stdin.bytes(),
                            stdin.id()));
            toBooster.flush();
            reply = GatewayProtocol.readReply(new BufferedInputStream(Channels.newInputStream(channel), 1 << 16));
        } catch (IOException | RuntimeException e) {
            if (env.get("TROUPE_BOOSTER_QUIET") == null) {
                err.println("booster-exec: booster at " + socket + " unreachable or gave no complete answer ("
                        + e.getMessage() + "); running " + command.get(0) + " locally");
            }
            return runLocally(command, forwarded, cwd, err);
        }
        if (reply.runLocally()) {
            return runLocally(command, forwarded, cwd, err); // stdin is a pipe: only this process can read it
        }
        out.write(reply.stdout(), 0, reply.stdout().length);
        out.flush();
        err.write(reply.stderr(), 0, reply.stderr().length);
        err.flush();
        return reply.exitCode() >= 0 && reply.exitCode() <= 255 ? reply.exitCode() : 255;
    }

    /** Whether the command line contains one of the {@link #FORCE_LOCAL_KEYS_ENV} keys. */
    public static boolean forcedLocal(List<String> command, String keys) {
        if (keys == null || keys.isEmpty()) {
            return false;
        }
        String line = String.join(" ", command);
        for (String key : keys.split(java.util.regex.Pattern.quote(KEY_SEPARATOR))) {
            if (!key.isEmpty() && line.contains(key)) {
                return true;
            }
        }
        return false;
    }

    /** {@code path} without the shim directory. */
    public static String cleanPath(String path, String shimDir) {
        if (path == null) {
            return "/usr/local/bin:/usr/bin:/bin";
        }
        List<String> kept = new ArrayList<>();
        for (String entry : path.split(":", -1)) {
            if (!isShimDir(entry, shimDir)) {
                kept.add(entry);
            }
        }
        return String.join(":", kept);
    }

    /** The real {@code command} on {@code path} (which must already be clean of the shim directory). */
    public static Optional<Path> resolve(String command, String path, Path cwd) {
        if (command.contains("/")) {
            return Optional.of(cwd.resolve(command));
        }
        for (String entry : path.split(":", -1)) {
            Path candidate = (entry.isEmpty() ? cwd : cwd.resolve(entry)).resolve(command);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    private static boolean isShimDir(String entry, String shimDir) {
        if (shimDir == null || shimDir.isEmpty() || entry.isEmpty()) {
            return false;
        }
        return stripSlashes(entry).equals(stripSlashes(shimDir));
    }

    private static String stripSlashes(String dir) {
        String d = dir;
        while (d.length() > 1 && d.endsWith("/")) {
            d = d.substring(0, d.length() - 1);
        }
        return d;
    }

    private static int runLocally(List<String> command, Map<String, String> env, Path cwd, PrintStream err) {
        String path = env.getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
        Optional<Path> exe = resolve(command.get(0), path, cwd);
        if (exe.isEmpty()) {
            err.println("booster-exec: " + command.get(0) + ": command not found");
            return 127;
        }
        List<String> argv = new ArrayList<>(command);
        argv.set(0, exe.get().toString());
        ProcessBuilder builder = new ProcessBuilder(argv).directory(new File(cwd.toString())).inheritIO();
        builder.environment().clear();
        builder.environment().putAll(env);
        try {
            return builder.start().waitFor();
        } catch (IOException e) {
            err.println("booster-exec: cannot run " + exe.get() + ": " + e.getMessage());
            return 126;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 130;
        }
    }
}
