package io.troupe.module.compress;

import io.troupe.api.proxy.BodyTransform;
import java.io.ByteArrayOutputStream;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * Streaming gzip (RFC 1952) of a response body: input is deflated as it comes, and once FlushSize bytes
 * went in since the last flush the compressor is sync-flushed so the client gets them without waiting for
 * the end (BFE's gzip filter flushes on FlushSize the same way).
 */
final class GzipTransform implements BodyTransform {
    private static final byte[] HEADER = {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, (byte) 0xff};

    private final Deflater deflater;
    private final CRC32 crc = new CRC32();
    private final int flushSize;
    private final byte[] buf = new byte[8192];
    private boolean headerSent;
    private long pending;
    private long total;

    /** @param quality BFE's Quality: -2 Huffman only, -1 default, 0 stored … 9 best */
    GzipTransform(int quality, int flushSize) {
        if (quality == -2) {
            deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
            deflater.setStrategy(Deflater.HUFFMAN_ONLY);
        } else {
            deflater = new Deflater(quality, true);
        }
        this.flushSize = flushSize;
    }

    @Override
    public byte[] transform(byte[] chunk, boolean last) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(chunk.length / 2 + 64);
        if (!headerSent) {
            out.writeBytes(HEADER);
            headerSent = true;
        }
        if (chunk.length > 0) {
            crc.update(chunk);
            total += chunk.length;
            pending += chunk.length;
            deflater.setInput(chunk);
            drain(out, Deflater.NO_FLUSH);
        }
        if (last) {
            deflater.finish();
            while (!deflater.finished()) {
                int n = deflater.deflate(buf);
                out.write(buf, 0, n);
            }
            deflater.end();
            long c = crc.getValue();
            for (int i = 0; i < 4; i++) {
                out.write((int) (c >>> (8 * i)) & 0xff);
            }
            for (int i = 0; i < 4; i++) {
                out.write((int) (total >>> (8 * i)) & 0xff);
            }
        } else if (pending >= flushSize) {
            drain(out, Deflater.SYNC_FLUSH);
            pending = 0;
        }
        return out.toByteArray();
    }

    private void drain(ByteArrayOutputStream out, int flush) {
        while (true) {
            int n = deflater.deflate(buf, 0, buf.length, flush);
            out.write(buf, 0, n);
            if (n < buf.length && deflater.needsInput()) {
                return;
            }
        }
    }
}
