package io.troupe.booster.cas;

import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4FastDecompressor;

/** LZ4 block compression of one piece; a piece that does not shrink travels as it is. */
public final class Compression {
    private Compression() {}

    private static final LZ4Factory FACTORY = LZ4Factory.fastestInstance();
    private static final LZ4Compressor COMPRESSOR = FACTORY.fastCompressor();
    private static final LZ4FastDecompressor DECOMPRESSOR = FACTORY.fastDecompressor();

    /**
     * Files up to this many times a packed-size budget are worth packing to see whether they fit it: preprocessed
     * code and objects seldom pack better than that.
     */
    public static final int RATIO_TRIED = 8;

    /** A piece of a blob ready to send: {@code rawLength} bytes, LZ4-compressed when that made them smaller. */
    public static Piece piece(String digest, byte[] raw, int length) {
        byte[] packed = pack(raw, length);
        return packed != null ? new Piece(digest, packed, length, true, false)
                : new Piece(digest, java.util.Arrays.copyOf(raw, length), length, false, false);
    }

    /** {@code raw} as one LZ4 block, or null when that is not smaller. */
    public static byte[] pack(byte[] raw) {
        return pack(raw, raw.length);
    }

    /** The first {@code length} bytes of {@code raw} as one LZ4 block, or null when that is not smaller. */
    private static byte[] pack(byte[] raw, int length) {
        byte[] packed = new byte[COMPRESSOR.maxCompressedLength(length)];
        int packedLength = COMPRESSOR.compress(raw, 0, length, packed, 0, packed.length);
        return packedLength < length ? java.util.Arrays.copyOf(packed, packedLength) : null;
    }

    /**
     * Refuses a claim that {@code packedLength} bytes of LZ4 hold {@code rawLength}: LZ4 expands at most 255-fold,
     * and a larger claim would have the receiver allocate what the sender never packed.
     *
     * @throws IllegalArgumentException naming {@code what}
     */
    public static void checkClaim(long rawLength, int packedLength, String what) {
        if (rawLength > 255L * packedLength || rawLength > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(what + " claims " + rawLength + " bytes from a compressed block of "
                    + packedLength);
        }
    }

    /**
     * The {@code rawLength} bytes that {@link #pack} made {@code packed} of.
     *
     * @throws IllegalArgumentException naming {@code what} when the claim is impossible ({@link #checkClaim}) or the
     *     block is damaged or not of that length
     */
    public static byte[] unpack(byte[] packed, long rawLength, String what) {
        checkClaim(rawLength, packed.length, what);
        byte[] raw = new byte[(int) rawLength];
        int read;
        try {
            read = DECOMPRESSOR.decompress(packed, 0, raw, 0, raw.length);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(what + " does not decompress to its " + rawLength + " bytes: " + e.getMessage(), e);
        }
        if (read != packed.length) {
            throw new IllegalArgumentException(what + " does not decompress to its " + rawLength + " bytes: "
                    + packed.length + " compressed bytes, " + read + " used");
        }
        return raw;
    }

    /** The raw bytes of a piece. */
    public static byte[] unpack(Piece piece) {
        if (!piece.compressed()) {
            if (piece.data().length != piece.rawLength()) {
                throw new IllegalArgumentException("piece of " + piece.digest() + " carries " + piece.data().length
                        + " bytes, announced " + piece.rawLength());
            }
            return piece.data();
        }
        byte[] raw = new byte[piece.rawLength()];
        try {
            DECOMPRESSOR.decompress(piece.data(), 0, raw, 0, piece.rawLength());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("piece of " + piece.digest() + " does not decompress: " + e.getMessage(), e);
        }
        return raw;
    }
}
