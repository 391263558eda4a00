package io.troupe.booster.client;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Ids of sub-works and of their remote attempts, {@code <build id>-<index>} and {@code <sub-work id>#<attempt>}: made by
 * the booster, carried by the worker, read back by a node's admin API ({@code /workers}).
 */
public final class AttemptIds {

    /** An index as {@link #subWork} writes it: no sign, no leading zero, within a long. */
    private static final String INDEX = "(0|[1-9]\\d{0,17})";
    private static final Pattern ATTEMPT = Pattern.compile("(.+)-" + INDEX + "#(0|[1-9]\\d{0,8})");
    private static final Pattern SUB_WORK_INDEX = Pattern.compile(INDEX);

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
        if (!subWorkId.startsWith(buildId + "-")) {
            return -1;
        }
        Matcher m = SUB_WORK_INDEX.matcher(subWorkId).region(buildId.length() + 1, subWorkId.length());
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
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
