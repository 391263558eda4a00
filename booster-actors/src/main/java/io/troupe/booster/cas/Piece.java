package io.troupe.booster.cas;

import io.troupe.api.CborSerializable;

/**
 * One element of a file transfer stream: part of the blob {@code digest}, or (with {@code last}) the end of it.
 * Blobs follow one another; an end marker closes each, so a stream that stops early is seen as partial.
 *
 * @param data {@code rawLength} bytes, LZ4-compressed when {@code compressed}
 */
public record Piece(String digest, byte[] data, int rawLength, boolean compressed, boolean last)
        implements CborSerializable {

    /** Marks the end of blob {@code digest}. */
    public static Piece end(String digest) {
        return new Piece(digest, new byte[0], 0, false, true);
    }
}
