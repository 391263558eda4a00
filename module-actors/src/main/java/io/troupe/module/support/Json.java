package io.troupe.module.support;

import com.fasterxml.jackson.databind.JsonNode;
import io.troupe.api.condition.Condition;
import io.troupe.api.condition.ConditionException;
import io.troupe.api.condition.Conditions;
import io.troupe.api.proxy.config.ConfigFileException;
import io.troupe.api.proxy.config.DataFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * BFE {@code .data} JSON: {@code {"Version":…,"Config":…}}. Keys are matched case-insensitively as Go's
 * encoding/json does; every error names the file and the field path.
 */
public final class Json {
    private Json() {}

    /** Reads a whole file as a JSON object with the runtime's reader (DataFile), whose errors give line and column. */
    public static JsonNode read(Path file) throws ConfigFileException {
        JsonNode n = DataFile.readTree(file);
        if (!n.isObject()) {
            throw new ConfigFileException(file, "", "expected a JSON object");
        }
        return n;
    }

    /** The member named {@code name} in any case (Go's rule), or {@code null} when absent; a JSON null counts as absent. */
    public static JsonNode get(JsonNode obj, String name) {
        JsonNode n = DataFile.field(obj, name);
        return n == null || n.isNull() ? null : n;
    }

    /** A member that must be present. */
    public static JsonNode require(Path file, JsonNode obj, String path, String name) throws ConfigFileException {
        JsonNode n = get(obj, name);
        if (n == null) {
            throw new ConfigFileException(file, join(path, name), "missing");
        }
        return n;
    }

    /** {@code n} itself (null stays null) when it passes {@code ok}; else the error {@code expected} at the member. */
    private static JsonNode typed(Path file, String path, String name, JsonNode n, Predicate<JsonNode> ok, String expected)
            throws ConfigFileException {
        if (n != null && !ok.test(n)) {
            throw new ConfigFileException(file, join(path, name), expected);
        }
        return n;
    }

    public static String string(Path file, JsonNode obj, String path, String name) throws ConfigFileException {
        return typed(file, path, name, require(file, obj, path, name), JsonNode::isTextual, "expected a string").asText();
    }

    public static String optString(Path file, JsonNode obj, String path, String name, String dflt) throws ConfigFileException {
        JsonNode n = typed(file, path, name, get(obj, name), JsonNode::isTextual, "expected a string");
        return n == null ? dflt : n.asText();
    }

    public static long number(Path file, JsonNode obj, String path, String name) throws ConfigFileException {
        return typed(file, path, name, require(file, obj, path, name), JsonNode::isIntegralNumber, "expected an integer")
                .asLong();
    }

    public static long optNumber(Path file, JsonNode obj, String path, String name, long dflt) throws ConfigFileException {
        return get(obj, name) == null ? dflt : number(file, obj, path, name);
    }

    public static boolean optBool(Path file, JsonNode obj, String path, String name, boolean dflt) throws ConfigFileException {
        JsonNode n = typed(file, path, name, get(obj, name), JsonNode::isBoolean, "expected true or false");
        return n == null ? dflt : n.asBoolean();
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

    /** The required {@code Cond} of the rule at {@code path}, compiled. */
    public static Condition cond(Path file, JsonNode rule, String path) throws ConfigFileException {
        return condition(file, path, string(file, rule, path, "Cond"));
    }

    /** A rule's {@code Cond} text compiled; an error names {@code <path>.Cond}. */
    public static Condition condition(Path file, String path, String text) throws ConfigFileException {
        try {
            return Conditions.build(text);
        } catch (ConditionException e) {
            throw new ConfigFileException(file, path + ".Cond", e.getMessage(), e);
        }
    }

    /** Reads one rule object found at {@code path} (such as {@code Config.p[0]}). */
    @FunctionalInterface
    public interface RuleReader<R> {
        R read(JsonNode rule, String path) throws ConfigFileException;
    }

    /**
     * A product rule file's {@code Config}: product → its rules in file order, each read at
     * {@code Config.<product>[i]}.
     *
     * @param noList the error for a product whose list is JSON null (followed by the product's name), or
     *               {@code null} to report it as not a list
     */
    public static <R> Map<String, List<R>> productRules(Path file, JsonNode config, String noList, RuleReader<R> reader)
            throws ConfigFileException {
        Map<String, List<R>> byProduct = new HashMap<>();
        for (Map.Entry<String, JsonNode> e : config.properties()) {
            String path = "Config." + e.getKey();
            if (noList != null && e.getValue().isNull()) {
                throw new ConfigFileException(file, path, noList + " " + e.getKey());
            }
            if (!e.getValue().isArray()) {
                throw new ConfigFileException(file, path, "expected a list of rules");
            }
            List<R> rules = new ArrayList<>();
            for (int i = 0; i < e.getValue().size(); i++) {
                rules.add(reader.read(e.getValue().get(i), path + "[" + i + "]"));
            }
            byProduct.put(e.getKey(), List.copyOf(rules));
        }
        return Map.copyOf(byProduct);
    }

    public static String join(String path, String name) {
        return path == null || path.isEmpty() ? name : path + "." + name;
    }
}
