package io.troupe.booster;

import java.io.UncheckedIOException;
import java.util.concurrent.CompletionException;

/** What the booster's actors report of a failed future: the real cause and a message a user can read. */
public final class Failures {
    private Failures() {}

    /** The cause under the wrappers futures and streams add ({@link CompletionException}, {@link UncheckedIOException}). */
    public static Throwable unwrap(Throwable error) {
        Throwable t = error;
        while ((t instanceof CompletionException || t instanceof UncheckedIOException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /** The throwable's message, or its class and text when it has none. */
    public static String messageOf(Throwable t) {
        return t.getMessage() != null ? t.getMessage() : t.toString();
    }
}
