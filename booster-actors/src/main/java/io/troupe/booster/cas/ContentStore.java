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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * A worker's bounded on-disk content-addressed store: one file per blob, named by its SHA-256, in {@code dir}.
 * Least recently used blobs are deleted once the total passes {@code maxBytes}. Blobs arrive through a
 * {@link BlobWriter} (temporary file, digest verified, rename), so the store holds only complete, verified
 * files. Thread-safe; every method does blocking file I/O except {@link #missing} and {@link #contains}.
 */
public final class ContentStore {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ContentStore.class);

    private final Path dir;
    private final Path tmp;
    private final long maxBytes;
    /** digest → size, in access order (eldest = least recently used) */
    private final LinkedHashMap<String, Long> entries = new LinkedHashMap<>(256, 0.75f, true);
    private long totalBytes;
    private final AtomicLong receivedBlobs = new AtomicLong();
    private final AtomicLong receivedBytes = new AtomicLong();
    private final AtomicLong evictedBlobs = new AtomicLong();
    private final AtomicLong hits = new AtomicLong();
    private final AtomicLong misses = new AtomicLong();

    private ContentStore(Path dir, long maxBytes) {
        this.dir = dir;
        this.tmp = dir.resolve("tmp");
        this.maxBytes = maxBytes;
    }

    /** Opens (or makes) the store in {@code dir}; blobs already there are kept, oldest first in line for eviction. */
    public static ContentStore open(Path dir, long maxBytes) throws IOException {
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("troupe.worker.cas.max-bytes must be positive, got " + maxBytes);
        }
        ContentStore store = new ContentStore(dir, maxBytes);
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
        synchronized (store) {
            for (Path blob : blobs) {
                long size = Files.size(blob);
                store.entries.put(blob.getFileName().toString(), size);
                store.totalBytes += size;
            }
            store.evict();
        }
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
        synchronized (this) {
            Files.move(verified, blob(digest), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            Long before = entries.put(digest, size);
            if (before == null) {
                totalBytes += size;
            }
            evict();
        }
        receivedBlobs.incrementAndGet();
        receivedBytes.addAndGet(size);
    }

    /**
     * Puts a file the worker made (a result) in the store by hard link (a copy across file systems) and returns
     * its digest. The file itself is left where it is.
     */
    public Digests.Sized putFile(Path file) throws IOException {
        String digest = Digests.of(file);
        long size = Files.size(file);
        synchronized (this) {
            if (entries.containsKey(digest) && Files.exists(blob(digest))) {
                entries.get(digest); // touch: now most recently used
                return new Digests.Sized(digest, size);
            }
        }
        Path temp = tmp.resolve(digest.substring(0, 8) + "-" + System.nanoTime() + ".link");
        try {
            Files.createLink(temp, file);
        } catch (IOException | UnsupportedOperationException e) {
            Files.copy(file, temp, StandardCopyOption.REPLACE_EXISTING);
        }
        blobReadOnly(temp);
        synchronized (this) {
            Files.move(temp, blob(digest), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            if (entries.put(digest, size) == null) {
                totalBytes += size;
            }
            evict();
        }
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
        synchronized (this) {
            if (entries.get(digest) == null) {
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
            // open under the lock: an eviction after this point cannot take the bytes away
            source = FileChannel.open(blob, StandardOpenOption.READ);
        }
        try (source; FileChannel out = FileChannel.open(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            long size = source.size();
            long done = 0;
            while (done < size) {
                done += source.transferTo(done, size - done, out);
            }
        }
        if (executable && !target.toFile().setExecutable(true)) {
            throw new IOException("cannot make " + target + " executable");
        }
        return true;
    }

    /** Opens blob {@code digest} for reading (the open file survives its eviction), or null when absent. */
    public FileChannel open(String digest) throws IOException {
        synchronized (this) {
            if (entries.get(digest) == null) {
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

    private void forget(String digest) {
        Long size = entries.remove(digest);
        if (size != null) {
            totalBytes -= size;
        }
    }

    private Path blob(String digest) {
        return dir.resolve(digest);
    }

    private static void blobReadOnly(Path file) {
        if (!file.toFile().setWritable(false, false)) {
            LOG.debug("could not make {} read-only", file);
        }
    }

    /** Least recently used first; the blob just added stays even when it alone passes the bound. */
    private void evict() {
        var it = entries.entrySet().iterator();
        while (totalBytes > maxBytes && entries.size() > 1 && it.hasNext()) {
            Map.Entry<String, Long> eldest = it.next();
            try {
                Files.deleteIfExists(blob(eldest.getKey()));
            } catch (IOException e) {
                LOG.warn("could not delete evicted blob {}: {}", eldest.getKey(), e.toString());
            }
            totalBytes -= eldest.getValue();
            it.remove();
            evictedBlobs.incrementAndGet();
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
