package io.troupe.module.prison;

import com.fasterxml.jackson.databind.JsonNode;
import io.troupe.api.condition.Condition;
import io.troupe.api.condition.ConditionException;
import io.troupe.api.condition.Conditions;
import io.troupe.api.proxy.config.ConfigFileException;
import io.troupe.module.support.Json;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** prison.data: product → prison rules, every field required as BFE's CheckNilField requires it. */
record PrisonRules(String version, Map<String, List<PrisonRule>> byProduct) {

    /** BFE's allowActions for mod_prison, with the number of params each takes. */
    static final Map<String, Integer> ACTIONS = Map.of("CLOSE", 0, "PASS", 0, "FINISH", 0, "REQ_HEADER_SET", 2);

    static PrisonRules load(Path file, LongSupplier clock) throws ConfigFileException {
        JsonNode root = Json.read(file);
        String version = Json.version(file, root);
        JsonNode config = Json.config(file, root);
        Map<String, List<PrisonRule>> byProduct = new HashMap<>();
        Iterator<Map.Entry<String, JsonNode>> it = config.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            String path = "Config." + e.getKey();
            if (e.getValue().isNull()) {
                throw new ConfigFileException(file, path, "no prisonRuleList for product " + e.getKey());
            }
            if (!e.getValue().isArray()) {
                throw new ConfigFileException(file, path, "expected a list of rules");
            }
            List<PrisonRule> rules = new ArrayList<>();
            Set<String> names = new HashSet<>();
            for (int i = 0; i < e.getValue().size(); i++) {
                PrisonRule r = rule(file, e.getValue().get(i), path + "[" + i + "]", clock);
                if (!names.add(r.name)) {
                    throw new ConfigFileException(file, path + "[" + i + "].Name", "duplicated rule name " + r.name);
                }
                rules.add(r);
            }
            byProduct.put(e.getKey(), List.copyOf(rules));
        }
        return new PrisonRules(version, Map.copyOf(byProduct));
    }

    private static PrisonRule rule(Path file, JsonNode r, String path, LongSupplier clock) throws ConfigFileException {
        if (!r.isObject()) {
            throw new ConfigFileException(file, path, "expected a rule object");
        }
        String cond = Json.string(file, r, path, "Cond");
        JsonNode action = Json.require(file, r, path, "Action");
        JsonNode sign = Json.require(file, r, path, "AccessSignConf");
        String name = Json.string(file, r, path, "Name");
        long check = Json.number(file, r, path, "CheckPeriod");
        long stay = Json.number(file, r, path, "StayPeriod");
        long threshold = Json.number(file, r, path, "Threshold");
        long accessSize = Json.number(file, r, path, "AccessDictSize");
        long prisonSize = Json.number(file, r, path, "PrisonDictSize");
        String apath = path + ".Action";
        String cmd = Json.string(file, action, apath, "Cmd");
        Integer nParams = ACTIONS.get(cmd);
        if (nParams == null) {
            throw new ConfigFileException(file, apath + ".Cmd", "action " + cmd + " not allowed (one of " + ACTIONS.keySet() + ")");
        }
        List<String> params = Json.strings(file, action, apath, "Params");
        if (params.size() != nParams) {
            throw new ConfigFileException(file, apath + ".Params", cmd + " takes " + nParams + " params, not " + params.size());
        }
        Condition c;
        try {
            c = Conditions.build(cond);
        } catch (ConditionException ex) {
            throw new ConfigFileException(file, path + ".Cond", ex.getMessage());
        }
        String spath = path + ".AccessSignConf";
        String regexp = Json.optString(file, sign, spath, "UrlRegexp", "");
        Pattern p = null;
        if (!regexp.isEmpty()) {
            try {
                p = Pattern.compile(regexp);
            } catch (PatternSyntaxException ex) {
                throw new ConfigFileException(file, spath + ".UrlRegexp", ex.getDescription());
            }
            if (p.matcher("").groupCount() <= 0) {
                throw new ConfigFileException(file, spath + ".UrlRegexp", "regexp " + regexp + " has no subexpression");
            }
        }
        PrisonRule.SignConf sc = new PrisonRule.SignConf(
                Json.optBool(file, sign, spath, "UseSocketIP", false), Json.optBool(file, sign, spath, "UseClientIP", false),
                Json.optBool(file, sign, spath, "UseConnectID", false), Json.optBool(file, sign, spath, "UseUrl", false),
                Json.optBool(file, sign, spath, "UseHost", false), Json.optBool(file, sign, spath, "UsePath", false),
                Json.optBool(file, sign, spath, "UseHeaders", false), p,
                Json.strings(file, sign, spath, "Query"), Json.strings(file, sign, spath, "Header"),
                Json.strings(file, sign, spath, "Cookie"));
        if (check <= 0) {
            throw new ConfigFileException(file, path + ".CheckPeriod", "should be > 0");
        }
        if (threshold < 0 || threshold > Integer.MAX_VALUE) {
            throw new ConfigFileException(file, path + ".Threshold", "should be >= 0");
        }
        if (stay < 0) {
            throw new ConfigFileException(file, path + ".StayPeriod", "should be >= 0");
        }
        if (accessSize <= 0 || accessSize > Integer.MAX_VALUE) {
            throw new ConfigFileException(file, path + ".AccessDictSize", "should be > 0");
        }
        if (prisonSize <= 0 || prisonSize > Integer.MAX_VALUE) {
            throw new ConfigFileException(file, path + ".PrisonDictSize", "should be > 0");
        }
        return new PrisonRule(name, c, cond, cmd, List.copyOf(params), sc, check, stay, (int) threshold,
                (int) accessSize, (int) prisonSize, clock);
    }
}
