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
            String[] credentials = credentials(req);
            if (credentials == null) {
                return verdict(false, rule);
            }
            String user = credentials[0];
            String password = credentials[1];
            UserFile users = rule.users();
            UserFile.Scheme scheme = users.scheme(user);
            if (scheme == UserFile.Scheme.SHA) {
                state.inc("AUTH_BASIC_PASSWD_SHA");
            } else if (scheme == UserFile.Scheme.MD5) {
                state.inc("AUTH_BASIC_PASSWD_MD5");
            }
            Boolean known = users.checkWithoutBcrypt(user, password);
            if (known != null) {
                return verdict(known, rule);
            }
            // bcrypt costs tens of milliseconds by design: off the event loop, which serves other connections meanwhile
            return FilterResult.blocking(() -> verdict(users.check(user, password), rule));
        }
        return FilterResult.GO_ON;
    }

    /** GO_ON for valid credentials, else 401 asking for them; counts either (also from the blocking pool). */
    private FilterResult verdict(boolean authenticated, AuthBasicRules.Rule rule) {
        if (!authenticated) {
            state.inc("AUTH_BASIC_NOT_AUTHENTICATED");
            Response r = Response.of(401, "401 Unauthorized\n");
            r.setHeader("WWW-Authenticate", "Basic realm=\"" + rule.realm() + "\"");
            return FilterResult.respond(r);
        }
        state.inc("AUTH_BASIC_AUTHENTICATED");
        return FilterResult.GO_ON;
    }

    /** The user and password of a Basic Authorization header, or null when there is none or it is malformed. */
    private static String[] credentials(Request req) {
        String h = req.header("Authorization");
        if (h == null || h.length() < 6 || !h.regionMatches(true, 0, "Basic ", 0, 6)) {
            return null;
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(h.substring(6).strip()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return null;
        }
        int colon = decoded.indexOf(':');
        if (colon < 0) {
            return null;
        }
        return new String[] {decoded.substring(0, colon), decoded.substring(colon + 1)};
    }

    long counter(String name) {
        return state.get(name);
    }
}
