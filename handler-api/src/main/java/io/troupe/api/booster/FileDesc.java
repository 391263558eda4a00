package io.troupe.api.booster;

/**
 * A file that travels with a sub-work (TBS {@code FileDesc}).
 *
 * @param localPath the file on the client (absolute, or relative to the command's work dir)
 * @param remotePath where it lives in the worker's sandbox, relative; absolute paths and {@code ..} are refused
 * @param size its size in bytes, or -1 when not known yet
 */
public record FileDesc(String localPath, String remotePath, long size) {

    /** A file sent to, or brought back from, the same relative path on both sides. */
    public static FileDesc of(String relativePath) {
        return new FileDesc(relativePath, relativePath, -1);
    }
}
