package io.troupe.booster.cas;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The worker's content store alone: verified writes, LRU eviction at the bound, corrupted and partial transfers. */
class ContentStoreTest {

    @TempDir
    Path tmp;

    private static byte[] bytes(int size, int seed) {
        byte[] content = new byte[size];
        new Random(seed).nextBytes(content);
        return content;
    }

    private static String put(ContentStore store, byte[] content) throws IOException {
        String digest = Digests.of(content);
        BlobWriter writer = store.writer(digest, content.length);
        writer.write(content);
        writer.commit();
        return digest;
    }

    private List<Path> tempFiles() throws IOException {
        try (Stream<Path> files = Files.list(tmp.resolve("cas/tmp"))) {
            return files.toList();
        }
    }

    @Test
    void storesVerifiedBlobsAndMaterializesThem() throws Exception {
        ContentStore store = ContentStore.open(tmp.resolve("cas"), 1 << 20);
        byte[] content = bytes(5000, 1);
        String digest = put(store, content);
        assertTrue(store.contains(digest));
        assertEquals(List.of(), store.missing(List.of(digest)));
        Files.createDirectories(tmp.resolve("sandbox"));
        assertTrue(store.materialize(digest, tmp.resolve("sandbox/in.bin"), false));
        assertTrue(store.materialize(digest, tmp.resolve("sandbox/run.sh"), true));
        assertArrayEquals(content, Files.readAllBytes(tmp.resolve("sandbox/in.bin")));
        assertArrayEquals(content, Files.readAllBytes(tmp.resolve("sandbox/run.sh")));
        assertTrue(Files.isExecutable(tmp.resolve("sandbox/run.sh")));
        assertEquals(new ContentStore.Stats(1, 5000, 1, 5000, 0, 1, 0), store.stats());
        // a reopened store keeps what it held
        assertTrue(ContentStore.open(tmp.resolve("cas"), 1 << 20).contains(digest));
    }

    @Test
    void evictsLeastRecentlyUsedPastTheBound() throws Exception {
        ContentStore store = ContentStore.open(tmp.resolve("cas"), 3000);
        String a = put(store, bytes(1000, 1));
        String b = put(store, bytes(1000, 2));
        String c = put(store, bytes(1000, 3));
        assertTrue(store.materialize(a, tmp.resolve("a"), false)); // a is now more recent than b
        String d = put(store, bytes(1000, 4));
        assertEquals(List.of(b), store.missing(List.of(a, b, c, d)));
        assertFalse(Files.exists(tmp.resolve("cas").resolve(b)));
        assertEquals(3000, store.stats().bytes());
        assertEquals(1, store.stats().evictedBlobs());
        assertFalse(store.materialize(b, tmp.resolve("b"), false));
    }

    @Test
    void aBlobDeletedBehindItsBackIsReportedMissing() throws Exception {
        ContentStore store = ContentStore.open(tmp.resolve("cas"), 1 << 20);
        String digest = put(store, bytes(100, 5));
        Files.delete(tmp.resolve("cas").resolve(digest)); // another worker sharing the directory evicted it
        assertFalse(store.materialize(digest, tmp.resolve("x"), false));
        assertEquals(List.of(digest), store.missing(List.of(digest)));
        assertEquals(0, store.stats().bytes());
    }

    @Test
    void refusesCorruptedContentAndLeavesNothingBehind() throws Exception {
        ContentStore store = ContentStore.open(tmp.resolve("cas"), 1 << 20);
        byte[] content = bytes(4000, 7);
        String digest = Digests.of(content);
        byte[] corrupted = content.clone();
        corrupted[1234] ^= 1;
        BlobWriter writer = store.writer(digest, content.length);
        writer.write(corrupted);
        IOException error = assertThrows(IOException.class, writer::commit);
        assertTrue(error.getMessage().contains("corrupted"), error.getMessage());
        assertFalse(store.contains(digest));
        assertEquals(List.of(), tempFiles());
    }

