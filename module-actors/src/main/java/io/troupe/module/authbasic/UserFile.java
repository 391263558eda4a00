package io.troupe.module.authbasic;

import at.favre.lib.crypto.bcrypt.BCrypt;
import io.troupe.api.proxy.config.ConfigFileException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.codec.digest.DigestUtils;
import org.apache.commons.codec.digest.Md5Crypt;

/**
 * An htpasswd-style users file as BFE reads it: {@code user:hash} or {@code user:hash:comment} per line,
 * surrounding blanks trimmed; blank lines and lines containing {@code #} anywhere are skipped (BFE's rule).
 * Hashes: bcrypt ({@code $2a$}, {@code $2b$}, {@code $2y$}), {@code {SHA}} (base64 SHA-1), {@code $apr1$}
 * (Apache MD5) and {@code $1$} (MD5-crypt); any other hash never matches, as in BFE's go-http-auth.
 */
final class UserFile {

    enum Scheme { BCRYPT, SHA, MD5, UNKNOWN }

    private final Map<String, String> users;
    /**
     * Credentials already checked against a bcrypt hash (right or wrong), as SHA-256 digests: bcrypt costs tens of
     * milliseconds by design, so each credential pays it once per file load (and off the event loop).
     */
    private final Map<String, Boolean> bcryptOk = java.util.Collections.synchronizedMap(
            new java.util.LinkedHashMap<>(64, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                    return size() > 1024;
                }
            });

    private UserFile(Map<String, String> users) {
        this.users = users;
    }

    static UserFile load(Path file) throws ConfigFileException {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigFileException(file, "", "cannot read users file: " + e.getMessage(), e);
        }
        Map<String, String> users = new HashMap<>();
        int n = 0;
        for (String raw : lines) {
            n++;
            String line = raw.strip();
            if (line.isEmpty() || line.contains("#")) {
                continue;
            }
            String[] parts = line.split(":", -1);
            if (parts.length != 2 && parts.length != 3) {
                throw new ConfigFileException(file, "line " + n, "expected user:hash or user:hash:comment");
            }
            users.put(parts[0].strip(), parts[1].strip());
        }
        return new UserFile(Map.copyOf(users));
    }

    int size() {
        return users.size();
    }

    /** The scheme of a user's hash, or {@code null} when there is no such user. */
    Scheme scheme(String user) {
        String h = users.get(user);
        return h == null ? null : schemeOf(h);
    }

    static Scheme schemeOf(String hash) {
        if (hash.startsWith("$2a$") || hash.startsWith("$2b$") || hash.startsWith("$2y$")) {
            return Scheme.BCRYPT;
        }
        if (hash.startsWith("{SHA}")) {
            return Scheme.SHA;
        }
        if (hash.startsWith("$apr1$") || hash.startsWith("$1$")) {
            return Scheme.MD5;
        }
        return Scheme.UNKNOWN;
    }

    /**
     * Whether {@code password} is {@code user}'s when that is cheap to tell (no such user, a SHA or MD5 hash, a
     * bcrypt answer already cached); {@code null} when it needs a bcrypt computation ({@link #check}, off the
     * event loop).
     */
    Boolean checkWithoutBcrypt(String user, String password) {
        String hash = users.get(user);
        if (hash == null) {
            return false;
        }
        if (schemeOf(hash) != Scheme.BCRYPT) {
            return matches(password, hash);
        }
        return bcryptOk.get(bcryptKey(user, password));
    }

    private static String bcryptKey(String user, String password) {
        return DigestUtils.sha256Hex(user + "\u0000" + password);
    }

    /** Whether {@code password} is {@code user}'s; may run a bcrypt check (tens of milliseconds, thread-safe). */
    boolean check(String user, String password) {
        String hash = users.get(user);
        if (hash == null) {
            return false;
        }
        if (schemeOf(hash) != Scheme.BCRYPT) {
            return matches(password, hash);
        }
        String key = bcryptKey(user, password);
        Boolean known = bcryptOk.get(key);
        if (known != null) {
            return known; // a client repeating a wrong password pays no bcrypt either
        }
        boolean ok = matches(password, hash);
        bcryptOk.put(key, ok);
        return ok;
    }

    static boolean matches(String password, String hash) {
        byte[] pw = password.getBytes(StandardCharsets.UTF_8);
        try {
            return switch (schemeOf(hash)) {
                case BCRYPT -> BCrypt.verifyer().verify(pw, hash.getBytes(StandardCharsets.UTF_8)).verified;
                case SHA -> same(hash.substring(5), Base64.getEncoder().encodeToString(DigestUtils.sha1(pw)));
                case MD5 -> same(hash, hash.startsWith("$apr1$") ? Md5Crypt.apr1Crypt(pw, hash) : Md5Crypt.md5Crypt(pw, hash));
                case UNKNOWN -> false;
            };
        } catch (IllegalArgumentException e) {
            // a malformed hash (bad salt, bad bcrypt cost) never matches
            return false;
        }
    }

    private static boolean same(String a, String b) {
        return MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }
}
