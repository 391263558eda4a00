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

    /** A piece of a blob ready to send: {@code rawLength} bytes, LZ4-compressed when that made them smaller. */
    public static Piece piece(String digest, byte[] raw, int length) {
        byte[] packed = new byte[COMPRESSOR.maxCompressedLength(length)];
        int packedLength = COMPRESSOR.compress(raw, 0, length, packed, 0, packed.length);
        if (packedLength < length) {
            return new Piece(digest, java.util.Arrays.copyOf(packed, packedLength), length, true, false);
        }
        return new Piece(digest, java.util.Arrays.copyOf(raw, length), length, false, false);
    }

    /** {@code raw} as one LZ4 block, or null when that is not smaller. */
    public static byte[] pack(byte[] raw) {
        byte[] packed = new byte[COMPRESSOR.maxCompressedLength(raw.length)];
        int packedLength = COMPRESSOR.compress(raw, 0, raw.length, packed, 0, packed.length);
        return packedLength < raw.length ? java.util.Arrays.copyOf(packed, packedLength) : null;
    }

    /**
     * The {@code rawLength} bytes that {@link #pack} made {@code packed} of.
     *
     * @throws IllegalArgumentException naming {@code what} when the block is damaged or not of that length
     */
    public static byte[] unpack(byte[] packed, int rawLength, String what) {
        byte[] raw = new byte[rawLength];
        int read;
        try {
            read = DECOMPRESSOR.decompress(packed, 0, raw, 0, rawLength);
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
