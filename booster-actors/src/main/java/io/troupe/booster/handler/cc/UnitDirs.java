package io.troupe.booster.handler.cc;

import io.troupe.booster.FileTrees;
import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The temporary directories of a work's preprocessed units ({@code troupe-cc-*}). Each holds a lock on its
 * {@code .lock} file while its work runs, so one whose process ended without removing it (a controller killed with
 * SIGKILL) can be told from a live one whatever host or pid namespace made it: the next work that makes one in the
 * same place removes it.
 */
final class UnitDirs {

    static final String PREFIX = "troupe-cc-";
    static final String LOCK = ".lock";
    /** Left alone while this young: its maker may not hold its lock yet. A live work's directory changes anyway. */
    static final Duration SETTLE = Duration.ofMinutes(10);

    /**
     * This JVM's own: never opened by a sweep here, since closing any channel on a file lets go of every lock this
     * process holds on it.
     */
    private static final Set<Path> HELD_HERE = ConcurrentHashMap.newKeySet();

    private UnitDirs() {}

    /** A directory and the lock that marks it live; {@link #close()} lets the lock go (the directory stays). */
    record Held(Path dir, FileChannel lock) implements Closeable {
        @Override
        public void close() {
            HELD_HERE.remove(dir);
            try {
                lock.close();
            } catch (IOException e) {
                // the lock goes with the process at the latest
            }
        }
    }

    /** Makes a locked unit directory under {@code base}. */
    static Held make(Path base) throws IOException {
        Path dir = Files.createTempDirectory(base, PREFIX);
        HELD_HERE.add(dir);
        FileChannel channel = null;
        try {
            channel = FileChannel.open(dir.resolve(LOCK), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            if (channel.tryLock() == null) {
                throw new IOException("cannot lock " + dir.resolve(LOCK));
            }
            return new Held(dir, channel);
        } catch (IOException | RuntimeException e) {
            HELD_HERE.remove(dir);
            if (channel != null) {
                channel.close();
            }
            FileTrees.deleteTree(dir);
            throw e;
        }
    }

    /**
     * Removes the unit directories under {@code base} that belong to the user of {@code own}, have not changed for
     * {@link #SETTLE}, and whose lock nobody holds. One that cannot be judged (no lock file, gone meanwhile,
     * unreadable) is left alone.
     */
    static void removeOrphans(Path base, Path own, Instant now) {
        Object uid;
        try {
            uid = Files.getAttribute(own, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        } catch (IOException | RuntimeException e) {
            return;
        }
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(base, PREFIX + "*")) {
            for (Path dir : dirs) {
                try {
                    if (!HELD_HERE.contains(dir) && orphaned(dir, uid, now)) {
                        FileTrees.deleteTree(dir);
                    }
                } catch (IOException | RuntimeException e) {
                    // this one stays; the next ones are judged on their own
                }
            }
        } catch (IOException | RuntimeException e) {
            // a base directory that cannot be listed keeps what it holds
        }
    }

    private static boolean orphaned(Path dir, Object uid, Instant now) throws IOException {
        Path lock = dir.resolve(LOCK);
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)
                || !uid.equals(Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS))
                || Files.getLastModifiedTime(dir, LinkOption.NOFOLLOW_LINKS).toInstant().isAfter(now.minus(SETTLE))
                || !Files.isRegularFile(lock, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        try (FileChannel channel = FileChannel.open(lock, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
                FileLock taken = channel.tryLock()) {
            return taken != null;
        } catch (OverlappingFileLockException e) {
            return false; // this JVM's after all
        }
    }
}
