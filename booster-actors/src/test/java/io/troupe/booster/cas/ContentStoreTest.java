package io.troupe.booster.cas;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
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
}
