package io.troupe.booster.cas;

import java.io.IOException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Turns a stream of {@link Piece}s back into verified files, one {@link BlobWriter} at a time. Not
 * thread-safe: a stream calls it from one task at a time.
 */
public final class PieceReceiver {

    /** Opens the writer of blob {@code digest}; throws if the blob was not announced. */
    @FunctionalInterface
    public interface Opener {
        BlobWriter open(String digest) throws IOException;
    }

    private final Opener opener;
    private final Set<String> expected;
    private final Set<String> received = new LinkedHashSet<>();
    private BlobWriter current;

    public PieceReceiver(List<String> expected, Opener opener) {
        this.expected = new LinkedHashSet<>(expected);
        this.opener = opener;
    }

    public void accept(Piece piece) throws IOException {
        if (!expected.contains(piece.digest())) {
            fail();
            throw new IOException("blob " + piece.digest() + " arrived but was not asked for");
        }
        if (current != null && !current.digest().equals(piece.digest())) {
            String partial = current.digest();
            fail();
            throw new IOException("blob " + partial + " was cut off by blob " + piece.digest() + ": partial transfer");
        }
        if (current == null) {
            if (received.contains(piece.digest())) {
                throw new IOException("blob " + piece.digest() + " arrived twice");
            }
            current = opener.open(piece.digest());
        }
        if (piece.last()) {
            BlobWriter done = current;
            current = null;
            done.commit();
            received.add(piece.digest());
            return;
        }
        byte[] raw;
        try {
            raw = Compression.unpack(piece);
        } catch (IllegalArgumentException e) {
            fail();
            throw new IOException(e.getMessage(), e);
        }
        current.write(raw);
    }

    /** The stream ended normally: every announced blob must be complete. */
    public void finish() throws IOException {
        if (current != null) {
            String partial = current.digest();
            fail();
            throw new IOException("transfer ended in the middle of blob " + partial + ": partial transfer");
        }
        for (String digest : expected) {
            if (!received.contains(digest)) {
                throw new IOException("transfer ended without blob " + digest);
            }
        }
    }

    /** The stream failed: drops the blob being written. */
    public void fail() {
        if (current != null) {
            current.abort();
            current = null;
        }
    }

}
