package io.troupe.module.header;

import io.troupe.api.condition.Condition;
import io.troupe.api.proxy.config.ConfigFileException;
import io.troupe.api.proxy.config.DataFile;
import io.troupe.module.rules.RuleFiles;
import io.troupe.module.rules.RuleFiles.At;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * BFE's {@code header_rule.data}: per product an ordered list of {@code {Cond, Actions: [{Cmd, Params}], Last}}.
 * As in BFE each rule is split at load into its request actions and its response actions, so {@code Last}
 * stops only the rules of the phase that has actions in the matching rule.
 */
public final class HeaderRules {
    /** A rule as one phase sees it. */
    record Rule(Condition cond, List<HeaderAction> actions, boolean last) {}

    /** A product's request-phase and response-phase rules. */
    record Product(List<Rule> request, List<Rule> response) {}

    private final String version;
    private final Map<String, Product> products;

    private HeaderRules(String version, Map<String, Product> products) {
        this.version = version;
        this.products = products;
    }

    /** Loads and checks a whole file; errors name the file and field ({@code Config.p[0].Actions[1].Params}). */
    public static HeaderRules load(Path file) throws ConfigFileException {
        DataFile f = DataFile.load(file);
        Map<String, Product> out = new HashMap<>();
        for (Map.Entry<String, List<At>> e : RuleFiles.products(f).entrySet()) {
            List<Rule> req = new ArrayList<>();
            List<Rule> rsp = new ArrayList<>();
            for (At rule : e.getValue()) {
                At actionsAt = rule.field("Actions");
                if (actionsAt.absent()) {
                    throw f.error(actionsAt.path(), "missing");
                }
                List<HeaderAction> reqActions = new ArrayList<>();
                List<HeaderAction> rspActions = new ArrayList<>();
                for (At a : RuleFiles.elements(f, actionsAt)) {
                    String cmd = RuleFiles.string(f, a, "Cmd");
                    List<String> params = RuleFiles.strings(f, a, "Params");
                    HeaderAction action;
                    try {
                        action = HeaderAction.of(cmd, params);
                    } catch (IllegalArgumentException ex) {
                        throw f.error(a.path(), ex.getMessage());
                    }
                    (action.request ? reqActions : rspActions).add(action);
                }
                boolean last = RuleFiles.bool(f, rule, "Last");
                Condition cond = RuleFiles.cond(f, rule);
                if (!reqActions.isEmpty()) {
                    req.add(new Rule(cond, List.copyOf(reqActions), last));
                }
                if (!rspActions.isEmpty()) {
                    rsp.add(new Rule(cond, List.copyOf(rspActions), last));
                }
            }
            out.put(e.getKey(), new Product(List.copyOf(req), List.copyOf(rsp)));
        }
        return new HeaderRules(f.version(), Map.copyOf(out));
    }

    public String version() {
        return version;
    }

    /** The rules of a product, or {@code null} when the file has none for it. */
    Product product(String name) {
        return name == null ? null : products.get(name);
    }
}
