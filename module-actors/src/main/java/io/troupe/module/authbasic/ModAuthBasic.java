package io.troupe.module.authbasic;

import io.troupe.api.proxy.CallbackPoint;
import io.troupe.api.proxy.Callbacks;
import io.troupe.api.proxy.FilterResult;
import io.troupe.api.proxy.Module;
import io.troupe.api.proxy.Request;
import io.troupe.api.proxy.Response;
import io.troupe.api.proxy.WebHandlers;
import io.troupe.api.proxy.config.DataTable;
import io.troupe.api.proxy.config.ModuleConf;
import io.troupe.module.support.ModuleData;
import io.troupe.module.support.ModuleState;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;

/**
 * BFE's mod_auth_basic: at FOUND_PRODUCT, the first rule of the request's product whose Cond matches asks
 * for HTTP Basic credentials checked against its users file; without valid ones the answer is 401 with
 * {@code WWW-Authenticate: Basic realm="<Realm>"}.
 */
public final class ModAuthBasic implements Module {
    public static final String NAME = "mod_auth_basic";

    private final ModuleState state = new ModuleState(NAME, "AUTH_BASIC_RULE_HIT", "AUTH_BASIC_NOT_AUTHENTICATED",
            "AUTH_BASIC_AUTHENTICATED", "AUTH_BASIC_PASSWD_SHA", "AUTH_BASIC_PASSWD_MD5");
    private DataTable<AuthBasicRules> rules;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void init(Callbacks callbacks, WebHandlers web, Path confRoot) throws Exception {
        ModuleConf ini = ModuleConf.load(ModuleConf.confFile(confRoot, NAME), confRoot, "Basic.DataPath", "Log.OpenDebug");
        Path data = ModuleData.path(ini, "Basic", "DataPath", "mod_auth_basic/auth_basic_rule.data");
        ini.bool("Log", "OpenDebug", false);
        rules = DataTable.open(web, NAME, data, confRoot, f -> AuthBasicRules.load(f, confRoot), AuthBasicRules::version);
        callbacks.addFilter(CallbackPoint.FOUND_PRODUCT, this::authBasicHandler);
        state.register(web);
    }

    FilterResult authBasicHandler(Request req) {
        List<AuthBasicRules.Rule> list = req.product() == null ? null : rules.get().byProduct().get(req.product());
        if (list == null) {
            return FilterResult.GO_ON;
        }
        for (AuthBasicRules.Rule rule : list) {
            if (!rule.cond().match(req)) {
                continue;
            }
            state.inc("AUTH_BASIC_RULE_HIT");
            if (!authenticated(req, rule)) {
                state.inc("AUTH_BASIC_NOT_AUTHENTICATED");
                Response r = Response.of(401, "401 Unauthorized\n");
                r.setHeader("WWW-Authenticate", "Basic realm=\"" + rule.realm() + "\"");
                return FilterResult.respond(r);
            }
            state.inc("AUTH_BASIC_AUTHENTICATED");
            return FilterResult.GO_ON;
        }
        return FilterResult.GO_ON;
    }

    private boolean authenticated(Request req, AuthBasicRules.Rule rule) {
        String h = req.header("Authorization");
        if (h == null || h.length() < 6 || !h.regionMatches(true, 0, "Basic ", 0, 6)) {
            return false;
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(h.substring(6).strip()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return false;
        }
        int colon = decoded.indexOf(':');
        if (colon < 0) {
            return false;
        }
        String user = decoded.substring(0, colon);
        UserFile.Scheme scheme = rule.users().scheme(user);
        if (scheme == UserFile.Scheme.SHA) {
            state.inc("AUTH_BASIC_PASSWD_SHA");
        } else if (scheme == UserFile.Scheme.MD5) {
            state.inc("AUTH_BASIC_PASSWD_MD5");
        }
        return rule.users().check(user, decoded.substring(colon + 1));
    }

    long counter(String name) {
        return state.get(name);
    }
}
