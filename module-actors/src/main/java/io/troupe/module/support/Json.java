package io.troupe.module.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.troupe.api.proxy.config.ConfigFileException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * BFE {@code .data} JSON: {@code {"Version":…,"Config":…}}. Keys are matched case-insensitively as Go's
 * encoding/json does; every error names the file and the field path.
 */
public final class Json {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {}

    /** Reads a whole file as a JSON object. */
    public static JsonNode read(Path file) throws ConfigFileException {
        JsonNode n;
        try {
            n = MAPPER.readTree(file.toFile());
        } catch (IOException e) {
            throw new ConfigFileException(file, "", "not valid JSON: " + e.getMessage(), e);
        }
        if (n == null || !n.isObject()) {
            throw new ConfigFileException(file, "", "expected a JSON object");
        }
        return n;
    }

    /** The member named {@code name} in any case, or {@code null} when absent (a JSON null counts as absent). */
    public static JsonNode get(JsonNode obj, String name) {
        if (obj == null || !obj.isObject()) {
            return null;
        }
        JsonNode exact = obj.get(name);
        if (exact != null) {
            return exact.isNull() ? null : exact;
        }
        Iterator<Map.Entry<String, JsonNode>> it = obj.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equalsIgnoreCase(name)) {
                return e.getValue().isNull() ? null : e.getValue();
            }
        }
        return null;
    }

    /** A member that must be present. */
    public static JsonNode require(Path file, JsonNode obj, String path, String name) throws ConfigFileException {
        JsonNode n = get(obj, name);
        if (n == null) {
            throw new ConfigFileException(file, join(path, name), "missing");
        }
        return n;
    }

    public static String string(Path file, JsonNode obj, String path, String name) throws ConfigFileException {
        JsonNode n = require(file, obj, path, name);
        if (!n.isTextual()) {
            throw new ConfigFileException(file, join(path, name), "expected a string");
        }
        return n.asText();
    }

    public static String optString(Path file, JsonNode obj, String path, String name, String dflt) throws ConfigFileException {
        JsonNode n = get(obj, name);
        if (n == null) {
            return dflt;
        }
        if (!n.isTextual()) {
            throw new ConfigFileException(file, join(path, name), "expected a string");
        }
        return n.asText();
    }

    public static long number(Path file, JsonNode obj, String path, String name) throws ConfigFileException {
        JsonNode n = require(file, obj, path, name);
        if (!n.isIntegralNumber()) {
            throw new ConfigFileException(file, join(path, name), "expected an integer");
        }
        return n.asLong();
    }

    public static long optNumber(Path file, JsonNode obj, String path, String name, long dflt) throws ConfigFileException {
        return get(obj, name) == null ? dflt : number(file, obj, path, name);
    }

    public static boolean optBool(Path file, JsonNode obj, String path, String name, boolean dflt) throws ConfigFileException {
        JsonNode n = get(obj, name);
        if (n == null) {
            return dflt;
        }
        if (!n.isBoolean()) {
            throw new ConfigFileException(file, join(path, name), "expected true or false");
        }
        return n.asBoolean();
    }

    /** A list of strings; absent or null gives an empty list. */
    public static List<String> strings(Path file, JsonNode obj, String path, String name) throws ConfigFileException {
        JsonNode n = get(obj, name);
        List<String> out = new ArrayList<>();
        if (n == null) {
            return out;
        }
        if (!n.isArray()) {
            throw new ConfigFileException(file, join(path, name), "expected a list of strings");
        }
        for (int i = 0; i < n.size(); i++) {
            if (!n.get(i).isTextual()) {
                throw new ConfigFileException(file, join(path, name) + "[" + i + "]", "expected a string");
            }
            out.add(n.get(i).asText());
        }
        return out;
    }

    /** The file's {@code Version}, which must be a string. */
    public static String version(Path file, JsonNode root) throws ConfigFileException {
        return string(file, root, "", "Version");
    }

    /** The file's {@code Config}, which must be an object. */
    public static JsonNode config(Path file, JsonNode root) throws ConfigFileException {
        JsonNode c = require(file, root, "", "Config");
        if (!c.isObject()) {
            throw new ConfigFileException(file, "Config", "expected an object");
        }
        return c;
    }

    public static String join(String path, String name) {
        return path == null || path.isEmpty() ? name : path + "." + name;
    }
}
