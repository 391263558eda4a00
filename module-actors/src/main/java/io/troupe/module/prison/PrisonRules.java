package io.troupe.module.prison;

import com.fasterxml.jackson.databind.JsonNode;
import io.troupe.api.condition.Condition;
import io.troupe.api.proxy.config.ConfigFileException;
import io.troupe.module.support.Json;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
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
        Map<String, Set<String>> names = new HashMap<>(); // product's path → its rule names so far
        return new PrisonRules(version, Json.productRules(file, Json.config(file, root), "no prisonRuleList for product",
                (node, path) -> {
                    PrisonRule r = rule(file, node, path, clock);
                    if (!names.computeIfAbsent(path.substring(0, path.lastIndexOf('[')), k -> new HashSet<>()).add(r.name)) {
                        throw new ConfigFileException(file, path + ".Name", "duplicated rule name " + r.name);
                    }
                    return r;
                }));
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
        Condition c = Json.condition(file, path, cond);
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
