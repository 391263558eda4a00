package io.troupe.module.authbasic;

import com.fasterxml.jackson.databind.JsonNode;
import io.troupe.api.condition.Condition;
import io.troupe.api.condition.ConditionException;
import io.troupe.api.condition.Conditions;
import io.troupe.module.support.DataFileException;
import io.troupe.module.support.Ini;
import io.troupe.module.support.Json;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/** auth_basic_rule.data: product → rules {Cond, UserFile, Realm}, checked as BFE checks it. */
record AuthBasicRules(String version, Map<String, List<Rule>> byProduct) {

    record Rule(Condition cond, UserFile users, String realm) {}

    static AuthBasicRules load(Path file, Path confRoot) throws DataFileException {
        JsonNode root = Json.read(file);
        String version = Json.version(file, root);
        JsonNode config = Json.config(file, root);
        Map<String, List<Rule>> byProduct = new HashMap<>();
        Iterator<Map.Entry<String, JsonNode>> it = config.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            String path = "Config." + e.getKey();
            if (e.getValue().isNull()) {
                throw new DataFileException(file, path, "no rule list for product " + e.getKey());
            }
            if (!e.getValue().isArray()) {
                throw new DataFileException(file, path, "expected a list of rules");
            }
            List<Rule> rules = new ArrayList<>();
            for (int i = 0; i < e.getValue().size(); i++) {
                rules.add(rule(file, confRoot, e.getValue().get(i), path + "[" + i + "]"));
            }
            byProduct.put(e.getKey(), List.copyOf(rules));
        }
        return new AuthBasicRules(version, Map.copyOf(byProduct));
    }

    private static Rule rule(Path file, Path confRoot, JsonNode r, String path) throws DataFileException {
        String cond = Json.optString(file, r, path, "Cond", "");
        if (cond.isEmpty()) {
            throw new DataFileException(file, path + ".Cond", "empty");
        }
        String userFile = Json.optString(file, r, path, "UserFile", "");
        if (userFile.isEmpty()) {
            throw new DataFileException(file, path + ".UserFile", "empty");
        }
        Condition c;
        try {
            c = Conditions.build(cond);
        } catch (ConditionException ex) {
            throw new DataFileException(file, path + ".Cond", ex.getMessage());
        }
        UserFile users;
        try {
            users = UserFile.load(Ini.resolve(confRoot, userFile));
        } catch (DataFileException ex) {
            throw new DataFileException(file, path + ".UserFile", ex.getMessage(), ex);
        }
        String realm = Json.optString(file, r, path, "Realm", "");
        return new Rule(c, users, realm.isEmpty() ? "Restricted" : realm);
    }
}
