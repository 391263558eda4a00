package io.troupe.module.compress;

import io.troupe.api.proxy.BodyTransform;
import io.troupe.api.proxy.CallbackPoint;
import io.troupe.api.proxy.Callbacks;
import io.troupe.api.proxy.Module;
import io.troupe.api.proxy.Request;
import io.troupe.api.proxy.Response;
import io.troupe.api.proxy.ReturnCode;
import io.troupe.api.proxy.WebHandlers;
import io.troupe.api.proxy.config.DataTable;
import io.troupe.api.proxy.config.ModuleConf;
import io.troupe.module.support.AcceptEncoding;
import io.troupe.module.support.ModuleData;
import io.troupe.module.support.ModuleState;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * BFE's mod_compress, at READ_RESPONSE as BFE runs it: for a client that accepts gzip or br and a response without a
 * Content-Encoding (or {@code identity}), the first rule of the product whose Cond matches compresses the body as
 * it streams, when the client accepts that rule's encoding (gzip, or brotli where brotli4j loads). Counters are
 * BFE's {@code ModuleCompressState}. Unlike BFE, a response that has no body (HEAD, 204, 304) is left alone.
 */
public final class ModCompress implements Module {
    public static final String NAME = "mod_compress";
    private static final Logger log = LoggerFactory.getLogger(ModCompress.class);

    private final ModuleState state = new ModuleState(NAME, "REQ_TOTAL", "REQ_SUPPORT_COMPRESS",
            "REQ_MATCH_COMPRESS_RULE", "RES_ENCODE_COMPRESS", "RES_ENCODE_GZIP_COMPRESS", "RES_ENCODE_BR_COMPRESS");
    private DataTable<CompressRules> rules;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void init(Callbacks callbacks, WebHandlers web, Path confRoot) throws Exception {
        ModuleConf ini = ModuleConf.load(ModuleConf.confFile(confRoot, NAME), confRoot, "Basic.ProductRulePath", "Log.OpenDebug");
        Path data = ModuleData.path(ini, "Basic", "ProductRulePath", "mod_compress/compress_rule.data");
        ini.bool("Log", "OpenDebug", false);
        rules = DataTable.open(web, NAME, data, confRoot, CompressRules::load, CompressRules::version);
        callbacks.addFilter(CallbackPoint.READ_RESPONSE, this::compressHandler);
        state.register(web);
    }

    ReturnCode compressHandler(Request req, Response res) {
        String accept = String.join(",", req.headers("Accept-Encoding"));
        boolean gzip = AcceptEncoding.has(accept, "gzip");
        boolean br = AcceptEncoding.has(accept, "br");
        if (!gzip && !br) {
            return ReturnCode.GO_ON;
        }
        state.inc("REQ_SUPPORT_COMPRESS");
        String ce = res.header("Content-Encoding");
        if (ce != null && !ce.isEmpty() && !ce.equals("identity")) {
            return ReturnCode.GO_ON;
        }
        state.inc("REQ_TOTAL");
        CompressRules.Rule rule = firstMatch(req);
        if (rule == null) {
            return ReturnCode.GO_ON;
        }
        state.inc("REQ_MATCH_COMPRESS_RULE");
        boolean isGzip = rule.cmd().equals("GZIP");
        int status = res.status();
        if (!(isGzip ? gzip : br) || req.method().equals("HEAD") || status == 204 || status == 304 || status < 200) {
            return ReturnCode.GO_ON;
        }
        BodyTransform t;
        try {
            t = isGzip ? new GzipTransform(rule.quality(), rule.flushSize()) : new Brotli(rule.quality(), rule.flushSize());
        } catch (IOException | RuntimeException e) {
            log.warn("{}: cannot start {}: {}", NAME, rule.cmd(), e.toString());
            return ReturnCode.GO_ON;
        }
        req.setContext(BodyTransform.CONTEXT_KEY, t);
        res.setHeader("Content-Encoding", rule.encoding());
        res.removeHeader("Content-Length");
        res.addHeader("Vary", "Accept-Encoding");
        state.inc(isGzip ? "RES_ENCODE_GZIP_COMPRESS" : "RES_ENCODE_BR_COMPRESS");
        state.inc("RES_ENCODE_COMPRESS");
        return ReturnCode.GO_ON;
    }

    private CompressRules.Rule firstMatch(Request req) {
        List<CompressRules.Rule> list = req.product() == null ? null : rules.get().byProduct().get(req.product());
        if (list != null) {
            for (CompressRules.Rule rule : list) {
                if (rule.cond().match(req)) {
                    return rule;
                }
            }
        }
        return null;
    }

    long counter(String name) {
        return state.get(name);
    }
}