    @Test
    void detectsAPartialTransfer() throws Exception {
        ContentStore store = ContentStore.open(tmp.resolve("cas"), 1 << 20);
        byte[] content = bytes(3 * CasStreams.CHUNK, 9);
        String digest = Digests.of(content);
        PieceReceiver receiver = new PieceReceiver(List.of(digest), d -> store.writer(d, content.length));
        receiver.accept(Compression.piece(digest, Arrays.copyOf(content, CasStreams.CHUNK), CasStreams.CHUNK));
        IOException error = assertThrows(IOException.class, receiver::finish);
        assertTrue(error.getMessage().contains("partial transfer"), error.getMessage());
        assertFalse(store.contains(digest));
        assertEquals(List.of(), tempFiles());

        // an end marker after too few bytes is partial as well
        PieceReceiver early = new PieceReceiver(List.of(digest), d -> store.writer(d, content.length));
        early.accept(Compression.piece(digest, content, CasStreams.CHUNK));
        IOException ended = assertThrows(IOException.class, () -> early.accept(Piece.end(digest)));
        assertTrue(ended.getMessage().contains("ended after " + CasStreams.CHUNK + " of " + content.length), ended.getMessage());
        assertFalse(store.contains(digest));
    }

    @Test
    void piecesCompressWhenThatHelpsAndRoundTrip() {
        byte[] text = "int main(void) { return 0; }\n".repeat(2000).getBytes();
        Piece packed = Compression.piece("d", text, text.length);
        assertTrue(packed.compressed() && packed.data().length < text.length / 10);
        assertArrayEquals(text, Compression.unpack(packed));
        byte[] noise = bytes(10_000, 3);
        Piece raw = Compression.piece("d", noise, noise.length);
        assertFalse(raw.compressed());
        assertArrayEquals(noise, Compression.unpack(raw));
    }

    /** Runs {@code task} on a thread of its own; its outcome is the returned task's. */
    private static FutureTask<String> started(java.util.concurrent.Callable<String> task) {
        FutureTask<String> future = new FutureTask<>(task);
        Thread thread = new Thread(future, "cas-test");
        thread.setDaemon(true);
        thread.start();
        return future;
    }

