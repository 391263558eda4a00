package io.troupe.booster.cas;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;

/**
 * Writes one blob to a temporary file, hashing as it goes; {@link #commit} checks size and digest and only then
 * moves the file into place (a rename), so a reader never sees a partial or corrupted file.
 */
public final class BlobWriter {

    /** Puts the verified temporary file where it belongs. */
    @FunctionalInterface
    public interface Placement {
        void place(Path verifiedTemp) throws IOException;
    }

    private final String digest;
    private final long size;
    private final String name;
    private final Path temp;
    private final OutputStream out;
    private final MessageDigest hash = Digests.sha256();
    private final Placement placement;
    private long written;

    /**
     * @param name what the blob is, for errors (a path)
     * @param temp the temporary file, on the same file system as where it is placed
     */
    public BlobWriter(String digest, long size, String name, Path temp, Placement placement) throws IOException {
        this.digest = digest;
        this.size = size;
        this.name = name;
        this.temp = temp;
        this.placement = placement;
        this.out = new BufferedOutputStream(Files.newOutputStream(temp), 256 * 1024);
    }

    /** A writer that renames the verified file to {@code target} (its directory is made). */
    public static BlobWriter toFile(String digest, long size, Path target) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        // rw-rw-rw- less the umask, as a file the compiler writes itself gets (createTempFile alone makes 0600)
        Path temp = dir.getFileSystem().supportedFileAttributeViews().contains("posix")
                ? Files.createTempFile(dir, ".troupe-", ".part", java.nio.file.attribute.PosixFilePermissions
                        .asFileAttribute(java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw-rw-")))
                : Files.createTempFile(dir, ".troupe-", ".part");
        return new BlobWriter(digest, size, target.toString(), temp, verified ->
                Files.move(verified, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING));
    }

    public String digest() {
        return digest;
    }

    public void write(byte[] bytes) throws IOException {
        if (written + bytes.length > size) {
            abort();
            throw new IOException("blob " + digest + " (" + name + ") is longer than its announced " + size + " bytes");
        }
        hash.update(bytes);
        out.write(bytes);
        written += bytes.length;
    }

    /** Verifies and places the file; on a mismatch deletes it and throws naming the blob. */
    public void commit() throws IOException {
        out.close();
        String actual = Digests.hex(hash);
        if (written != size) {
            Files.deleteIfExists(temp);
            throw new IOException("blob " + digest + " (" + name + ") ended after " + written + " of " + size
                    + " bytes: partial transfer");
        }
        if (!actual.equals(digest)) {
            Files.deleteIfExists(temp);
            throw new IOException("blob " + digest + " (" + name + ") arrived with digest " + actual
                    + ": corrupted in transfer, or the file changed while it was sent");
        }
        placement.place(temp);
    }

    /** Drops the partial file. */
    public void abort() {
        try {
            out.close();
        } catch (IOException ignored) {
            // the file is deleted next
        }
        try {
            Files.deleteIfExists(temp);
        } catch (IOException ignored) {
            // a stray temporary file; the store's start-up sweep removes it
        }
    }
}
