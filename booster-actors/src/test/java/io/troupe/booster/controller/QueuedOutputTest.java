package io.troupe.booster.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A client that stops reading holds none of the threads that write its lines. */
class QueuedOutputTest {

    /** A client that takes nothing until {@code open} counts down. */
    private static final class PausedClient extends OutputStream {
        final CountDownLatch open = new CountDownLatch(1);
        final CountDownLatch blocked = new CountDownLatch(1);
        final ByteArrayOutputStream taken = new ByteArrayOutputStream();

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            blocked.countDown();
            try {
                open.await();
            } catch (InterruptedException e) {
                throw new java.io.InterruptedIOException("stopped while paused");
            }
            synchronized (taken) {
                taken.write(b, off, len);
            }
        }

        String text() {
            synchronized (taken) {
                return taken.toString(StandardCharsets.UTF_8);
            }
        }
    }

    @Test
    void writesReturnWhileTheClientTakesNothingAndArriveInOrderOnceItReads() throws Exception {
        PausedClient client = new PausedClient();
        QueuedOutput out = new QueuedOutput(client, "test-output", Duration.ofSeconds(10));
        out.write("first\n".getBytes(StandardCharsets.UTF_8));
        out.flush();
        assertTrue(client.blocked.await(10, TimeUnit.SECONDS), "the writer is stuck in the client's write");
        for (int i = 0; i < 1000; i++) { // far past any socket buffer, were it written on this thread
            out.write(("line " + i + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        }
        assertEquals("", client.text(), "nothing reached the paused client");
        client.open.countDown();
        out.close(); // waits for the client to take it all
        String text = client.text();
        assertTrue(text.startsWith("first\nline 0\nline 1\n"), text.substring(0, Math.min(40, text.length())));
        assertTrue(text.endsWith("line 998\nline 999\n"), "in order, to the last");
        assertEquals(1 + 1000, text.lines().count());
    }

    @Test
    void aClientThatWentAwayFailsTheNextWriteAndTheClose() throws Exception {
        CountDownLatch failed = new CountDownLatch(1);
        OutputStream gone = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                failed.countDown();
                throw new IOException("Broken pipe");
            }
        };
        QueuedOutput out = new QueuedOutput(gone, "test-output", Duration.ofSeconds(10));
        out.write('x');
        out.flush();
        assertTrue(failed.await(10, TimeUnit.SECONDS));
        IOException next = assertThrows(IOException.class, () -> {
            for (long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10); System.nanoTime() < end; ) {
                out.write('y'); // the writer records its failure right after the write that failed
            }
        });
        assertTrue(next.getMessage().contains("Broken pipe"), next.getMessage());
        IOException atClose = assertThrows(IOException.class, out::close);
        assertTrue(atClose.getMessage().contains("Broken pipe"), atClose.getMessage());
    }

    @Test
    void closeGivesUpOnAClientThatNeverReads() throws Exception {
        PausedClient client = new PausedClient();
        QueuedOutput out = new QueuedOutput(client, "test-output", Duration.ofMillis(200));
        out.write("never read\n".getBytes(StandardCharsets.UTF_8));
        out.flush();
        assertTrue(client.blocked.await(10, TimeUnit.SECONDS));
        IOException stuck = assertThrows(IOException.class, out::close);
        assertTrue(stuck.getMessage().contains("took no output"), stuck.getMessage());
        assertThrows(IOException.class, () -> out.write('z'), "closed");
    }
}
