package io.troupe.booster.cas;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Content digests: SHA-256 in lower-case hex. SHA-256 needs no extra library and the JDK's intrinsics hash
 * faster than loopback moves the bytes, so a faster non-standard hash buys nothing here.
 */
public final class Digests {
    private Digests() {}

    /** Length of a digest in hex characters. */
    public static final int LENGTH = 64;

    public static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    public static String hex(MessageDigest digest) {
        return HexFormat.of().formatHex(digest.digest());
    }

    public static String of(byte[] content) {
        MessageDigest digest = sha256();
        digest.update(content);
        return hex(digest);
    }

    /** Hashes a file (blocking I/O). */
    public static String of(Path file) throws IOException {
        MessageDigest digest = sha256();
        byte[] buffer = new byte[256 * 1024];
        try (InputStream in = Files.newInputStream(file)) {
            int n;
            while ((n = in.read(buffer)) > 0) {
                digest.update(buffer, 0, n);
            }
        }
        return hex(digest);
    }

    /** Whether {@code text} looks like a digest (it becomes a file name in a store). */
    public static boolean valid(String text) {
        if (text == null || text.length() != LENGTH) {
            return false;
        }
        for (int i = 0; i < LENGTH; i++) {
            char c = text.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }

    /**
     * What a file is now: its size, modification time and inode; another after it is written or replaced (an
     * upgrade renames a new file over the old one), so a digest taken under one stamp holds while it stays.
     */
    public record Stamp(long size, long modifiedNanos, Object fileKey) {
        /** The stamp of {@code file} (blocking I/O). */
        public static Stamp of(Path file) throws IOException {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
            return new Stamp(a.size(), a.lastModifiedTime().to(java.util.concurrent.TimeUnit.NANOSECONDS), a.fileKey());
        }
    }

    /**
     * Digests of local files, remembered by path and {@link Stamp}, so a header read by every compile of a build is
     * hashed once. Thread-safe, bounded.
     */
    public static final class Cache {
        private record Key(String path, Stamp stamp) {}

        private final int capacity;
        private final Map<String, Map.Entry<Key, String>> entries;

        public Cache(int capacity) {
            this.capacity = capacity;
            this.entries = new LinkedHashMap<>(64, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, Map.Entry<Key, String>> eldest) {
                    return size() > Cache.this.capacity;
                }
            };
        }

        /** The digest of {@code file} and its size as hashed (blocking I/O). */
        public Sized digestOf(Path file) throws IOException {
            Path real = file.toAbsolutePath().normalize();
            Key key = new Key(real.toString(), Stamp.of(real));
            synchronized (entries) {
                Map.Entry<Key, String> known = entries.get(key.path());
                if (known != null && known.getKey().equals(key)) {
                    return new Sized(known.getValue(), key.stamp().size());
                }
            }
            String digest = of(real);
            synchronized (entries) {
                entries.put(key.path(), Map.entry(key, digest));
            }
            return new Sized(digest, key.stamp().size());
        }
    }

    /** A digest and the size of the content it was computed over. */
    public record Sized(String digest, long size) {}
}
