package io.troupe.booster.controller;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The frames between {@code booster-client} (C, src/main/c/booster-client.c) and the controller, over a Unix
 * socket: one type byte, a 4-byte big-endian length, the payload. Lists of strings are NUL-terminated strings.
 *
 * <pre>
 * client → controller   S  start: pid, cwd, "1"|"0" (stderr is a terminal), argc, the booster's args, then env entries
 *                       P  the work command started: its pid        p  it could not start: why
 *                       X  the work command exited: its exit code (128 + signal when killed)
 * controller → client   R  run: cwd, argc, argv, then the env entries of the work command
 *                       O, E  bytes for the client's stdout, stderr
 *                       D  done: the booster's exit code        F  not for this controller: run without it (why)
 * </pre>
 */
final class ControllerProtocol {

    static final byte START = 'S';
    static final byte STARTED = 'P';
    static final byte START_FAILED = 'p';
    static final byte EXITED = 'X';
    static final byte RUN = 'R';
    static final byte STDOUT = 'O';
    static final byte STDERR = 'E';
    static final byte DONE = 'D';
    static final byte DECLINED = 'F';

    /** Frames larger than this are refused: a start carries argv and env, not files. */
    static final int MAX_FRAME = 16 << 20;

    record Frame(byte type, byte[] payload) {
        String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }

        List<String> strings() {
            List<String> strings = new ArrayList<>();
            int from = 0;
            for (int i = 0; i < payload.length; i++) {
                if (payload[i] == 0) {
                    strings.add(new String(payload, from, i - from, StandardCharsets.UTF_8));
                    from = i + 1;
                }
            }
            if (from < payload.length) {
                strings.add(new String(payload, from, payload.length - from, StandardCharsets.UTF_8));
            }
            return strings;
        }
    }

    private ControllerProtocol() {}

    /** The next frame, or null at a clean end of stream (between frames). */
    static Frame read(DataInputStream in) throws IOException {
        int type = in.read();
        if (type < 0) {
            return null;
        }
        int length = in.readInt();
        if (length < 0 || length > MAX_FRAME) {
            throw new IOException("frame '" + (char) type + "' of " + length + " bytes (at most " + MAX_FRAME + ")");
        }
        byte[] payload = new byte[length];
        try {
            in.readFully(payload);
        } catch (EOFException e) {
            throw new EOFException("connection closed inside a frame '" + (char) type + "'");
        }
        return new Frame((byte) type, payload);
    }

    /** Writes one frame; callers on several threads synchronize on {@code out}. */
    static void write(OutputStream out, byte type, byte[] payload, int offset, int length) throws IOException {
        synchronized (out) {
            byte[] head = {type, (byte) (length >>> 24), (byte) (length >>> 16), (byte) (length >>> 8), (byte) length};
            out.write(head);
            out.write(payload, offset, length);
            out.flush();
        }
    }

    static void write(OutputStream out, byte type, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        write(out, type, bytes, 0, bytes.length);
    }

    /** NUL-terminated strings, in order. */
    static byte[] strings(List<String> strings) {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        for (String s : strings) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            bytes.write(b, 0, b.length);
            bytes.write(0);
        }
        return bytes.toByteArray();
    }

    /**
     * The channel's bytes as a stream. Not {@link java.nio.channels.Channels#newInputStream}: its streams of one
     * channel share the channel's blocking lock, so a read waiting for the client's next frame would hold up every
     * write of the work's lines to it.
     */
    static java.io.InputStream input(java.nio.channels.SocketChannel channel) {
        return new java.io.InputStream() {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                int n = read(one, 0, 1);
                return n < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                return len == 0 ? 0 : channel.read(java.nio.ByteBuffer.wrap(b, off, len));
            }
        };
    }

    /** Writes to the channel, independent of a read in progress (see {@link #input}). */
    static OutputStream output(java.nio.channels.SocketChannel channel) {
        return new BulkOutputStream() {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                java.nio.ByteBuffer buffer = java.nio.ByteBuffer.wrap(b, off, len);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
            }
        };
    }

    /** The stream of one output frame type: each write is a frame (a PrintStream with autoflush writes lines). */
    static OutputStream frames(OutputStream out, byte type) {
        return new BulkOutputStream() {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                if (len > 0) {
                    ControllerProtocol.write(out, type, b, off, len);
                }
            }
        };
    }

    /** An output stream that writes in chunks: a single byte is a chunk of one. */
    private abstract static class BulkOutputStream extends OutputStream {
        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }
    }
}
