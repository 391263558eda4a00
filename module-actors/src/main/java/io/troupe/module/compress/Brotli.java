package io.troupe.module.compress;

import com.aayushatharva.brotli4j.Brotli4jLoader;
import com.aayushatharva.brotli4j.encoder.BrotliOutputStream;
import com.aayushatharva.brotli4j.encoder.Encoder;
import io.troupe.api.proxy.BodyTransform;
import java.io.ByteArrayOutputStream;
import java.io.IOException;

/** Brotli through brotli4j (JNI); a platform without its native library rejects BROTLI rules at load. */
final class Brotli implements BodyTransform {
    private static final Throwable UNAVAILABLE = load();

    private static Throwable load() {
        try {
            Brotli4jLoader.ensureAvailability();
            return null;
        } catch (Throwable t) {
            return t;
        }
    }

    static boolean available() {
        return UNAVAILABLE == null;
    }

    static String unavailableReason() {
        return UNAVAILABLE == null ? "" : UNAVAILABLE.toString();
    }

    private final ByteArrayOutputStream sink = new ByteArrayOutputStream(4096);
    private final BrotliOutputStream out;
    private final int flushSize;
    private long pending;

    Brotli(int quality, int flushSize) throws IOException {
        out = new BrotliOutputStream(sink, new Encoder.Parameters().setQuality(quality));
        this.flushSize = flushSize;
    }

    @Override
    public byte[] transform(byte[] chunk, boolean last) throws IOException {
        if (chunk.length > 0) {
            out.write(chunk);
            pending += chunk.length;
        }
        if (last) {
            out.close();
        } else if (pending >= flushSize) {
            out.flush();
            pending = 0;
        }
        byte[] b = sink.toByteArray();
        sink.reset();
        return b;
    }
}
