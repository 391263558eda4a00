package io.troupe.booster.cas;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;

/**
 * A worker's bounded on-disk content-addressed store: one file per blob, named by its SHA-256, in {@code dir}.
 * Least recently used blobs are deleted once the total passes {@code maxBytes}. Blobs arrive through a
 * {@link BlobWriter} (temporary file, digest verified, rename), so the store holds only complete, verified
 * files. Thread-safe; every method does blocking file I/O except {@link #missing}, {@link #contains} and
 * {@link #stats}.
 *
 * <p>Locking: the store's monitor guards only the in-memory index and is never held across file I/O, so a
 * lookup never waits for the disk. File operations on one blob (moving it in, linking or opening it, deleting
 * it) hold that digest's own lock, taken before the monitor and never two at once. An evicted blob leaves the
 * index first and its file is deleted afterwards under its digest's lock, and only if no put has indexed the
 * digest again meanwhile: an index entry always has its file, and a blob put again during its eviction stays.
 */
public final class ContentStore {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ContentStore.class);

    /** Deletes an evicted blob's file; tests slow it down. */
    @FunctionalInterface
    interface Deleter {
        void delete(Path blob) throws IOException;
    }

    private final Path dir;
    private final Path tmp;
    private final long maxBytes;
    private final Deleter deleter;
    /** digest → size, in access order (eldest = least recently used); guarded by this */
    private final LinkedHashMap<String, Long> entries = new LinkedHashMap<>(256, 0.75f, true);
    /** the digests whose file someone is working on, with their lock; guarded by this */
    private final Map<String, BlobLock> blobLocks = new HashMap<>();
    private long totalBytes;
    private final AtomicLong receivedBlobs = new AtomicLong();
    private final AtomicLong receivedBytes = new AtomicLong();
    private final AtomicLong evictedBlobs = new AtomicLong();
    private final AtomicLong hits = new AtomicLong();
    private final AtomicLong misses = new AtomicLong();

    private ContentStore(Path dir, long maxBytes, Deleter deleter) {
        this.dir = dir;
        this.tmp = dir.resolve("tmp");
        this.maxBytes = maxBytes;
        this.deleter = deleter;
    }

    /** Opens (or makes) the store in {@code dir}; blobs already there are kept, oldest first in line for eviction. */
    public static ContentStore open(Path dir, long maxBytes) throws IOException {
        return open(dir, maxBytes, Files::deleteIfExists);
    }

    static ContentStore open(Path dir, long maxBytes, Deleter deleter) throws IOException {
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("troupe.worker.cas.max-bytes must be positive, got " + maxBytes);
        }
        ContentStore store = new ContentStore(dir, maxBytes, deleter);
        Files.createDirectories(store.tmp);
        try (Stream<Path> stale = Files.list(store.tmp)) {
            long hourAgo = System.currentTimeMillis() - 3_600_000;
            for (Path file : stale.toList()) {
                // left by a worker that stopped mid-transfer; a recent one may be another worker's upload
                if (modified(file).toMillis() < hourAgo) {
                    Files.deleteIfExists(file);
                }
            }
        }
        List<Path> blobs;
        try (Stream<Path> files = Files.list(dir)) {
            blobs = files.filter(f -> Digests.valid(f.getFileName().toString()) && Files.isRegularFile(f))
                    .sorted(Comparator.comparing(ContentStore::modified)).toList();
        }
        Map<String, Long> sizes = new LinkedHashMap<>();
        for (Path blob : blobs) {
            sizes.put(blob.getFileName().toString(), Files.size(blob));
        }
        List<String> evicted;
        synchronized (store) {
            sizes.forEach(store::index);
            evicted = store.evict();
        }
        store.delete(evicted);
        return store;
    }

    private static FileTime modified(Path file) {
        try {
            return Files.getLastModifiedTime(file);
        } catch (IOException e) {
            return FileTime.fromMillis(0);
        }
    }

    public Path dir() {
        return dir;
    }

    public synchronized boolean contains(String digest) {
        return entries.containsKey(digest);
    }

    /** The digests of {@code wanted} the store lacks (in memory, no disk access), in their order, once each. */
    public synchronized List<String> missing(Collection<String> wanted) {
        List<String> missing = new ArrayList<>();
        for (String digest : wanted) {
            if (!entries.containsKey(digest) && !missing.contains(digest)) {
                missing.add(digest);
            }
        }
        // a worker asks once per sub-work for its inputs: found ones are the cache's hits
        hits.addAndGet(wanted.size() - missing.size());
        misses.addAndGet(missing.size());
        return missing;
    }

    /** A writer whose verified blob joins the store (and may evict others). */
    public BlobWriter writer(String digest, long size) throws IOException {
        if (!Digests.valid(digest)) {
            throw new IOException("'" + digest + "' is not a SHA-256 digest");
        }
        Path temp = Files.createTempFile(tmp, digest.substring(0, 8) + "-", ".part");
        return new BlobWriter(digest, size, "cas " + digest, temp, verified -> add(digest, size, verified));
    }

    /** Moves a verified file in as blob {@code digest}. */
    private void add(String digest, long size, Path verified) throws IOException {
        blobReadOnly(verified);
        List<String> evicted;
        try (BlobLock lock = lock(digest)) {
            evicted = place(digest, size, verified);
        }
        delete(evicted);
        receivedBlobs.incrementAndGet();
        receivedBytes.addAndGet(size);
    }

    /** Renames {@code file} to the blob and indexes it; the caller holds the digest's lock. Returns the evicted. */
    private List<String> place(String digest, long size, Path file) throws IOException {
        Files.move(file, blob(digest), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        synchronized (this) {
            index(digest, size);
            return evict();
        }
    }

    /**
     * Puts a file the worker made (a result) in the store by hard link (a copy across file systems) and returns
     * its digest. The file itself is left where it is.
     */
    public Digests.Sized putFile(Path file) throws IOException {
        String digest = Digests.of(file);
        long size = Files.size(file);
        List<String> evicted;
        try (BlobLock lock = lock(digest)) {
            boolean held;
            synchronized (this) {
                held = entries.get(digest) != null; // a get: now most recently used
            }
            if (held && Files.exists(blob(digest))) {
                return new Digests.Sized(digest, size);
            }
            Path temp = tmp.resolve(digest.substring(0, 8) + "-" + System.nanoTime() + ".link");
            try {
                Files.createLink(temp, file);
            } catch (IOException | UnsupportedOperationException e) {
                Files.copy(file, temp, StandardCopyOption.REPLACE_EXISTING);
            }
            blobReadOnly(temp);
            evicted = place(digest, size, temp);
        }
        delete(evicted);
        return new Digests.Sized(digest, size);
    }

    /**
     * Makes blob {@code digest} appear at {@code target}: a hard link (blobs are read-only, so the sandbox cannot
     * change them by name), or a copy when linking is impossible or the file must be executable (a link shares
     * the mode bits).
     *
     * @return false when the store no longer holds the blob
     */
    public boolean materialize(String digest, Path target, boolean executable) throws IOException {
        FileChannel source;
        try (BlobLock lock = lock(digest)) {
            if (!indexed(digest)) {
                return false;
            }
            Path blob = blob(digest);
            if (!Files.exists(blob)) {
                forget(digest); // deleted behind the store's back (another worker sharing the directory)
                return false;
            }
            if (!executable) {
                try {
                    Files.createLink(target, blob);
                    return true;
                } catch (FileAlreadyExistsException e) {
                    throw e;
                } catch (IOException | UnsupportedOperationException e) {
                    // another file system: copy, below
                }
            }
            // open under the digest's lock: its deletion waits for it, and the open file survives that
            source = FileChannel.open(blob, StandardOpenOption.READ);
        }
        try (source; FileChannel out = FileChannel.open(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            long size = source.size();
            long done = 0;
            while (done < size) {
                done += source.transferTo(done, size - done, out);
            }
        }
        if (executable && !target.toFile().setExecutable(true, false)) {
            throw new IOException("cannot make " + target + " executable");
        }
        return true;
    }

    /** Opens blob {@code digest} for reading (the open file survives its eviction), or null when absent. */
    public FileChannel open(String digest) throws IOException {
        try (BlobLock lock = lock(digest)) {
            if (!indexed(digest)) {
                return null;
            }
            try {
                return FileChannel.open(blob(digest), StandardOpenOption.READ);
            } catch (java.nio.file.NoSuchFileException e) {
                forget(digest);
                return null;
            }
        }
    }

    /** Whether the index holds {@code digest}, marking it most recently used. */
    private synchronized boolean indexed(String digest) {
        return entries.get(digest) != null;
    }

    private synchronized void forget(String digest) {
        Long size = entries.remove(digest);
        if (size != null) {
            totalBytes -= size;
        }
    }

    private void index(String digest, long size) {
        Long before = entries.put(digest, size);
        totalBytes += size - (before == null ? 0 : before);
    }

    private Path blob(String digest) {
        return dir.resolve(digest);
    }

    private static void blobReadOnly(Path file) {
        if (!file.toFile().setWritable(false, false)) {
            LOG.debug("could not make {} read-only", file);
        }
    }

    /**
     * Takes least recently used blobs out of the index until the total fits, and returns them for {@link #delete}
     * (their files go after the monitor is released). The blob just added stays even when it alone passes the
     * bound. The caller holds the monitor.
     */
    private List<String> evict() {
        List<String> evicted = new ArrayList<>();
        var it = entries.entrySet().iterator();
        while (totalBytes > maxBytes && entries.size() > 1 && it.hasNext()) {
            Map.Entry<String, Long> eldest = it.next();
            totalBytes -= eldest.getValue();
            it.remove();
            evictedBlobs.incrementAndGet();
            evicted.add(eldest.getKey());
        }
        return evicted;
    }

    /** Deletes the files of evicted blobs, each under its digest's lock, skipping any put again since. */
    private void delete(List<String> evicted) {
        for (String digest : evicted) {
            try (BlobLock lock = lock(digest)) {
                if (!contains(digest)) {
                    deleter.delete(blob(digest));
                }
            } catch (IOException e) {
                LOG.warn("could not delete evicted blob {}: {}", digest, e.toString());
            }
        }
    }

    /** Locks the file of blob {@code digest}; never call while holding the monitor or another blob's lock. */
    private BlobLock lock(String digest) {
        BlobLock lock;
        synchronized (this) {
            lock = blobLocks.computeIfAbsent(digest, d -> new BlobLock(d));
            lock.users++;
        }
        lock.lock.lock();
        return lock;
    }

    /** Threads holding or waiting for the lock of {@code digest} (for tests). */
    synchronized int lockUsers(String digest) {
        BlobLock lock = blobLocks.get(digest);
        return lock == null ? 0 : lock.users;
    }

    /** One digest's file lock, dropped from {@link #blobLocks} when its last user is done. */
    private final class BlobLock implements AutoCloseable {
        private final String digest;
        private final ReentrantLock lock = new ReentrantLock();
        private int users;

        BlobLock(String digest) {
            this.digest = digest;
        }

        @Override
        public void close() {
            lock.unlock();
            synchronized (ContentStore.this) {
                if (--users == 0) {
                    blobLocks.remove(digest);
                }
            }
        }
    }

    /** Counters for tests and monitoring. */
    public synchronized Stats stats() {
        return new Stats(entries.size(), totalBytes, receivedBlobs.get(), receivedBytes.get(), evictedBlobs.get(),
                hits.get(), misses.get());
    }

    /**
     * @param blobs blobs held now
     * @param bytes their total size
     * @param receivedBlobs blobs that arrived over the network since start
     * @param receivedBytes their (uncompressed) bytes
     * @param evictedBlobs blobs deleted to stay under the bound
     * @param hits inputs asked for ({@link #missing}) that the store held
     * @param misses inputs asked for that it lacked
     */
    public record Stats(int blobs, long bytes, long receivedBlobs, long receivedBytes, long evictedBlobs, long hits,
            long misses) implements io.troupe.api.CborSerializable {
        public Stats(int blobs, long bytes, long receivedBlobs, long receivedBytes, long evictedBlobs) {
            this(blobs, bytes, receivedBlobs, receivedBytes, evictedBlobs, 0, 0);
        }
    }
}
