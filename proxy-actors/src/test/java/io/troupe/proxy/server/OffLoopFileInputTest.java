package io.troupe.proxy.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.DefaultEventLoop;
import io.netty.handler.stream.ChunkedWriteHandler;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A file region read chunk by chunk on the module work pool, as the ChunkedWriteHandler asks for it: the bytes,
 * and that the event loop asking for them never reads the file itself nor waits for a read.
 */
class OffLoopFileInputTest {
    @TempDir
    Path dir;
    private final ModuleWorkPool pool = new ModuleWorkPool(4, 16);
    private final ByteBufAllocator alloc = new UnpooledByteBufAllocator(false);

    @AfterEach
    void stop() {
        pool.shutdown();
    }

    /** Reads the whole input as the writer would: a null chunk means "not yet", so ask again. */
    private static byte[] drain(OffLoopFileInput in) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long deadline = System.currentTimeMillis() + 10_000;
        while (!in.isEndOfInput()) {
            ByteBuf b = in.readChunk(UnpooledByteBufAllocator.DEFAULT);
            if (b == null) {
                assertTrue(System.currentTimeMillis() < deadline, "the next chunk never came");
                Thread.onSpinWait();
                continue;
            }
            assertTrue(b.readableBytes() <= OffLoopFileInput.CHUNK);
            byte[] bytes = new byte[b.readableBytes()];
            b.readBytes(bytes);
            b.release();
            out.write(bytes);
        }
        return out.toByteArray();
    }

    @Test
    void readsTheRegionInChunks() throws Exception {
        byte[] data = new byte[3 * OffLoopFileInput.CHUNK + 1234];
        new Random(3).nextBytes(data);
        Path f = Files.write(dir.resolve("f.bin"), data);
        long offset = 100;
        long length = data.length - 200;
        OffLoopFileInput in = new OffLoopFileInput(new RandomAccessFile(f.toFile(), "r"), offset, length, pool,
                new ChunkedWriteHandler(), alloc);
        assertEquals(length, in.length());
        byte[] got = drain(in);
        assertArrayEquals(Arrays.copyOfRange(data, (int) offset, (int) (offset + length)), got);
        assertEquals(length, in.progress());
        in.close();
    }

    /** An allocator that records the threads it allocates on: the input allocates each chunk where it reads it. */
    private static final class Recording extends io.netty.buffer.AbstractByteBufAllocator {
        final Set<Thread> threads = ConcurrentHashMap.newKeySet();

        Recording() {
            super(false);
        }

        @Override
        protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
            threads.add(Thread.currentThread());
            return UnpooledByteBufAllocator.DEFAULT.heapBuffer(initialCapacity, maxCapacity);
        }

        @Override
        protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
            threads.add(Thread.currentThread());
            return UnpooledByteBufAllocator.DEFAULT.directBuffer(initialCapacity, maxCapacity);
        }

        @Override
        public boolean isDirectBufferPooled() {
            return false;
        }
    }

    @Test
    void theEventLoopNeitherReadsTheFileNorWaitsForARead() throws Exception {
        byte[] data = new byte[3 * OffLoopFileInput.CHUNK + 5];
        new Random(7).nextBytes(data);
        Path f = Files.write(dir.resolve("h.bin"), data);
        DefaultEventLoop loop = new DefaultEventLoop();
        ModuleWorkPool held = new ModuleWorkPool(1, 16);
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        try {
            Thread loopThread = loop.submit(Thread::currentThread).get(10, TimeUnit.SECONDS);
            // the pool's only thread is busy, as behind a slow disk
            assertTrue(held.submit(() -> {
                running.countDown();
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
            assertTrue(running.await(10, TimeUnit.SECONDS));
            Recording reads = new Recording();
            OffLoopFileInput in = new OffLoopFileInput(new RandomAccessFile(f.toFile(), "r"), 0, data.length, held,
                    new ChunkedWriteHandler(), reads);
            ByteBuf first = loop.submit(() -> in.readChunk(UnpooledByteBufAllocator.DEFAULT)).get(5, TimeUnit.SECONDS);
            assertNull(first, "the loop is answered 'not yet' at once rather than waiting for the read");
            assertTrue(reads.threads.isEmpty(), "nothing was read while the pool was busy: " + reads.threads);

            release.countDown();
            byte[] got = loop.submit(() -> drain(in)).get(20, TimeUnit.SECONDS);
            assertArrayEquals(data, got);
            assertFalse(reads.threads.isEmpty());
            for (Thread t : reads.threads) {
                assertNotEquals(loopThread, t, "a chunk was read on the event loop");
                assertTrue(t.getName().startsWith("proxy-module-work-"), "read on " + t.getName());
            }
            in.close();
        } finally {
            release.countDown();
            held.shutdown();
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    @Test
    void aFileShorterThanItsRegionFailsTheTransfer() throws Exception {
        Path f = Files.write(dir.resolve("short.bin"), new byte[1000]);
        OffLoopFileInput in = new OffLoopFileInput(new RandomAccessFile(f.toFile(), "r"), 0, 5000, pool,
                new ChunkedWriteHandler(), alloc);
        IOException e = assertThrows(IOException.class, () -> drain(in));
        assertTrue(e.getMessage().contains("early"), e.getMessage());
        in.close();
    }

    @Test
    void aStoppedPoolReadsInPlaceRatherThanNever() throws Exception {
        byte[] data = new byte[OffLoopFileInput.CHUNK + 10];
        new Random(5).nextBytes(data);
        Path f = Files.write(dir.resolve("g.bin"), data);
        pool.shutdown();
        OffLoopFileInput in = new OffLoopFileInput(new RandomAccessFile(f.toFile(), "r"), 0, data.length, pool,
                new ChunkedWriteHandler(), alloc);
        assertArrayEquals(data, drain(in));
        in.close();
    }
}
