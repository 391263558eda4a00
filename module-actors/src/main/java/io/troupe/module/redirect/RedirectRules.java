package io.troupe.module.redirect;

import io.troupe.api.condition.Condition;
import io.troupe.api.proxy.config.ConfigFileException;
import io.troupe.api.proxy.config.DataFile;
import io.troupe.module.rules.RuleFiles;
import io.troupe.module.rules.RuleFiles.At;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * BFE's {@code redirect.data}: per product an ordered list of {@code {Cond, Actions: [{Cmd, Params}], Status}};
 * the first rule whose Cond matches redirects. Each rule has exactly one action (BFE's "exclusive action"):
 * {@code URL_SET}, {@code URL_FROM_QUERY}, {@code URL_PREFIX_ADD} or {@code SCHEME_SET}, each with one parameter.
 */
public record RedirectRules(String version, Map<String, List<Rule>> products) {
    enum Cmd { URL_SET, URL_FROM_QUERY, URL_PREFIX_ADD, SCHEME_SET }

    record Rule(Condition cond, Cmd cmd, String param, int status) {}

    /** Loads and checks a whole file; errors name the file and field ({@code Config.p[0].Status}). */
    public static RedirectRules load(Path file) throws ConfigFileException {
        DataFile f = DataFile.load(file);
        return new RedirectRules(f.version(), RuleFiles.productRules(f, rule -> rule(f, rule)));
    }

    private static Rule rule(DataFile f, At rule) throws ConfigFileException {
        At actions = rule.field("Actions");
        if (actions.absent() || actions.node().isArray() && actions.node().isEmpty()) {
            throw f.error(actions.path(), "no Actions");
        }
        List<At> list = RuleFiles.elements(f, actions);
        if (list.size() > 1) {
            throw f.error(actions.path(), "only one (exclusive) action is supported, got " + list.size());
        }
        At a = list.get(0);
        String cmdText = RuleFiles.string(f, a, "Cmd");
        Cmd cmd;
        try {
            cmd = Cmd.valueOf(cmdText);
        } catch (IllegalArgumentException ex) {
            throw f.error(a.path() + ".Cmd", "invalid cmd:" + cmdText);
        }
        List<String> params = RuleFiles.strings(f, a, "Params");
        if (params == null) {
            throw f.error(a.path() + ".Params", "no Params");
        }
        if (params.size() != 1) {
            throw f.error(a.path() + ".Params", "num of params:[ok:1, now:" + params.size() + "]");
        }
        String param = params.get(0);
        if (cmd == Cmd.SCHEME_SET) {
            param = param.toLowerCase(Locale.ROOT);
            if (!param.equals("http") && !param.equals("https")) {
                throw f.error(a.path() + ".Params", "scheme " + params.get(0) + " invalid, only http|https supported now");
            }
        }
        At statusAt = rule.field("Status");
        if (statusAt.absent() || !statusAt.node().canConvertToInt() || statusAt.node().asInt() == 0) {
            throw f.error(statusAt.path(), "redirect code not provided");
        }
        int status = statusAt.node().asInt();
        if (status < 300 || status > 399) {
            throw f.error(statusAt.path(), "not a redirect status (3xx): " + status);
        }
        return new Rule(RuleFiles.cond(f, rule), cmd, param, status);
    }

    List<Rule> product(String name) {
        return name == null ? null : products.get(name);
    }
}
