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

    /**
     * The message of the cause under the futures' wrappers ({@link #unwrap}), or its class and text when it has none:
     * a user reads "connection refused", not "java.util.concurrent.CompletionException: java.net.ConnectException: …".
     */
    public static String messageOf(Throwable error) {
        Throwable t = unwrap(error);
        return t.getMessage() != null ? t.getMessage() : t.toString();
    }
}
