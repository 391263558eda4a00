package io.troupe.booster.handler;

/** A handler could not be loaded; the message names the setting, file or class at fault. */
public final class HandlerLoadException extends Exception {
    public HandlerLoadException(String message) {
        super(message);
    }

    public HandlerLoadException(String message, Throwable cause) {
        super(message, cause);
    }
}
