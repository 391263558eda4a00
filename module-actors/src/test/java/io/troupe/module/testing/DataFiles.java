package io.troupe.module.testing;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.api.proxy.config.ConfigFileException;
import io.troupe.api.proxy.config.DataTable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writing {@code .data} files in tests and checking that a bad one is rejected naming the file. */
public final class DataFiles {
    private DataFiles() {}

    public static Path write(Path file, String text) throws IOException {
        Files.writeString(file, text);
        return file;
    }

    /** A product rule file whose product {@code p} has {@code rules} (JSON objects, comma-separated). */
    public static String productP(String rules) {
        return "{\"Version\": \"1\", \"Config\": {\"p\": [" + rules + "]}}";
    }

    /** Writes {@code text} to {@code file}; loading it must fail with a message that starts with the file. */
    public static String rejected(Path file, String text, DataTable.Loader<?> loader) throws IOException {
        write(file, text);
        ConfigFileException e = assertThrows(ConfigFileException.class, () -> loader.load(file));
        assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
        return e.getMessage();
    }
}
