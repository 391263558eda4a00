package io.troupe.booster.controller;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayDeque;

/**
 * A client's output whose writes never wait for the client: what is written collects in memory, each flush hands
 * it to a thread of its own, which writes it to the socket in order. Actor threads print a work's lines (warnings,
 * progress) to it; a client that stops reading (its terminal paused, its stderr a full pipe) would otherwise hold
 * those threads, and with them every other client's work. Only the booster's own lines come this way (the work
 * command writes to the client's stdio itself), so what can wait here is small.
 */
final class QueuedOutput extends OutputStream {

    private final OutputStream target;
    private final Duration closeWait;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
    private final ArrayDeque<byte[]> chunks = new ArrayDeque<>();
    private final Thread writer;
    /** the writer is writing a chunk it took */
    private boolean writing;
    private boolean closed;
    private IOException failure;

    /**
     * @param closeWait how long {@link #close} waits for the client to take what is still queued
     */
    QueuedOutput(OutputStream target, String threadName, Duration closeWait) {
        this.target = target;
        this.closeWait = closeWait;
        this.writer = new Thread(this::writeQueued, threadName);
        writer.setDaemon(true);
        writer.start();
    }

    @Override
    public synchronized void write(int b) throws IOException {
        open();
        pending.write(b);
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) throws IOException {
        open();
        pending.write(b, off, len);
    }

    /** Hands what was written so far to the writer; returns at once. */
    @Override
    public synchronized void flush() throws IOException {
        open();
        if (pending.size() > 0) {
            chunks.add(pending.toByteArray());
            pending.reset();
            notifyAll();
        }
    }

    /**
     * Waits until the client has taken everything written (or the writing failed, or {@code closeWait} passed),
     * then stops the writer. The socket is the caller's to close.
     */
    @Override
    public void close() throws IOException {
        long deadline = System.nanoTime() + closeWait.toNanos();
        synchronized (this) {
            if (closed) {
                return;
            }
            if (failure == null && pending.size() > 0) {
                chunks.add(pending.toByteArray());
                pending.reset();
            }
            closed = true;
            notifyAll();
            try {
                while (failure == null && (writing || !chunks.isEmpty())) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        writer.interrupt(); // the caller's closing of the socket ends a write that still waits
                        throw new IOException("the client took no output for " + closeWait.toSeconds() + " s");
                    }
                    wait(Math.max(1, left / 1_000_000));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while the client's output was written");
            }
            if (failure != null) {
                throw new IOException("writing to the client failed: " + failure.getMessage(), failure);
            }
        }
    }

    private void open() throws IOException {
        if (failure != null) {
            throw new IOException("writing to the client failed: " + failure.getMessage(), failure);
        }
        if (closed) {
            throw new IOException("the client's output is closed");
        }
    }

    private void writeQueued() {
        while (true) {
            byte[] chunk;
            synchronized (this) {
                while (chunks.isEmpty() && !closed) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (chunks.isEmpty()) {
                    return; // closed, and all written
                }
                chunk = chunks.poll();
                writing = true;
            }
            try {
                target.write(chunk);
                target.flush();
            } catch (IOException e) {
                synchronized (this) {
                    failure = e;
                    chunks.clear();
                    writing = false;
                    notifyAll();
                }
                return;
            }
            synchronized (this) {
                writing = false;
                notifyAll();
            }
        }
    }
}
