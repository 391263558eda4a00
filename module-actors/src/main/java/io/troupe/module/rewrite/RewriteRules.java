package io.troupe.module.rewrite;

import io.troupe.api.condition.Condition;
import io.troupe.api.proxy.config.ConfigFileException;
import io.troupe.api.proxy.config.DataFile;
import io.troupe.module.rules.RuleFiles;
import io.troupe.module.rules.RuleFiles.At;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * BFE's {@code rewrite.data}: per product an ordered list of {@code {Cond, Actions: [{Cmd, Params}], Last}};
 * every matching rule's actions run, in order, until a matching rule with {@code Last: true}.
 */
public record RewriteRules(String version, Map<String, List<Rule>> products) {
    /** The rewrite actions (BFE's mod_rewrite allow list) and their parameter counts; -1 = any. */
    enum Cmd {
        HOST_SET_FROM_PATH_PREFIX(0), HOST_SET(1), PATH_SET(1), PATH_PREFIX_ADD(1), PATH_PREFIX_TRIM(1),
        QUERY_ADD(2), QUERY_DEL(-1), QUERY_RENAME(2), QUERY_DEL_ALL_EXCEPT(-1);

        final int params;

        Cmd(int params) {
            this.params = params;
        }
    }

    record Action(Cmd cmd, List<String> params) {}

    record Rule(Condition cond, List<Action> actions, boolean last) {}

    /** Loads and checks a whole file; errors name the file and field ({@code Config.p[0].Actions[0].Cmd}). */
    public static RewriteRules load(Path file) throws ConfigFileException {
        DataFile f = DataFile.load(file);
        return new RewriteRules(f.version(), RuleFiles.productRules(f, rule -> rule(f, rule)));
    }

    private static Rule rule(DataFile f, At rule) throws ConfigFileException {
        At actionsAt = rule.field("Actions");
        if (actionsAt.absent()) {
            throw f.error(actionsAt.path(), "no Actions");
        }
        List<Action> actions = new ArrayList<>();
        for (At a : RuleFiles.elements(f, actionsAt)) {
            actions.add(action(f, a));
        }
        boolean last = RuleFiles.bool(f, rule, "Last");
        return new Rule(RuleFiles.cond(f, rule), List.copyOf(actions), last);
    }

    private static Action action(DataFile f, At a) throws ConfigFileException {
        // BFE upper-cases Cmd before checking it
        String text = RuleFiles.string(f, a, "Cmd").toUpperCase(Locale.ROOT);
        Cmd cmd;
        try {
            cmd = Cmd.valueOf(text);
        } catch (IllegalArgumentException ex) {
            throw f.error(a.path() + ".Cmd", "invalid cmd:" + text + " (mod_rewrite allows " + List.of(Cmd.values()) + ")");
        }
        List<String> params = RuleFiles.strings(f, a, "Params");
        if (params == null) {
            params = List.of();
        }
        if (cmd.params >= 0 && params.size() != cmd.params) {
            throw f.error(a.path() + ".Params", "num of params:[ok:" + cmd.params + ", now:" + params.size() + "]");
        }
        for (int i = 0; i < params.size(); i++) {
            if (params.get(i).isEmpty()) {
                throw f.error(a.path() + ".Params[" + i + "]", "empty Params");
            }
        }
        if ((cmd == Cmd.PATH_SET) && !params.get(0).startsWith("/")) {
            throw f.error(a.path() + ".Params[0]", "a path must start with '/': " + params.get(0));
        }
        return new Action(cmd, List.copyOf(params));
    }

    List<Rule> product(String name) {
        return name == null ? null : products.get(name);
    }
}
