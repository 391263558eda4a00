package io.troupe.booster.client;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Ids of sub-works and of their remote attempts, {@code <build id>-<index>} and {@code <sub-work id>#<attempt>}: made by
 * the booster, carried by the worker, read back by a node's admin API ({@code /workers}).
 */
public final class AttemptIds {

    private static final Pattern ATTEMPT = Pattern.compile("(.+)-(\\d+)#(\\d+)");

    /** An attempt id taken apart. */
    public record Parsed(String work, long index, int attempt) {}

    private AttemptIds() {}

    /** The id of the work's {@code index}-th sub-work (from 1). */
    static String subWork(String buildId, long index) {
        return buildId + "-" + index;
    }

    /**
     * The index of {@code subWorkId} when it is {@code <buildId>-<index>} exactly as {@link #subWork} makes it (no sign,
     * no leading zero); -1 for any other id.
     */
    public static long subWorkIndex(String subWorkId, String buildId) {
        int start = buildId.length() + 1;
        int digits = subWorkId.length() - start;
        if (digits < 1 || digits > 18 || !subWorkId.startsWith(buildId) || subWorkId.charAt(start - 1) != '-'
                || (subWorkId.charAt(start) == '0' && digits > 1)) {
            return -1;
        }
        long index = 0;
        for (int i = start; i < subWorkId.length(); i++) {
            char c = subWorkId.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            index = index * 10 + (c - '0');
        }
        return index;
    }

    /** The id of attempt {@code attempt} of sub-work {@code subWorkId}. */
    static String attempt(String subWorkId, int attempt) {
        return subWorkId + "#" + attempt;
    }

    /** Whether {@code attemptId} is an attempt of sub-work {@code subWorkId}. */
    static boolean isAttemptOf(String attemptId, String subWorkId) {
        return attemptId.startsWith(subWorkId + "#");
    }

    /** {@code id} taken apart when a booster made it; empty for anything else (or null). */
    public static Optional<Parsed> parse(String id) {
        Matcher m = ATTEMPT.matcher(id == null ? "" : id);
        return m.matches() ? Optional.of(new Parsed(m.group(1), Long.parseLong(m.group(2)), Integer.parseInt(m.group(3))))
                : Optional.empty();
    }
}
