package io.troupe.booster.gateway;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The booster-exec wire protocol: one request and one reply per Unix-socket connection, every integer a
 * 32-bit big-endian value, every string UTF-8 with a length prefix (docs/architecture.md, "booster-exec
 * protocol"). The C client in {@code src/main/c/booster-exec.c} speaks exactly this.
 *
 * <pre>
 * request v2: "TRB2" argc {len bytes}*argc cwdLen cwd envc {len "NAME=value"}*envc stdinKind stdinLen stdin
 *             stdinIdLen stdinId
 * reply   v2: "TRR2" runLocally exitCode stdoutLen stdout stderrLen stderr
 * request v1: "TRB1" argc {len bytes}*argc cwdLen cwd envc {len "NAME=value"}*envc
 * reply   v1: "TRR1" exitCode stdoutLen stdout stderrLen stderr
 * </pre>
 *
 * <p>Version 2 adds what the sub-work's stdin is ({@link StdinKind}, with the bytes of a regular file) and lets
 * the booster answer "run it yourself" ({@code runLocally} = 1, the reason in stderr): booster-exec then runs the
 * command locally, inheriting its stdin. A version-1 request is answered in version 1; its stdin counts as empty.
 */
public final class GatewayProtocol {

    /** "TRB1": Troupe request, booster-exec protocol version 1. */
    public static final int REQUEST_MAGIC = 0x54524231;
    /** "TRR1": Troupe reply, version 1. */
    public static final int REPLY_MAGIC = 0x54525231;
    /** "TRB2": request version 2, with the stdin fields. */
    public static final int REQUEST_MAGIC_V2 = 0x54524232;
    /** "TRR2": reply version 2, with the run-locally flag. */
    public static final int REPLY_MAGIC_V2 = 0x54525232;
    /** Largest regular file booster-exec forwards as stdin; a larger one is reported as {@link StdinKind#PIPE}. */
    public static final int MAX_STDIN_BYTES = 1 << 20;
    /** Upper bound of the bytes of one request (argv + cwd + env); Linux's own argv+env limit is far below. */
    public static final int MAX_REQUEST_BYTES = 64 << 20;
    /** Upper bound of one reply part (stdout or stderr). */
    public static final int MAX_REPLY_PART = 1 << 30;

    private GatewayProtocol() {}

    /** What a sub-work's stdin is; the wire value is the ordinal. */
    public enum StdinKind {
        /** not said (a version-1 client): treated like {@link #NULL} */
        UNKNOWN,
        /** /dev/null, closed, or another character device that is not a terminal: nothing to read */
        NULL,
        /** a terminal: not forwarded, a build does not read the terminal (the remote side reads /dev/null) */
        TTY,
        /** a regular file up to {@link #MAX_STDIN_BYTES}: its bytes follow and are forwarded */
        FILE,
        /** a pipe, socket, FIFO or larger file: only a local run can read it, so the command runs locally */
        PIPE;

        static StdinKind ofWire(int value) throws IOException {
            if (value < 0 || value >= values().length) {
                throw new IOException("request field stdinKind = " + Integer.toUnsignedString(value)
                        + " is not one of 0-" + (values().length - 1));
            }
            return values()[value];
        }
    }

    /**
     * A decoded request.
     *
     * @param version 1 or 2, the protocol version the client spoke (its reply is written in the same one)
     */
    public record Request(List<String> argv, String cwd, Map<String, String> env, int version, StdinKind stdinKind,
            byte[] stdin, String stdinId) {

        public Request(List<String> argv, String cwd, Map<String, String> env) {
            this(argv, cwd, env, 1, StdinKind.UNKNOWN, new byte[0], "");
        }
    }

    /** A reply as read by a client; {@code runLocally}: run the command yourself ({@code stderr} says why). */
    public record Reply(int exitCode, byte[] stdout, byte[] stderr, boolean runLocally) {

        public Reply(int exitCode, byte[] stdout, byte[] stderr) {
            this(exitCode, stdout, stderr, false);
        }
    }

    /** The version-1 request bytes for {@code argv} run in {@code cwd} with {@code env}. */
    public static byte[] encodeRequest(List<String> argv, String cwd, Map<String, String> env) {
        return encodeRequest(argv, cwd, env, null, null, null);
    }

    /**
     * The version-2 request bytes: also what stdin is, the bytes of a {@link StdinKind#FILE} stdin, and which file
     * stdin is ({@code st_dev:st_ino}, {@link StdinIdentity}), or "".
     */
    public static byte[] encodeRequest(List<String> argv, String cwd, Map<String, String> env, StdinKind stdinKind,
            byte[] stdin, String stdinId) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(1024);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(stdinKind == null ? REQUEST_MAGIC : REQUEST_MAGIC_V2);
            out.writeInt(argv.size());
            for (String arg : argv) {
                writeString(out, arg);
            }
            writeString(out, cwd);
            out.writeInt(env.size());
            for (Map.Entry<String, String> e : env.entrySet()) {
                writeString(out, e.getKey() + "=" + e.getValue());
            }
            if (stdinKind != null) {
                byte[] content = stdin == null ? new byte[0] : stdin;
                out.writeInt(stdinKind.ordinal());
                out.writeInt(content.length);
                out.write(content);
                writeString(out, stdinId == null ? "" : stdinId);
            }
        } catch (IOException e) {
            throw new IllegalStateException("writing to memory cannot fail", e);
        }
        return bytes.toByteArray();
    }

    /**
     * Reads one request.
     *
     * @throws EOFException when the client closed before sending anything (a connection probe)
     * @throws IOException naming the field that is malformed or too large
     */
    public static Request readRequest(InputStream stream) throws IOException {
        DataInputStream in = new DataInputStream(stream);
        int magic;
        try {
            magic = in.readInt();
        } catch (EOFException e) {
            throw new EOFException("connection closed before a request");
        }
        if (magic != REQUEST_MAGIC && magic != REQUEST_MAGIC_V2) {
            throw new IOException(String.format("not a booster-exec request (magic 0x%08x, expected 0x%08x or 0x%08x)",
                    magic, REQUEST_MAGIC_V2, REQUEST_MAGIC));
        }
        int[] budget = {MAX_REQUEST_BYTES};
        int argc = readCount(in, "argc", budget);
        if (argc == 0) {
            throw new IOException("request has an empty argv");
        }
        List<String> argv = new ArrayList<>(argc);
        for (int i = 0; i < argc; i++) {
            argv.add(readString(in, "argv[" + i + "]", budget));
        }
        String cwd = readString(in, "cwd", budget);
        int envc = readCount(in, "envc", budget);
        Map<String, String> env = new LinkedHashMap<>();
        for (int i = 0; i < envc; i++) {
            String entry = readString(in, "env[" + i + "]", budget);
            int eq = entry.indexOf('=');
            if (eq <= 0) {
                throw new IOException("env[" + i + "] is not NAME=value");
            }
            env.put(entry.substring(0, eq), entry.substring(eq + 1));
        }
        if (magic == REQUEST_MAGIC) {
            return new Request(List.copyOf(argv), cwd, env);
        }
        StdinKind kind = StdinKind.ofWire(in.readInt());
        int len = in.readInt();
        if (len < 0 || len > MAX_STDIN_BYTES || (len > 0 && kind != StdinKind.FILE)) {
            throw new IOException("request field stdin has length " + Integer.toUnsignedString(len) + " for kind "
                    + kind + " (a FILE stdin carries at most " + MAX_STDIN_BYTES + " bytes, other kinds none)");
        }
        byte[] stdin = new byte[len];
        in.readFully(stdin);
        String stdinId = readString(in, "stdinId", budget);
        return new Request(List.copyOf(argv), cwd, env, 2, kind, stdin, stdinId);
    }

    /** The version-1 reply bytes. */
    public static byte[] encodeReply(int exitCode, byte[] stdout, byte[] stderr) {
        return encodeReply(exitCode, stdout, stderr, null);
    }

    /** The version-2 reply bytes; {@code runLocally} tells booster-exec to run the command itself. */
    public static byte[] encodeReply(int exitCode, byte[] stdout, byte[] stderr, boolean runLocally) {
        return encodeReply(exitCode, stdout, stderr, Boolean.valueOf(runLocally));
    }

    private static byte[] encodeReply(int exitCode, byte[] stdout, byte[] stderr, Boolean runLocally) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(20 + stdout.length + stderr.length);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(runLocally == null ? REPLY_MAGIC : REPLY_MAGIC_V2);
            if (runLocally != null) {
                out.writeInt(runLocally ? 1 : 0);
            }
            out.writeInt(exitCode);
            out.writeInt(stdout.length);
            out.write(stdout);
            out.writeInt(stderr.length);
            out.write(stderr);
        } catch (IOException e) {
            throw new IllegalStateException("writing to memory cannot fail", e);
        }
        return bytes.toByteArray();
    }

    /**
     * Reads one reply.
     *
     * @throws IOException when the reply is incomplete or malformed
     */
    public static Reply readReply(InputStream stream) throws IOException {
        DataInputStream in = new DataInputStream(stream);
        int magic = in.readInt();
        if (magic != REPLY_MAGIC && magic != REPLY_MAGIC_V2) {
            throw new IOException(String.format("not a booster reply (magic 0x%08x)", magic));
        }
        boolean runLocally = magic == REPLY_MAGIC_V2 && in.readInt() != 0;
        int exitCode = in.readInt();
        byte[] stdout = readPart(in, "stdout");
        byte[] stderr = readPart(in, "stderr");
        return new Reply(exitCode, stdout, stderr, runLocally);
    }

    private static void writeString(DataOutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    private static int readCount(DataInputStream in, String field, int[] budget) throws IOException {
        int n = in.readInt();
        // every counted item costs at least its 4-byte length
        if (n < 0 || (long) n * 4 > budget[0]) {
            throw new IOException("request field " + field + " = " + Integer.toUnsignedString(n)
                    + " exceeds the " + MAX_REQUEST_BYTES + "-byte request limit");
        }
        return n;
    }

    private static String readString(DataInputStream in, String field, int[] budget) throws IOException {
        int len = in.readInt();
        if (len < 0 || len > budget[0] - 4) {
            throw new IOException("request field " + field + " has length " + Integer.toUnsignedString(len)
                    + ", beyond the " + MAX_REQUEST_BYTES + "-byte request limit");
        }
        budget[0] -= 4 + len;
        byte[] b = new byte[len];
        in.readFully(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    private static byte[] readPart(DataInputStream in, String field) throws IOException {
        int len = in.readInt();
        if (len < 0 || len > MAX_REPLY_PART) {
            throw new IOException("reply " + field + " length " + Integer.toUnsignedString(len) + " is out of range");
        }
        byte[] b = new byte[len];
        in.readFully(b);
        return b;
    }
}
