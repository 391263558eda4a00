package io.troupe.module.block;

import com.fasterxml.jackson.databind.JsonNode;
import io.troupe.api.condition.Condition;
import io.troupe.api.condition.ConditionException;
import io.troupe.api.condition.ConditionList;
import io.troupe.api.condition.Conditions;
import io.troupe.api.proxy.config.ConfigFileException;
import io.troupe.api.proxy.config.DataFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * mod_block's product rules ({@code block_rules.data}), immutable:
 * {@code {"Version": "...", "Config": {"<product>": [{"Cond": "...", "Name": "...", "Action": {"Cmd": "CLOSE", "Params": []}}]}}}.
 * The reserved product {@value #GLOBAL} holds the rules checked for every request before the product's own.
 *
 * <p>Checks, as BFE's {@code ProductRuleConfLoad} (any failure rejects the whole file, naming the field path):
 * {@code Version} and {@code Config} present; a product's list not {@code null} ({@code []} is fine); every
 * rule has {@code Cond}, {@code Name} and {@code Action}; {@code Action.Cmd} is {@code CLOSE} or {@code ALLOW};
 * {@code Action.Params} present and empty; names unique within a product; every {@code Cond} compiles. Keys
 * of rules and actions match case-insensitively; product names and command values are exact.
 */
public final class BlockRules {

    /** The product whose rules are checked first for every request (BFE's {@code GlobalProduct}). */
    public static final String GLOBAL = "global";

    /** The commands a rule may carry. */
    public static final Set<String> COMMANDS = Set.of("CLOSE", "ALLOW");

    /** One compiled rule. */
    public record Rule(String name, Condition cond, String cmd, List<String> params) {}

    /** A product's rules and their conditions as one list, which finds the first match with less work per rule. */
    record Product(Rule[] rules, ConditionList conditions) {
        Product(Rule[] rules) {
            this(rules, ConditionList.of(Arrays.stream(rules).map(Rule::cond).toList()));
        }
    }

    /** No rules. */
    public static final BlockRules EMPTY = new BlockRules("", Map.of());

    private final String version;
    private final Map<String, Product> byProduct;

    /** A table built by hand (tests); {@link #load} is the checked way. */
    BlockRules(String version, Map<String, List<Rule>> rules) {
        this.version = version;
        Map<String, Product> m = new HashMap<>();
        rules.forEach((p, l) -> m.put(p, new Product(l.toArray(new Rule[0]))));
        this.byProduct = Map.copyOf(m);
    }

    /**
     * Loads and checks a whole file.
     *
     * @throws ConfigFileException naming the file and the field path ({@code Config.p[2].Action.Params})
     */
    public static BlockRules load(Path file) throws ConfigFileException {
        DataFile f = DataFile.load(file);
        JsonNode config = f.config();
        if (!config.isObject()) {
            throw f.error("Config", "must be an object of product name to rule list, got " + config.getNodeType());
        }
        Map<String, List<Rule>> out = new HashMap<>();
        for (Map.Entry<String, JsonNode> e : config.properties()) {
            String product = e.getKey();
            String at = "Config." + product;
            JsonNode list = e.getValue();
            if (list.isNull()) {
                throw f.error(at, "rule list is null (use [] for no rules)");
            }
            if (!list.isArray()) {
                throw f.error(at, "must be a list of rules, got " + list.getNodeType());
            }
            List<Rule> rules = new ArrayList<>();
            Set<String> names = new HashSet<>();
            for (int i = 0; i < list.size(); i++) {
                Rule r = rule(f, at + "[" + i + "]", list.get(i));
                if (!names.add(r.name())) {
                    throw f.error(at + "[" + i + "].Name", "two rules of product " + product + " are named " + r.name());
                }
                rules.add(r);
            }
            out.put(product, List.copyOf(rules));
        }
        return new BlockRules(f.version(), out);
    }

    private static Rule rule(DataFile f, String at, JsonNode n) throws ConfigFileException {
        if (!n.isObject()) {
            throw f.error(at, "must be an object {Cond, Name, Action}, got " + n.getNodeType());
        }
        String cond = string(f, at + ".Cond", DataFile.field(n, "Cond"));
        String name = string(f, at + ".Name", DataFile.field(n, "Name"));
        JsonNode action = DataFile.field(n, "Action");
        if (action == null || action.isNull()) {
            throw f.error(at + ".Action", "missing");
        }
        if (!action.isObject()) {
            throw f.error(at + ".Action", "must be an object {Cmd, Params}, got " + action.getNodeType());
        }
        String cmd = string(f, at + ".Action.Cmd", DataFile.field(action, "Cmd"));
        if (!COMMANDS.contains(cmd)) {
            throw f.error(at + ".Action.Cmd", "invalid cmd " + cmd + " (CLOSE or ALLOW)");
        }
        JsonNode params = DataFile.field(action, "Params");
        if (params == null || params.isNull()) {
            throw f.error(at + ".Action.Params", "missing (use [] for no parameters)");
        }
        if (!params.isArray()) {
            throw f.error(at + ".Action.Params", "must be a list of strings, got " + params.getNodeType());
        }
        for (int i = 0; i < params.size(); i++) {
            if (!params.get(i).isTextual()) {
                throw f.error(at + ".Action.Params[" + i + "]", "must be a string");
            }
        }
        if (params.size() != 0) {
            throw f.error(at + ".Action.Params", cmd + " takes 0 parameters, got " + params.size());
        }
        Condition c;
        try {
            c = Conditions.build(cond);
        } catch (ConditionException e) {
            throw new ConfigFileException(f.file(), at + ".Cond", e.getMessage() + " in \"" + cond + "\"", e);
        }
        return new Rule(name, c, cmd, List.of());
    }

    private static String string(DataFile f, String at, JsonNode v) throws ConfigFileException {
        if (v == null || v.isNull()) {
            throw f.error(at, "missing");
        }
        if (!v.isTextual()) {
            throw f.error(at, "must be a string, got " + v.getNodeType());
        }
        return v.asText();
    }

    /** The file's {@code Version}. */
    public String version() {
        return version;
    }

    /** The rules of a product in file order, or {@code null} when the file has no entry for it. */
    Rule[] rules(String product) {
        Product p = product(product);
        return p == null ? null : p.rules();
    }

    /** The rules of a product with their condition list, or {@code null} when the file has no entry for it. */
    Product product(String product) {
        return product == null ? null : byProduct.get(product);
    }

    /** The products with a rule list, {@value #GLOBAL} included. */
    public Set<String> products() {
        return byProduct.keySet();
    }

    /** Number of rules over all products. */
    public int ruleCount() {
        int n = 0;
        for (Product p : byProduct.values()) {
            n += p.rules().length;
        }
        return n;
    }
}
