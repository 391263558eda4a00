package io.troupe.api.proxy;

/**
 * A request filter's verdict: a code and, for {@link ReturnCode#FINISH} and {@link ReturnCode#RESPONSE},
 * the response to send.
 *
 * @param code what to do next
 * @param response the response to send, or {@code null}
 */
public record FilterResult(ReturnCode code, Response response) {

    /** Continue; shared so the common case allocates nothing. */
    public static final FilterResult GO_ON = new FilterResult(ReturnCode.GO_ON, null);

    /** Close the connection, sending nothing. */
    public static final FilterResult CLOSE = new FilterResult(ReturnCode.CLOSE, null);

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
}