    private static void pollUntil(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting until " + what);
            Thread.sleep(5);
        }
    }

    private List<String> blobFiles(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(f -> f.getFileName().toString()).filter(Digests::valid).sorted().toList();
        }
    }

    @Test
    void lookupsAndOtherPutsDoNotWaitForAnEvictionsDelete() throws Exception {
        CountDownLatch deleting = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<String> deleted = Collections.synchronizedList(new ArrayList<>());
        AtomicReference<String> slow = new AtomicReference<>();
        ContentStore store = ContentStore.open(tmp.resolve("cas"), 3000, blob -> {
            String digest = blob.getFileName().toString();
            if (digest.equals(slow.get())) {
                deleting.countDown();
                // a slow disk: this delete holds only its own blob's lock while it waits
                try {
                    assertTrue(release.await(30, TimeUnit.SECONDS));
                } catch (InterruptedException e) {
                    throw new java.io.InterruptedIOException("test deleter interrupted");
                }
            }
            deleted.add(digest);
            Files.deleteIfExists(blob);
        });
        byte[] bContent = bytes(1000, 2);
        String a = put(store, bytes(1000, 1));
        String b = put(store, bContent);
        String c = put(store, bytes(1000, 3));
        slow.set(a);
        byte[] dContent = bytes(2000, 4);
        String d = Digests.of(dContent);
        FutureTask<String> evicting = started(() -> put(store, dContent)); // evicts a, then b
        assertTrue(deleting.await(10, TimeUnit.SECONDS), "the eviction's delete of a started");

        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            // the index already lacks both evicted blobs, though their files are still there
            assertFalse(store.contains(a));
            assertFalse(store.contains(b));
            assertTrue(Files.exists(tmp.resolve("cas").resolve(b)));
            assertEquals(List.of(a, b), store.missing(List.of(a, b, c, d)));
            assertTrue(store.materialize(c, tmp.resolve("c"), false));
            try (FileChannel channel = store.open(d)) {
                assertEquals(2000, channel.size());
            }
            assertEquals(2, store.stats().evictedBlobs());
            // b is put again while its delete is still queued behind a's: the queued delete must leave it
            put(store, bContent);
            assertTrue(store.contains(b));
        }, "a lookup or a put of another blob waited for an eviction's delete");
        assertFalse(evicting.isDone(), "the slow delete is still running");

        // a put of a itself waits for a's delete, then stays
        FutureTask<String> putAgain = started(() -> put(store, bytes(1000, 1)));
        pollUntil(() -> store.lockUsers(a) == 2, "the second put of a waits for a's lock");
        release.countDown();
        assertEquals(d, evicting.get(10, TimeUnit.SECONDS));
        assertEquals(a, putAgain.get(10, TimeUnit.SECONDS));

        assertTrue(deleted.contains(a));
        assertFalse(deleted.contains(b), "a blob put again during its eviction was deleted: " + deleted);
        assertTrue(store.contains(a) && store.contains(b));
        assertArrayEquals(bytes(1000, 1), Files.readAllBytes(tmp.resolve("cas").resolve(a)));
        assertArrayEquals(bContent, Files.readAllBytes(tmp.resolve("cas").resolve(b)));
        List<String> indexed = new ArrayList<>(List.of(a, b, c, d));
        indexed.removeAll(store.missing(indexed));
        assertEquals(indexed.stream().sorted().toList(), blobFiles(tmp.resolve("cas")), "files = index");
    }

    @Test
    void concurrentPutsEvictionsAndReadsNeverLoseABlob() throws Exception {
        int blobs = 12;
        long bound = 6000;
        List<byte[]> contents = new ArrayList<>();
        Map<String, byte[]> byDigest = new java.util.HashMap<>();
        for (int i = 0; i < blobs; i++) {
            byte[] content = bytes(500 + 250 * (i % 6), 100 + i);
            contents.add(content);
            byDigest.put(Digests.of(content), content);
        }
        Path sources = Files.createDirectories(tmp.resolve("sources"));
        for (int i = 0; i < blobs; i++) {
            Files.write(sources.resolve("r" + i), contents.get(i));
        }
        List<String> violations = Collections.synchronizedList(new ArrayList<>());
        AtomicReference<ContentStore> ref = new AtomicReference<>();
        ContentStore store = ContentStore.open(tmp.resolve("cas"), bound, blob -> {
            // a delete runs under the blob's lock, when no put can index it: the index must lack it now
            if (ref.get().contains(blob.getFileName().toString())) {
                violations.add("deleting indexed blob " + blob.getFileName());
            }
            Files.deleteIfExists(blob);
        });
        ref.set(store);
        Path targets = Files.createDirectories(tmp.resolve("targets"));
        AtomicInteger counter = new AtomicInteger();
        AtomicInteger reads = new AtomicInteger();
        List<FutureTask<String>> workers = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int seed = t;
            workers.add(started(() -> {
                Random random = new Random(seed);
                for (int op = 0; op < 200; op++) {
                    int i = random.nextInt(blobs);
                    byte[] content = contents.get(i);
                    String digest = Digests.of(content);
                    switch (random.nextInt(4)) {
                        case 0 -> put(store, content);
                        case 1 -> assertEquals(digest, store.putFile(sources.resolve("r" + i)).digest());
                        case 2 -> {
                            Path target = targets.resolve("m" + counter.incrementAndGet());
                            if (store.materialize(digest, target, random.nextBoolean())) {
                                assertArrayEquals(content, Files.readAllBytes(target), "materialized " + digest);
                                reads.incrementAndGet();
                            }
                        }
                        default -> {
                            try (FileChannel channel = store.open(digest)) {
                                if (channel != null) {
                                    java.nio.ByteBuffer read = java.nio.ByteBuffer.allocate(content.length);
                                    while (read.hasRemaining() && channel.read(read) >= 0) {
                                        // fill
                                    }
                                    assertArrayEquals(content, read.array(), "opened " + digest);
                                    reads.incrementAndGet();
                                }
                            }
                        }
                    }
                }
                return "done";
            }));
        }
        for (FutureTask<String> worker : workers) {
            assertEquals("done", worker.get(60, TimeUnit.SECONDS));
        }
        assertTrue(violations.isEmpty(), violations.size() + " violations, first: " + violations.stream().limit(3).toList());
        assertTrue(reads.get() > 0, "some reads found their blob");
        assertTrue(store.stats().evictedBlobs() > 0, "the bound made evictions happen");
        // every indexed blob has its file with its content, and no file outlives its index entry
        List<String> indexed = new ArrayList<>(byDigest.keySet());
        indexed.removeAll(store.missing(indexed));
        assertEquals(indexed.stream().sorted().toList(), blobFiles(tmp.resolve("cas")));
        long bytes = 0;
        for (String digest : indexed) {
            assertArrayEquals(byDigest.get(digest), Files.readAllBytes(tmp.resolve("cas").resolve(digest)));
            bytes += byDigest.get(digest).length;
        }
        assertEquals(bytes, store.stats().bytes());
        assertTrue(bytes <= bound, "over the bound: " + bytes);
    }
}
