package io.troupe.module.compress;

import com.fasterxml.jackson.databind.JsonNode;
import io.troupe.api.condition.Condition;
import io.troupe.api.proxy.config.ConfigFileException;
import io.troupe.module.support.Json;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** compress_rule.data: product → rules {Cond, Action{Cmd: GZIP|BROTLI, Quality, FlushSize}}, checked as BFE does. */
record CompressRules(String version, Map<String, List<Rule>> byProduct) {

    record Rule(Condition cond, String cmd, int quality, int flushSize) {
        /** The Content-Encoding token this rule produces and the client must accept. */
        String encoding() {
            return cmd.equals("GZIP") ? "gzip" : "br";
        }
    }

    static CompressRules load(Path file) throws ConfigFileException {
        JsonNode root = Json.read(file);
        String version = Json.version(file, root);
        return new CompressRules(version, Json.productRules(file, Json.config(file, root), "no rule list for product",
                (r, path) -> rule(file, r, path)));
    }

    private static Rule rule(Path file, JsonNode r, String path) throws ConfigFileException {
        Condition c = Json.cond(file, r, path);
        String apath = path + ".Action";
        JsonNode action = Json.require(file, r, path, "Action");
        String cmd = Json.string(file, action, apath, "Cmd");
        long quality = Json.number(file, action, apath, "Quality");
        long flush = Json.number(file, action, apath, "FlushSize");
        switch (cmd) {
            case "GZIP" -> {
                if (quality < -2 || quality > 9) {
                    throw new ConfigFileException(file, apath + ".Quality", "Quality should be [-2, 9]");
                }
            }
            case "BROTLI" -> {
                if (!Brotli.available()) {
                    throw new ConfigFileException(file, apath + ".Cmd", "BROTLI: the brotli library cannot load here: "
                            + Brotli.unavailableReason());
                }
                if (quality < 0 || quality > 11) {
                    throw new ConfigFileException(file, apath + ".Quality", "Quality should be [0, 11]");
                }
            }
            default -> throw new ConfigFileException(file, apath + ".Cmd", "invalid cmd: " + cmd + " (GZIP or BROTLI)");
        }
        if (flush < 64 || flush > 4096) {
            throw new ConfigFileException(file, apath + ".FlushSize", "FlushSize should be [64, 4096]");
        }
        return new Rule(c, cmd, (int) quality, (int) flush);
    }
}
