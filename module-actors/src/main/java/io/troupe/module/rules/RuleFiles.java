package io.troupe.module.rules;

import com.fasterxml.jackson.databind.JsonNode;
import io.troupe.api.condition.Condition;
import io.troupe.api.proxy.config.ConfigFileException;
import io.troupe.api.proxy.config.DataFile;
import io.troupe.module.support.Json;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Reading the per-product rule files BFE's mod_header, mod_redirect and mod_rewrite share
 * ({@code {"Version", "Config": {product: [rule, ...]}}}): fields are looked up case-insensitively, and every
 * error names the file and the field path, such as {@code Config.example_product[0].Actions[1].Cmd}.
 */
public final class RuleFiles {
    private RuleFiles() {}

    /** One rule object and where it sits in the file. */
    public record At(JsonNode node, String path) {
        public At field(String name) {
            return new At(DataFile.field(node, name), path + "." + name);
        }

        public boolean absent() {
            return node == null || node.isNull();
        }
    }

    /**
     * The product lists of {@code Config}, each checked to be a list (BFE rejects {@code "p": null}).
     *
     * @return product → its rules, in file order
     */
    public static Map<String, List<At>> products(DataFile f) throws ConfigFileException {
        JsonNode config = f.config();
        if (!config.isObject()) {
            throw f.error("Config", "must be an object of product → rule list");
        }
        Map<String, List<At>> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : config.properties()) {
            String p = "Config." + e.getKey();
            JsonNode list = e.getValue();
            if (list == null || list.isNull()) {
                throw f.error(p, "no rule list for product " + e.getKey());
            }
            out.put(e.getKey(), elements(f, new At(list, p)));
        }
        return out;
    }

    /** Reads one rule object. */
    @FunctionalInterface
    public interface RuleReader<R> {
        R read(At rule) throws ConfigFileException;
    }

    /**
     * The product lists of {@code Config} with each rule read by {@code reader}, after checking that the rule has
     * a {@code Cond} (the first check BFE's mod_redirect and mod_rewrite make).
     */
    public static <R> Map<String, List<R>> productRules(DataFile f, RuleReader<R> reader) throws ConfigFileException {
        Map<String, List<R>> out = new HashMap<>();
        for (Map.Entry<String, List<At>> e : products(f).entrySet()) {
            List<R> rules = new ArrayList<>();
            for (At rule : e.getValue()) {
                if (rule.field("Cond").absent()) {
                    throw f.error(rule.path() + ".Cond", "missing");
                }
                rules.add(reader.read(rule));
            }
            out.put(e.getKey(), List.copyOf(rules));
        }
        return Map.copyOf(out);
    }

    /** The elements of a JSON list, each with its path. */
    public static List<At> elements(DataFile f, At list) throws ConfigFileException {
        if (!list.node().isArray()) {
            throw f.error(list.path(), "must be a list");
        }
        List<At> out = new ArrayList<>();
        for (int i = 0; i < list.node().size(); i++) {
            out.add(new At(list.node().get(i), list.path() + "[" + i + "]"));
        }
        return out;
    }

    /** A required field that passes {@code ok}; {@code expected} is the error otherwise. */
    private static JsonNode required(DataFile f, At obj, String name, Predicate<JsonNode> ok, String expected)
            throws ConfigFileException {
        At v = obj.field(name);
        if (v.absent()) {
            throw f.error(v.path(), "missing");
        }
        if (!ok.test(v.node())) {
            throw f.error(v.path(), expected);
        }
        return v.node();
    }

    /** A required string field. */
    public static String string(DataFile f, At obj, String name) throws ConfigFileException {
        return required(f, obj, name, JsonNode::isTextual, "must be a string").asText();
    }

    /** A required boolean field. */
    public static boolean bool(DataFile f, At obj, String name) throws ConfigFileException {
        return required(f, obj, name, JsonNode::isBoolean, "must be true or false").asBoolean();
    }

    /** A list of strings; {@code null} when the field is absent or JSON null. */
    public static List<String> strings(DataFile f, At obj, String name) throws ConfigFileException {
        At v = obj.field(name);
        if (v.absent()) {
            return null;
        }
        if (!v.node().isArray()) {
            throw f.error(v.path(), "must be a list of strings");
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < v.node().size(); i++) {
            JsonNode s = v.node().get(i);
            if (!s.isTextual()) {
                throw f.error(v.path() + "[" + i + "]", "must be a string");
            }
            out.add(s.asText());
        }
        return out;
    }

    /** The rule's required {@code Cond}, compiled. */
    public static Condition cond(DataFile f, At rule) throws ConfigFileException {
        return Json.condition(f.file(), rule.path(), string(f, rule, "Cond"));
    }
}
