package io.troupe.module.authbasic;

import com.fasterxml.jackson.databind.JsonNode;
import io.troupe.api.condition.Condition;
import io.troupe.api.proxy.config.ConfigFileException;
import io.troupe.api.proxy.config.ModuleConf;
import io.troupe.module.support.Json;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** auth_basic_rule.data: product → rules {Cond, UserFile, Realm}, checked as BFE checks it. */
record AuthBasicRules(String version, Map<String, List<Rule>> byProduct) {

    record Rule(Condition cond, UserFile users, String realm) {}

    static AuthBasicRules load(Path file, Path confRoot) throws ConfigFileException {
        JsonNode root = Json.read(file);
        String version = Json.version(file, root);
        return new AuthBasicRules(version, Json.productRules(file, Json.config(file, root), "no rule list for product",
                (r, path) -> rule(file, confRoot, r, path)));
    }

    private static Rule rule(Path file, Path confRoot, JsonNode r, String path) throws ConfigFileException {
        String cond = Json.optString(file, r, path, "Cond", "");
        if (cond.isEmpty()) {
            throw new ConfigFileException(file, path + ".Cond", "empty");
        }
        String userFile = Json.optString(file, r, path, "UserFile", "");
        if (userFile.isEmpty()) {
            throw new ConfigFileException(file, path + ".UserFile", "empty");
        }
        Condition c = Json.condition(file, path, cond);
        UserFile users;
        try {
            users = UserFile.load(ModuleConf.resolve(confRoot, userFile));
        } catch (ConfigFileException ex) {
            throw new ConfigFileException(file, path + ".UserFile", ex.getMessage(), ex);
        }
        String realm = Json.optString(file, r, path, "Realm", "");
        return new Rule(c, users, realm.isEmpty() ? "Restricted" : realm);
    }
}
