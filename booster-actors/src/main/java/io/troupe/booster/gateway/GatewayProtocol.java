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
 * request: "TRB1" argc {len bytes}*argc cwdLen cwd envc {len "NAME=value"}*envc
 * reply  : "TRR1" exitCode stdoutLen stdout stderrLen stderr
 * </pre>
 */
public final class GatewayProtocol {

    /** "TRB1": Troupe request, booster-exec protocol version 1. */
    public static final int REQUEST_MAGIC = 0x54524231;
    /** "TRR1": Troupe reply, version 1. */
    public static final int REPLY_MAGIC = 0x54525231;
    /** Upper bound of the bytes of one request (argv + cwd + env); Linux's own argv+env limit is far below. */
    public static final int MAX_REQUEST_BYTES = 64 << 20;
    /** Upper bound of one reply part (stdout or stderr). */
    public static final int MAX_REPLY_PART = 1 << 30;

    private GatewayProtocol() {}

    /** A decoded request. */
    public record Request(List<String> argv, String cwd, Map<String, String> env) {}

    /** A reply as read by a client. */
    public record Reply(int exitCode, byte[] stdout, byte[] stderr) {}

    /** The request bytes for {@code argv} run in {@code cwd} with {@code env}. */
    public static byte[] encodeRequest(List<String> argv, String cwd, Map<String, String> env) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(1024);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(REQUEST_MAGIC);
            out.writeInt(argv.size());
            for (String arg : argv) {
                writeString(out, arg);
            }
            writeString(out, cwd);
            out.writeInt(env.size());
            for (Map.Entry<String, String> e : env.entrySet()) {
                writeString(out, e.getKey() + "=" + e.getValue());
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
        if (magic != REQUEST_MAGIC) {
            throw new IOException(String.format("not a booster-exec request (magic 0x%08x, expected 0x%08x)",
                    magic, REQUEST_MAGIC));
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
        return new Request(List.copyOf(argv), cwd, env);
    }

    /** The reply bytes. */
    public static byte[] encodeReply(int exitCode, byte[] stdout, byte[] stderr) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(16 + stdout.length + stderr.length);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(REPLY_MAGIC);
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
        if (magic != REPLY_MAGIC) {
            throw new IOException(String.format("not a booster reply (magic 0x%08x)", magic));
        }
        int exitCode = in.readInt();
        byte[] stdout = readPart(in, "stdout");
        byte[] stderr = readPart(in, "stderr");
        return new Reply(exitCode, stdout, stderr);
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
