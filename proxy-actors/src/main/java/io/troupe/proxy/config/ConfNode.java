package io.troupe.proxy.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One value in a BFE JSON config file, with the file name and the field path it came from, so every error
 * can name both. Field lookup follows Go's {@code encoding/json}: struct field names match case-insensitively
 * (the last matching key in the document wins), map keys (product, cluster names) are case-sensitive, and
 * {@code null} is the same as an absent field.
 */
public final class ConfNode {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final String file;
    private final String path;
    private final JsonNode node;

    private ConfNode(String file, String path, JsonNode node) {
        this.file = file;
        this.path = path;
        this.node = node;
    }

    /** Reads and parses a whole file; a missing, unreadable, empty or malformed file is an error naming it. */
    public static ConfNode read(Path file) throws ConfigException {
        String name = file.toString();
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException(name, "", "file not found");
        } catch (IOException e) {
            throw new ConfigException(name, "", "cannot read file: " + e.getMessage());
        }
        try {
            JsonNode root = MAPPER.readTree(bytes);
            if (root == null || root.isMissingNode()) {
                throw new ConfigException(name, "", "file is empty, expected a JSON object");
            }
            if (!root.isObject()) {
                throw new ConfigException(name, "", "expected a JSON object, got " + kind(root));
            }
            return new ConfNode(name, "", root);
        } catch (JsonProcessingException e) {
            throw new ConfigException(name, "", "invalid JSON: " + io.troupe.api.proxy.config.DataFile.jsonError(e));
        } catch (IOException e) {
            throw new ConfigException(name, "", "cannot parse file: " + e.getMessage());
        }
    }

    /** The file this value came from. */
    public String file() {
        return file;
    }

    /** The field path ({@code Config.cluster_a.CheckConf.Uri}); empty for the root. */
    public String path() {
        return path;
    }

    /** Whether the value is there and not {@code null}. */
    public boolean present() {
        return node != null && !node.isNull();
    }

    /** An error about this field. */
    public ConfigException error(String reason) {
        return new ConfigException(file, path, reason);
    }

    /** A struct field, matched case-insensitively like Go; absent when this value is not an object. */
    public ConfNode field(String name) throws ConfigException {
        String childPath = path.isEmpty() ? name : path + "." + name;
        if (!present()) {
            return new ConfNode(file, childPath, null);
        }
        if (!node.isObject()) {
            throw error("expected an object, got " + kind(node));
        }
        JsonNode found = null;
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            if (e.getKey().equalsIgnoreCase(name)) {
                found = e.getValue();
            }
        }
        return new ConfNode(file, childPath, found);
    }

    /** The field {@code name}, which must be present: absent or null is the error "missing (BFE: no name)". */
    public ConfNode required(String name) throws ConfigException {
        ConfNode f = field(name);
        if (!f.present()) {
            throw f.error("missing (BFE: no " + name + ")");
        }
        return f;
    }

    /** {@link #required} as a string. */
    public String requiredString(String name) throws ConfigException {
        return required(name).asString();
    }

    /** {@link #required} as a map-valued object. */
    public Map<String, ConfNode> requiredEntries(String name) throws ConfigException {
        return required(name).entries();
    }

    /** The field names of this object that match none of {@code known} (case-insensitively). */
    public List<String> unknownFields(Set<String> known) {
        List<String> unknown = new ArrayList<>();
        if (!present() || !node.isObject()) {
            return unknown;
        }
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (known.stream().noneMatch(key::equalsIgnoreCase)) {
                unknown.add(path.isEmpty() ? key : path + "." + key);
            }
        }
        return unknown;
    }

    /** Adds a warning line for every unknown field of this object (Go ignores them; we say so). */
    public void warnUnknown(Set<String> known, List<String> warnings) {
        for (String f : unknownFields(known)) {
            warnings.add(file + ": " + f + ": unknown field, ignored");
        }
    }

    /** The string value, or {@code null} when absent. */
    public String asString() throws ConfigException {
        if (!present()) {
            return null;
        }
        if (!node.isTextual()) {
            throw error("expected a string, got " + kind(node));
        }
        return node.textValue();
    }

    /** The integer value, or {@code null} when absent; fractions and out-of-range numbers are errors. */
    public Integer asInt() throws ConfigException {
        if (!present()) {
            return null;
        }
        if (!node.isIntegralNumber()) {
            throw error("expected an integer, got " + kind(node) + (node.isNumber() ? " " + node.asText() : ""));
        }
        if (!node.canConvertToInt()) {
            throw error("integer " + node.asText() + " is out of range");
        }
        return node.intValue();
    }

    /** The boolean value, or {@code null} when absent. */
    public Boolean asBool() throws ConfigException {
        if (!present()) {
            return null;
        }
        if (!node.isBoolean()) {
            throw error("expected true or false, got " + kind(node));
        }
        return node.booleanValue();
    }

    /** The elements of an array ({@code path[i]}), or {@code null} when absent. */
    public List<ConfNode> elements() throws ConfigException {
        if (!present()) {
            return null;
        }
        if (!node.isArray()) {
            throw error("expected an array, got " + kind(node));
        }
        List<ConfNode> out = new ArrayList<>(node.size());
        for (int i = 0; i < node.size(); i++) {
            out.add(new ConfNode(file, path + "[" + i + "]", node.get(i)));
        }
        return out;
    }

    /** The entries of a map-valued object in document order ({@code path.key}), or {@code null} when absent. */
    public Map<String, ConfNode> entries() throws ConfigException {
        if (!present()) {
            return null;
        }
        if (!node.isObject()) {
            throw error("expected an object, got " + kind(node));
        }
        Map<String, ConfNode> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            String childPath = path.isEmpty() ? e.getKey() : path + "." + e.getKey();
            out.put(e.getKey(), new ConfNode(file, childPath, e.getValue()));
        }
        return out;
    }

    /** A list of strings, or {@code null} when absent. */
    public List<String> asStringList() throws ConfigException {
        List<ConfNode> items = elements();
        if (items == null) {
            return null;
        }
        List<String> out = new ArrayList<>(items.size());
        for (ConfNode item : items) {
            String s = item.asString();
            if (s == null) {
                throw item.error("expected a string, got null");
            }
            out.add(s);
        }
        return out;
    }

    private static String kind(JsonNode n) {
        switch (n.getNodeType()) {
            case ARRAY: return "an array";
            case OBJECT: return "an object";
            case STRING: return "a string";
            case NUMBER: return "a number";
            case BOOLEAN: return "a boolean";
            case NULL: return "null";
            default: return n.getNodeType().toString().toLowerCase();
        }
    }
}
