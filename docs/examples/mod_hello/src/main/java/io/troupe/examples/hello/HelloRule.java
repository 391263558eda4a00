package io.troupe.examples.hello;

import com.fasterxml.jackson.databind.JsonNode;
import io.troupe.api.proxy.config.ConfigFileException;
import io.troupe.api.proxy.config.DataFile;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * One loaded {@code hello_rule.data}: the header mod_hello sets on every response, and the file's version.
 *
 * <pre>{@code
 * {"Version": "hello-1", "Config": {"Header": "X-Hello", "Value": "hello from mod_hello"}}
 * }</pre>
 *
 * @param version the file's {@code Version}
 * @param header the header name ({@code Config.Header}), an HTTP token
 * @param value the header value ({@code Config.Value}), one line of visible characters
 */
public record HelloRule(String version, String header, String value) {

    // RFC 9110 token: what a header name may be made of
    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
    // a value must not split the response head: no CR, LF or other control characters
    private static final Pattern VALUE = Pattern.compile("[\\t\\x20-\\x7e\\x80-\\x{10ffff}]*");

    /**
     * Loads and checks a rule file.
     *
     * @throws ConfigFileException naming the file and field ({@code Config.Header}, {@code Config.Value})
     */
    public static HelloRule load(Path file) throws ConfigFileException {
        DataFile f = DataFile.load(file);
        String header = text(f, "Header");
        if (header.isEmpty() || !TOKEN.matcher(header).matches()) {
            throw f.error("Config.Header", "not a header name: \"" + header + "\"");
        }
        String value = text(f, "Value");
        if (!VALUE.matcher(value).matches()) {
            throw f.error("Config.Value", "contains a control character");
        }
        return new HelloRule(f.version(), header, value);
    }

    /** A required string field of {@code Config}, looked up case-insensitively like BFE's Go decoder. */
    private static String text(DataFile f, String name) throws ConfigFileException {
        JsonNode node = DataFile.field(f.config(), name);
        if (node == null || node.isNull()) {
            throw f.error("Config." + name, "missing");
        }
        if (!node.isTextual()) {
            throw f.error("Config." + name, "must be a string, got " + node.getNodeType().name().toLowerCase());
        }
        return node.asText();
    }
}
