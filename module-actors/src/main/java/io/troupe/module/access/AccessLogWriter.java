package io.troupe.module.access;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import io.troupe.api.monitor.Counter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Appends log lines to a file from its own thread, so a slow disk never stalls the event loops: callers only
 * offer to a bounded queue, and a line that does not fit is dropped and counted. The file is reopened when it
 * was moved or removed (external rotation, checked at most every {@code checkMillis}) or on {@link #reopen()}.
 */
final class AccessLogWriter implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AccessLogWriter.class);
    private static final String STOP = new String("stop");
    /**
     * After a write the thread sleeps this long before taking more lines: a queue nobody waits on costs an
     * offer no wake-up, so the event loops do not pay a futex wake (and the writer a write) every few lines.
     */
    static final long LINGER_MILLIS = 5;

    private final Path file;
    private final long checkMillis;
    private final ArrayBlockingQueue<String> queue;
    private final Thread thread;
    final Counters counters;
    private volatile boolean reopenRequested;
    private volatile boolean closed;
    private FileChannel out;
    /** Writes done (one per batch of lines), for tests. */
    volatile long batches;
    private Object openKey;
    private long lastCheck;
    /** Time rotation, or null when an outside tool rotates the file. */
    private final Rotation rotation;
    private long periodStart;
    private long nextRotation = Long.MAX_VALUE;

    /** Lines written, lines dropped (queue full, or a failed write), reopens, time rotations, write errors. */
    record Counters(Counter written, Counter dropped, Counter reopened, Counter rotated, Counter errors) {
        static Counters fresh() {
            return new Counters(new Counter(), new Counter(), new Counter(), new Counter(), new Counter());
        }
    }

    AccessLogWriter(Path file, int capacity, long checkMillis) throws IOException {
        this(file, capacity, checkMillis, true, Counters.fresh());
    }

    /** {@code start = false} leaves the writer thread unstarted, so that tests can fill the queue. */
    AccessLogWriter(Path file, int capacity, long checkMillis, boolean start, Counters counters) throws IOException {
        this(file, capacity, checkMillis, start, counters, null);
    }

    /** With {@code rotation}, the writer itself renames the file at each period's end (BFE's RotateWhen). */
    AccessLogWriter(Path file, int capacity, long checkMillis, boolean start, Counters counters, Rotation rotation)
            throws IOException {
        this.file = file;
        this.rotation = rotation;
        this.counters = counters;
        this.checkMillis = checkMillis;
        this.queue = new ArrayBlockingQueue<>(capacity);
        Files.createDirectories(file.toAbsolutePath().getParent());
        open();
        if (rotation != null) {
            periodStart = rotation.periodStart(rotation.now());
            nextRotation = rotation.next(periodStart);
        }
        thread = new Thread(this::run, "mod_access-writer");
        thread.setDaemon(true);
        if (start) {
            thread.start();
        }
    }

    /** Starts a writer made with {@code start = false}. */
    void start() {
        thread.start();
    }

    Path file() {
        return file;
    }

    /** Queues one line (without its newline); never blocks. False when the queue was full and the line dropped. */
    boolean offer(String line) {
        if (closed || !queue.offer(line)) {
            counters.dropped().inc();
            return false;
        }
        return true;
    }

    /** Asks the writer to reopen the file before its next write (the reopen signal after rotation). */
    void reopen() {
        reopenRequested = true;
    }

    private void open() throws IOException {
        out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        openKey = key(file);
        lastCheck = System.currentTimeMillis();
    }

    private static Object key(Path p) throws IOException {
        BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
        return a.fileKey() != null ? a.fileKey() : a.creationTime();
    }

    private void run() {
        List<String> batch = new ArrayList<>(256);
        // one direct buffer for every batch: each line is encoded once into it, and the channel writes it as is
        ByteBuffer buf = ByteBuffer.allocateDirect(64 * 1024);
        while (true) {
            String first;
            try {
                first = queue.poll(checkMillis, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                break;
            }
            maybeRotate();
            maybeReopen();
            if (first == null) {
                continue;
            }
            batch.add(first);
            queue.drainTo(batch, 4096);
            boolean stop = false;
            buf.clear();
            for (String l : batch) {
                if (l == STOP) {
                    stop = true;
                } else {
                    byte[] b = l.getBytes(StandardCharsets.UTF_8);
                    if (buf.remaining() < b.length + 1) {
                        buf = grown(buf, b.length + 1);
                    }
                    buf.put(b).put((byte) '\n');
                }
            }
            int lines = batch.size() - (stop ? 1 : 0);
            batch.clear();
            write(buf.flip(), lines);
            if (buf.capacity() > 1024 * 1024) {
                buf = ByteBuffer.allocateDirect(64 * 1024); // a burst of long lines does not keep its buffer
            }
            if (stop) {
                break;
            }
            if (queue.remainingCapacity() > queue.size()) {
                try {
                    Thread.sleep(LINGER_MILLIS);
                } catch (InterruptedException e) {
                    break;
                }
            }
        }
        try {
            out.close();
        } catch (IOException e) {
            log.debug("closing {}: {}", file, e.toString());
        }
    }

    /** A larger direct buffer holding what {@code buf} holds, with room for {@code more} bytes. */
    private static ByteBuffer grown(ByteBuffer buf, int more) {
        int size = buf.capacity();
        while (size - buf.position() < more) {
            size *= 2;
        }
        return ByteBuffer.allocateDirect(size).put(buf.flip());
    }

    private void write(ByteBuffer buf, int lines) {
        if (lines == 0) {
            return;
        }
        try {
            while (buf.hasRemaining()) {
                out.write(buf);
            }
            counters.written().inc(lines);
            batches++;
        } catch (IOException e) {
            counters.errors().inc();
            counters.dropped().inc(lines);
            log.warn("mod_access: cannot write {}: {}", file, e.toString());
            reopenRequested = true;
        }
    }

    /** At a period's end: renames the file to its period's name, opens a new one, drops old backups. */
    private void maybeRotate() {
        if (rotation == null) {
            return;
        }
        long now = rotation.now();
        if (now < nextRotation) {
            return;
        }
        Path backup = file.resolveSibling(file.getFileName() + "." + rotation.suffix(periodStart));
        periodStart = rotation.periodStart(now);
        nextRotation = rotation.next(periodStart);
        try {
            out.close();
            Files.move(file, backup, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            open();
            counters.rotated().inc();
            rotation.prune(file);
        } catch (IOException e) {
            counters.errors().inc();
            log.warn("mod_access: cannot rotate {} to {}: {}", file, backup, e.toString());
            reopenRequested = true;
        }
    }

    /** Reopens on request, or when the path no longer names the open file (moved, removed, replaced). */
    private void maybeReopen() {
        long now = System.currentTimeMillis();
        boolean due = reopenRequested;
        if (!due && now - lastCheck >= checkMillis) {
            lastCheck = now;
            try {
                due = !key(file).equals(openKey);
            } catch (NoSuchFileException e) {
                due = true;
            } catch (IOException e) {
                due = true;
            }
        }
        if (!due) {
            return;
        }
        reopenRequested = false;
        try {
            out.close();
        } catch (IOException e) {
            log.debug("closing {}: {}", file, e.toString());
        }
        try {
            open();
            counters.reopened().inc();
        } catch (IOException e) {
            counters.errors().inc();
            log.warn("mod_access: cannot reopen {}: {}", file, e.toString());
            reopenRequested = true;
        }
    }

    /** Writes what is queued, then stops the thread. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (!thread.isAlive()) {
            try {
                out.close();
            } catch (IOException e) {
                log.debug("closing {}: {}", file, e.toString());
            }
            return;
        }
        try {
            queue.put(STOP);
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
