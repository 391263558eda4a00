package io.troupe.api.proxy;

import java.util.Objects;
import java.util.function.Supplier;

/**
 * A request filter's verdict: a code and, for {@link ReturnCode#FINISH} and {@link ReturnCode#RESPONSE},
 * the response to send; for {@link ReturnCode#BLOCKING}, the blocking work that decides.
 *
 * @param code what to do next
 * @param response the response to send, or {@code null}
 * @param work the work to run off the event loop, only with {@link ReturnCode#BLOCKING}; else {@code null}
 */
public record FilterResult(ReturnCode code, Response response, Supplier<FilterResult> work) {

    /** Continue; shared so the common case allocates nothing. */
    public static final FilterResult GO_ON = new FilterResult(ReturnCode.GO_ON, null);

    /** Close the connection, sending nothing. */
    public static final FilterResult CLOSE = new FilterResult(ReturnCode.CLOSE, null);

    /**
     * @throws IllegalArgumentException when {@code work} is given without {@link ReturnCode#BLOCKING} or missing with it
     */
    public FilterResult {
        if ((code == ReturnCode.BLOCKING) != (work != null)) {
            throw new IllegalArgumentException("a FilterResult carries work exactly when its code is BLOCKING (code "
                    + code + ", work " + (work == null ? "null" : "given") + ")");
        }
    }

    /** A verdict without blocking work. */
    public FilterResult(ReturnCode code, Response response) {
        this(code, response, null);
    }

    /** Send {@code response} as the backend's and keep the connection. */
    public static FilterResult respond(Response response) {
        return new FilterResult(ReturnCode.RESPONSE, response);
    }

    /** Send {@code response}, then close the connection. */
    public static FilterResult finish(Response response) {
        return new FilterResult(ReturnCode.FINISH, response);
    }

    /** Redirect to {@code location} with {@code status} (301, 302, 303, 307 or 308). */
    public static FilterResult redirect(int status, String location) {
        return new FilterResult(ReturnCode.REDIRECT, Response.redirect(status, location));
    }

    /**
     * Decide off the event loop: the proxy runs {@code work} on its blocking pool and, back on the connection's
     * event loop, takes what it returns as this filter's verdict ({@link #GO_ON} goes on with the next filter).
     * Meanwhile the event loop serves its other connections. For work that may block or take milliseconds: a
     * bcrypt check, a file's metadata or first bytes. A filter returns this only when it has to; the cheap
     * answer stays synchronous.
     *
     * <p>{@code work} runs on another thread while the request waits: it must not use the {@link Request} (read
     * what it needs before returning this), and what it shares with the module must be thread-safe. A
     * {@code null} or a thrown exception answers 500 and closes the connection. Only request filters
     * (BEFORE_LOCATION, FOUND_PRODUCT, AFTER_LOCATION) can return it.
     *
     * @param work computes the verdict; may block
     */
    public static FilterResult blocking(Supplier<FilterResult> work) {
        return new FilterResult(ReturnCode.BLOCKING, null, Objects.requireNonNull(work, "work"));
    }

    /** This verdict with any blocking work run on the calling thread (for tests and tools, never a filter). */
    public FilterResult settled() {
        FilterResult r = this;
        while (r != null && r.code == ReturnCode.BLOCKING) {
            r = r.work.get();
        }
        return r;
    }
}
