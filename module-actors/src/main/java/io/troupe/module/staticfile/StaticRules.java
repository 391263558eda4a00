package io.troupe.module.staticfile;

import com.fasterxml.jackson.databind.JsonNode;
import io.troupe.api.condition.Condition;
import io.troupe.api.proxy.config.ConfigFileException;
import io.troupe.api.proxy.config.ModuleConf;
import io.troupe.module.support.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** static_rule.data: product → rules {Cond, Action{Cmd: BROWSE, Params: [root, defaultFile]}}. */
record StaticRules(String version, Map<String, List<Rule>> byProduct) {

    /** A BROWSE rule: serve files under {@code root}; {@code defaultFile} ("" for none) stands in for missing ones. */
    record Rule(Condition cond, Path root, String defaultFile) {}

    static StaticRules load(Path file, Path confRoot) throws ConfigFileException {
        JsonNode root = Json.read(file);
        String version = Json.version(file, root);
        return new StaticRules(version, Json.productRules(file, Json.config(file, root), null,
                (r, path) -> rule(file, confRoot, r, path)));
    }

    private static Rule rule(Path file, Path confRoot, JsonNode r, String path) throws ConfigFileException {
        Condition c = Json.cond(file, r, path);
        String apath = path + ".Action";
        JsonNode action = Json.require(file, r, path, "Action");
        String cmd = Json.string(file, action, apath, "Cmd");
        if (!cmd.equals("BROWSE")) {
            throw new ConfigFileException(file, apath + ".Cmd", "invalid cmd: " + cmd + " (only BROWSE)");
        }
        List<String> params = Json.strings(file, action, apath, "Params");
        if (params.size() != 2) {
            throw new ConfigFileException(file, apath + ".Params", "Params num of BROWSE should be 2");
        }
        Path dir = ModuleConf.resolve(confRoot, params.get(0));
        if (!Files.isDirectory(dir)) {
            throw new ConfigFileException(file, apath + ".Params[0]", "directory " + dir + " does not exist");
        }
        String dflt = params.get(1);
        if (!dflt.isEmpty() && !Files.exists(dir.resolve(dflt))) {
            throw new ConfigFileException(file, apath + ".Params[1]", "default file " + dir.resolve(dflt) + " does not exist");
        }
        return new Rule(c, dir.toAbsolutePath().normalize(), dflt);
    }
}
