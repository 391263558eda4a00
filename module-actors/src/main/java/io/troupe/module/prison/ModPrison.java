package io.troupe.module.prison;

import io.troupe.api.proxy.CallbackPoint;
import io.troupe.api.proxy.Callbacks;
import io.troupe.api.proxy.FilterResult;
import io.troupe.api.proxy.Module;
import io.troupe.api.proxy.Request;
import io.troupe.api.proxy.Response;
import io.troupe.api.proxy.WebHandlers;
import io.troupe.api.proxy.config.ConfigFileException;
import io.troupe.api.proxy.config.ModuleConf;
import io.troupe.module.support.ModuleData;
import io.troupe.module.support.ModuleState;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * BFE's mod_prison at FOUND_PRODUCT: the {@code global} product's rules first, then the request's product's.
 * Every matching rule counts the request; a jailed sign gets the rule's action: CLOSE drops the connection
 * without a response, FINISH ends the request and closes, PASS lets it through, REQ_HEADER_SET sets a header.
 */
public final class ModPrison implements Module {
    public static final String NAME = "mod_prison";
    /** The request context key of the {@link PrisonInfo} (BFE's ReqCtxPrisonInfo). */
    public static final String PRISON_INFO = "mod_prison.prison_info";
    static final String GLOBAL = "global";

    private final ModuleState state = new ModuleState(NAME, "ALL_CHECKED", "ALL_PRISON");
    private final LongSupplier clock;
    private Path confRoot;
    private WebHandlers web;
    private Path dataPath;
    private volatile PrisonRules rules;

    public ModPrison() {
        this(System::nanoTime);
    }

    ModPrison(LongSupplier clock) {
        this.clock = clock;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void init(Callbacks callbacks, WebHandlers web, Path confRoot) throws ConfigFileException {
        this.confRoot = confRoot;
        this.web = web;
        ModuleConf ini = ModuleConf.load(ModuleConf.confFile(confRoot, NAME), confRoot, "Basic.ProductRulePath", "Log.OpenDebug");
        dataPath = ModuleData.path(ini, "Basic", "ProductRulePath", "mod_prison/prison.data");
        ini.bool("Log", "OpenDebug", false);
        reload(Map.of());
        callbacks.addFilter(CallbackPoint.FOUND_PRODUCT, this::prisonHandler);
        state.register(web);
        web.registerReload(NAME, this::reload);
    }

    /** Loads prison.data (or {@code ?path=}); rules that keep their product and name keep their counts. */
    synchronized String reload(Map<String, List<String>> params) throws ConfigFileException {
        List<String> p = params == null ? null : params.get("path");
        Path path = p == null || p.isEmpty() || p.get(0).isEmpty() ? dataPath : ModuleConf.resolve(confRoot, p.get(0));
        PrisonRules next = PrisonRules.load(path, clock);
        PrisonRules old = rules;
        for (Map.Entry<String, List<PrisonRule>> e : next.byProduct().entrySet()) {
            Map<String, PrisonRule> before = new HashMap<>();
            if (old != null) {
                old.byProduct().getOrDefault(e.getKey(), List.of()).forEach(r -> before.put(r.name, r));
            }
            for (PrisonRule r : e.getValue()) {
                r.initDicts(before.get(r.name));
            }
        }
        rules = next;
        if (web != null) {
            web.dataVersion(NAME, next.version());
        }
        return path.getFileName() + "=" + next.version();
    }

    FilterResult prisonHandler(Request req) {
        PrisonRules current = rules;
        FilterResult r = process(req, current.byProduct().get(GLOBAL));
        if (r != FilterResult.GO_ON) {
            return r;
        }
        return req.product() == null ? r : process(req, current.byProduct().get(req.product()));
    }

    private FilterResult process(Request req, List<PrisonRule> list) {
        if (list == null) {
            return FilterResult.GO_ON;
        }
        for (PrisonRule rule : list) {
            if (!rule.cond.match(req)) {
                continue;
            }
            state.inc("ALL_CHECKED");
            PrisonInfo info = rule.recordAndCheck(req);
            if (info == null || info == PrisonInfo.FREE) {
                continue;
            }
            req.setContext(PRISON_INFO, info);
            if (!info.jailed()) {
                continue;
            }
            state.inc("ALL_PRISON");
            switch (rule.cmd) {
                case "CLOSE":
                    return FilterResult.CLOSE;
                case "FINISH":
                    // BFE returns Finish without a response: its writer sends an empty 200 and closes
                    return FilterResult.finish(new Response.Simple(200, new byte[0]));
                case "REQ_HEADER_SET":
                    req.setHeader(rule.params.get(0), rule.params.get(1));
                    break;
                default:
                    break;
            }
        }
        return FilterResult.GO_ON;
    }

    long counter(String name) {
        return state.get(name);
    }
}
