package io.troupe.booster.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ControllerProtocolTest {

    @Test
    void aStartFrameCarriesPidDirectoryTerminalArgsAndEnvironment() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        byte[] payload = ControllerProtocol.strings(List.of("4242", "/src/tree", "1", "3", "-bt", "cc", "-a",
                "PATH=/usr/bin", "EMPTY=", "A=b=c", "PATH=/shadowed"));
        ControllerProtocol.write(bytes, ControllerProtocol.START, payload, 0, payload.length);
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes.toByteArray()));

        ClientSession.Start start = ClientSession.Start.parse(ControllerProtocol.read(in));
        assertEquals(4242, start.pid());
        assertEquals(Path.of("/src/tree"), start.cwd());
        assertTrue(start.terminal());
        assertEquals(List.of("-bt", "cc", "-a"), start.args());
        assertEquals(Map.of("PATH", "/usr/bin", "EMPTY", "", "A", "b=c"), start.env(), "the first of a name wins, as getenv");
        assertNull(ControllerProtocol.read(in), "a clean end between frames");
    }

    @Test
    void brokenFramesAreErrorsNotWorks() throws IOException {
        byte[] notStart = ControllerProtocol.strings(List.of("1"));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ControllerProtocol.write(bytes, ControllerProtocol.EXITED, notStart, 0, notStart.length);
        DataInputStream exited = new DataInputStream(new ByteArrayInputStream(bytes.toByteArray()));
        assertThrows(IOException.class, () -> ClientSession.Start.parse(ControllerProtocol.read(exited)));

        byte[] shortArgs = ControllerProtocol.strings(List.of("1", "/", "0", "5", "-bt"));
        bytes.reset();
        ControllerProtocol.write(bytes, ControllerProtocol.START, shortArgs, 0, shortArgs.length);
        DataInputStream start = new DataInputStream(new ByteArrayInputStream(bytes.toByteArray()));
        assertThrows(IOException.class, () -> ClientSession.Start.parse(ControllerProtocol.read(start)));

        byte[] truncated = {ControllerProtocol.STDERR, 0, 0, 0, 9, 'a'};
        assertThrows(IOException.class,
                () -> ControllerProtocol.read(new DataInputStream(new ByteArrayInputStream(truncated))));
        byte[] huge = {ControllerProtocol.STDERR, 0x7f, 0, 0, 0};
        IOException tooLarge = assertThrows(IOException.class,
                () -> ControllerProtocol.read(new DataInputStream(new ByteArrayInputStream(huge))));
        assertTrue(tooLarge.getMessage().contains("at most"), tooLarge.getMessage());
    }

    @Test
    void aWriteToTheClientDoesNotWaitForAReadFromItInProgress(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path socket = dir.resolve("c.sock");
        try (java.nio.channels.ServerSocketChannel server = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            server.bind(java.net.UnixDomainSocketAddress.of(socket));
            try (java.nio.channels.SocketChannel client = java.nio.channels.SocketChannel.open(java.net.UnixDomainSocketAddress.of(socket));
                    java.nio.channels.SocketChannel controller = server.accept()) {
                DataInputStream fromClient = new DataInputStream(ControllerProtocol.input(controller));
                java.util.concurrent.CompletableFuture<ControllerProtocol.Frame> exit = new java.util.concurrent.CompletableFuture<>();
                Thread reader = new Thread(() -> {
                    try {
                        exit.complete(ControllerProtocol.read(fromClient)); // waits: the client sends its exit at the build's end
                    } catch (IOException e) {
                        exit.completeExceptionally(e);
                    }
                }, "test-client-reader");
                reader.setDaemon(true);
                reader.start();
                long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
                while (!inChannelRead(reader)) { // the write below must start while the read is blocked
                    org.junit.jupiter.api.Assertions.assertTrue(System.nanoTime() < deadline, "the read never blocked");
                    Thread.onSpinWait();
                }
                java.util.concurrent.CompletableFuture<Void> line = java.util.concurrent.CompletableFuture.runAsync(() -> {
                    try {
                        ControllerProtocol.write(ControllerProtocol.output(controller), ControllerProtocol.STDERR, "[booster] progress");
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
                line.get(10, java.util.concurrent.TimeUnit.SECONDS); // with Channels' streams this waited for the read
                ControllerProtocol.Frame frame = ControllerProtocol.read(new DataInputStream(ControllerProtocol.input(client)));
                assertEquals("[booster] progress", frame.text());
                ControllerProtocol.write(ControllerProtocol.output(client), ControllerProtocol.EXITED, "0");
                assertEquals("0", exit.get(10, java.util.concurrent.TimeUnit.SECONDS).text());
            }
        }
    }

    @Test
    void theWorksLinesReachTheClientAsStderrFramesInOrder() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream err = new PrintStream(ControllerProtocol.frames(bytes, ControllerProtocol.STDERR), true,
                StandardCharsets.UTF_8);
        err.println("[booster] total 1, remote ok 1");
        err.print("\r[booster] progress: done 1 of 2");
        err.flush();
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes.toByteArray()));
        StringBuilder text = new StringBuilder();
        for (ControllerProtocol.Frame frame = ControllerProtocol.read(in); frame != null; frame = ControllerProtocol.read(in)) {
            assertEquals(ControllerProtocol.STDERR, frame.type());
            text.append(frame.text());
        }
        assertEquals("[booster] total 1, remote ok 1" + System.lineSeparator() + "\r[booster] progress: done 1 of 2",
                text.toString());
    }

    @Test
    void theCliLinesOfADeclinedWorkAreHeldBackAndThoseOfAWorkRunHereGoOut() throws IOException {
        java.io.StringWriter declined = new java.io.StringWriter();
        ClientSession.HeldWriter held = new ClientSession.HeldWriter(declined);
        held.write("[booster] note: --check_md5 has no effect here\n");
        held.flush();
        assertEquals("", declined.toString(), "not before the work is known to run here");

        java.io.StringWriter ran = new java.io.StringWriter();
        ClientSession.HeldWriter released = new ClientSession.HeldWriter(ran);
        released.write("note 1\n");
        released.release();
        released.write("note 2\n");
        assertEquals("note 1\nnote 2\n", ran.toString());
    }

    /** Whether {@code thread} is inside a socket channel's read now. */
    private static boolean inChannelRead(Thread thread) {
        return java.util.Arrays.stream(thread.getStackTrace())
                .anyMatch(frame -> frame.getClassName().startsWith("sun.nio.ch.") && frame.getMethodName().startsWith("read"));
    }
}
