package io.troupe.booster.handler.cc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Whether a source may hold a comment that gcc's {@code -Wimplicit-fallthrough} takes as a fallthrough marker. Only
 * then does the local preprocess keep comments ({@code -C}): comments make a unit several times larger (a glibc
 * header's are most of it), and without the markers they change nothing the remote compile reports.
 */
final class FallthroughMarkers {
    /** Separators gcc's level-2 pattern allows between "fall" and "thr" ({@code falls?[ \t-]*thr}), bounded. */
    private static final int MAX_GAP = 8;

    private FallthroughMarkers() {}

    /**
     * @param level the warning's level (0 = off); level 1 takes any comment as a marker
     * @return true when the source names "fall" and then "thr" in any case a few characters apart, as every
     *         marker of levels 2-5 does ("fall through", "FALLTHRU", "-fallthrough", "Falls-thru"); also when
     *         the source cannot be read, so the preprocess decides as it would have
     */
    static boolean mayHold(Path source, int level) {
        if (level <= 0) {
            return false;
        }
        if (level == 1) {
            return true;
        }
        byte[] text;
        try {
            text = Files.readAllBytes(source);
        } catch (IOException | RuntimeException e) {
            return true;
        }
        return contains(text);
    }

    static boolean contains(byte[] text) {
        for (int i = 0; i + 7 <= text.length; i++) {
            if (lower(text[i]) == 'f' && lower(text[i + 1]) == 'a' && lower(text[i + 2]) == 'l' && lower(text[i + 3]) == 'l') {
                int last = Math.min(text.length - 3, i + 4 + MAX_GAP);
                for (int j = i + 4; j <= last; j++) {
                    if (lower(text[j]) == 't' && lower(text[j + 1]) == 'h' && lower(text[j + 2]) == 'r') {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    private static int lower(byte b) {
        return b >= 'A' && b <= 'Z' ? b + ('a' - 'A') : b;
    }
}
