package io.troupe.module.support;

import java.nio.file.Path;

/** A config or data file is invalid; the message names the file and the field. */
public final class DataFileException extends Exception {
    private final Path file;
    private final String field;

    public DataFileException(Path file, String field, String message) {
        this(file, field, message, null);
    }

    public DataFileException(Path file, String field, String message, Throwable cause) {
        super(file + ": " + (field == null || field.isEmpty() ? "" : field + ": ") + message, cause);
        this.file = file;
        this.field = field;
    }

    public Path file() {
        return file;
    }

    public String field() {
        return field;
    }
}
