package io.troupe.api.proxy.config;

import java.nio.file.Path;

/**
 * A module config file is invalid. The message always starts with the file and names the section, key or
 * field path that is wrong, so the node's start failure or the reload answer tells the operator where to look.
 */
public final class ConfigFileException extends Exception {

    private final transient Path file;
    private final String field;

    /**
     * @param file the file that is wrong
     * @param field the section/key ({@code [Basic] ProductRulePath}) or field path ({@code Config.global[0].Cond}),
     *              or {@code null} when the file as a whole is wrong (unreadable, not JSON)
     * @param message what is wrong
     * @param cause the underlying error, or {@code null}
     */
    public ConfigFileException(Path file, String field, String message, Throwable cause) {
        super(file + (field == null || field.isEmpty() ? "" : ": " + field) + ": " + message, cause);
        this.file = file;
        this.field = field;
    }

    /** Like {@link #ConfigFileException(Path, String, String, Throwable)} without a cause. */
    public ConfigFileException(Path file, String field, String message) {
        this(file, field, message, null);
    }

    /** The file that is wrong. */
    public Path file() {
        return file;
    }

    /** The section/key or field path that is wrong, or {@code null} for the whole file. */
    public String field() {
        return field;
    }
}
