package io.troupe.proxy.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.stream.ChunkedInput;
import io.netty.handler.stream.ChunkedWriteHandler;
import java.io.EOFException;
import java.io.IOException;
import java.io.RandomAccessFile;

/**
 * A file region read in chunks on the module work pool, for a {@link ChunkedWriteHandler}: where a file body must
 * pass through TLS or HTTP/2 framing (no sendfile), its disk reads stay off the event loop. One chunk is read
 * ahead; when it is not there yet {@link #readChunk} answers null and the read's end resumes the transfer.
 */
final class OffLoopFileInput implements ChunkedInput<ByteBuf> {
    /** Bytes per read (TLS records and HTTP/2 frames split it further). */
    static final int CHUNK = 65536;

    private final RandomAccessFile file;
    private final long offset;
    private final long length;
    private final ModuleWorkPool pool;
    private final ChunkedWriteHandler writer;
    private final ByteBufAllocator alloc;
    /** Bytes handed to the writer (event loop only). */
    private long consumed;
    /** Bytes asked of the pool so far (event loop only). */
    private long requested;
    // handed between the pool thread and the event loop, under this object's lock
    private ByteBuf ready;
    private IOException failure;
    private boolean reading;
    private boolean closed;

    OffLoopFileInput(RandomAccessFile file, long offset, long length, ModuleWorkPool pool, ChunkedWriteHandler writer,
                     ByteBufAllocator alloc) {
        this.file = file;
        this.offset = offset;
        this.length = length;
        this.pool = pool;
        this.writer = writer;
        this.alloc = alloc;
    }

    @Override
    public boolean isEndOfInput() {
        return consumed >= length;
    }

    @Override
    public ByteBuf readChunk(ChannelHandlerContext ctx) throws Exception {
        return readChunk(ctx.alloc());
    }

    @Override
    public ByteBuf readChunk(ByteBufAllocator ignored) throws IOException {
        ByteBuf b = take();
        if (b == null) {
            readAhead();
            b = take(); // a read done inline (pool full) is there at once
        }
        if (b != null) {
            consumed += b.readableBytes();
            readAhead();
        }
        return b;
    }

    private synchronized ByteBuf take() throws IOException {
        if (failure != null) {
            throw failure;
        }
        ByteBuf b = ready;
        ready = null;
        return b;
    }

    /** Starts reading the next chunk unless one is read or being read, or the region is done. */
    private void readAhead() {
        long pos;
        int n;
        synchronized (this) {
            if (reading || ready != null || closed || requested >= length) {
                return;
            }
            reading = true;
            pos = offset + requested;
            n = (int) Math.min(CHUNK, length - requested);
            requested += n;
        }
        if (!pool.submit(() -> read(pos, n, true))) {
            read(pos, n, false); // the pool is full or stopped: read here rather than never
        }
    }

    private void read(long pos, int n, boolean resume) {
        ByteBuf b = alloc.buffer(n);
        IOException error = null;
        try {
            while (b.readableBytes() < n) {
                int r = b.writeBytes(file.getChannel(), pos + b.readableBytes(), n - b.readableBytes());
                if (r < 0) {
                    throw new EOFException("file ended " + (n - b.readableBytes()) + " bytes early");
                }
            }
        } catch (IOException e) {
            error = e;
        }
        synchronized (this) {
            reading = false;
            if (error != null || closed) {
                b.release();
                if (error != null) {
                    failure = error;
                }
            } else {
                ready = b;
            }
        }
        if (resume) {
            writer.resumeTransfer();
        }
    }

    @Override
    public void close() throws IOException {
        synchronized (this) {
            closed = true;
            if (ready != null) {
                ready.release();
                ready = null;
            }
        }
        file.close();
    }

    @Override
    public long length() {
        return length;
    }

    @Override
    public long progress() {
        return consumed;
    }
}
