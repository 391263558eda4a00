package io.troupe.proxy.config;

/**
 * A config file that does not load or validate: which file, which field (a path such as
 * {@code ProductRule.product1[2].Cond}), and why. The message reads {@code <file>: <field>: <reason>}.
 */
public final class ConfigException extends Exception {
    private final String file;
    private final String field;
    private final String reason;

    public ConfigException(String file, String field, String reason) {
        super(file + (field == null || field.isEmpty() ? "" : ": " + field) + ": " + reason);
        this.file = file;
        this.field = field == null ? "" : field;
        this.reason = reason;
    }

    /** The file, as it was named when loading. */
    public String file() {
        return file;
    }

    /** The field path inside the file, or the empty string for the whole file. */
    public String field() {
        return field;
    }

    /** What is wrong. */
    public String reason() {
        return reason;
    }
}
