package io.troupe.module.support;

/**
 * The decimal text of a number from 0 to 65535, made once per number: mod_header prints the client's port on
 * every request (X-Forwarded-Port, X-Real-Port), a keep-alive connection's requests all carry the same one, and
 * mod_access prints the status code.
 */
public final class NumberText {
    private static final String[] TEXTS = new String[65536];

    private NumberText() {}

    /** {@code Integer.toString(n)}. */
    public static String of(int n) {
        if (n < 0 || n >= TEXTS.length) {
            return Integer.toString(n);
        }
        String t = TEXTS[n];
        if (t == null) {
            // a racing thread may make the same text twice: Strings are safe to publish without a lock
            t = Integer.toString(n);
            TEXTS[n] = t;
        }
        return t;
    }
}
