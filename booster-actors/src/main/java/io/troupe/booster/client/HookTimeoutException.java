package io.troupe.booster.client;

import java.util.concurrent.TimeoutException;

/** A handler hook did not return within its bound; the message names the hook, the handler, the bound and its key. */
public final class HookTimeoutException extends TimeoutException {

    private static final long serialVersionUID = 1L;

    private final String hook;

    public HookTimeoutException(String hook, String handlerClass, long millis, String key) {
        super(hook + " of handler " + handlerClass + " did not return within " + millis + " ms (" + key + ")");
        this.hook = hook;
    }

    /** The hook's TBS name ("PreExecute"). */
    public String hook() {
        return hook;
    }
}
