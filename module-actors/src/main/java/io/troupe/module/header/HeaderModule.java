package io.troupe.module.header;

import io.troupe.api.proxy.CallbackPoint;
import io.troupe.api.proxy.Callbacks;
import io.troupe.api.proxy.FilterResult;
import io.troupe.api.proxy.HeaderName;
import io.troupe.api.proxy.Module;
import io.troupe.api.proxy.Request;
import io.troupe.api.proxy.Response;
import io.troupe.api.proxy.ReturnCode;
import io.troupe.api.proxy.WebHandlers;
import io.troupe.api.proxy.config.DataTable;
import io.troupe.api.proxy.config.ModuleConf;
import io.troupe.module.support.AddressText;
import io.troupe.module.support.NumberText;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;

/**
 * mod_header (BFE's module of that name): sets, adds, deletes and modifies request headers after the cluster
 * is known and response headers when the backend's response arrives, by per-product rules in
 * {@code header_rule.data}; rules of the product {@code global} run first.
 */
public final class HeaderModule implements Module {
    public static final String NAME = "mod_header";
    /** BFE's default when DataPath is empty (its example conf names header_rule.data explicitly). */
    static final String DEFAULT_DATA = "mod_header/mod_header.data";
    static final String GLOBAL = "global";

    /** The server address's text, formatted once while it stays the same. */
    private static final AddressText LOCAL_IP = new AddressText();

    // BFE's default headers' names, made once: the proxy looks them up without hashing them per request
    private static final HeaderName X_FORWARDED_HOST = HeaderName.of("X-Forwarded-Host");
    private static final HeaderName X_FORWARDED_PORT = HeaderName.of("X-Forwarded-Port");
    private static final HeaderName X_REAL_PORT = HeaderName.of("X-Real-Port");
    private static final HeaderName X_BFE_IP = HeaderName.of("X-Bfe-Ip");

    private DataTable<HeaderRules> table;
    private boolean disableDefaultHeader;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void init(Callbacks callbacks, WebHandlers web, Path confRoot) throws Exception {
        ModuleConf conf = ModuleConf.load(ModuleConf.confFile(confRoot, NAME), confRoot,
                "Basic.DataPath", "Basic.DisableDefaultHeader", "Log.OpenDebug");
        Path data = conf.path("Basic", "DataPath", DEFAULT_DATA);
        disableDefaultHeader = conf.bool("Basic", "DisableDefaultHeader", false);
        conf.bool("Log", "OpenDebug", false);
        table = DataTable.open(web, NAME, data, HeaderRules::load, HeaderRules::version);
        callbacks.addFilter(CallbackPoint.AFTER_LOCATION, this::onRequest);
        callbacks.addFilter(CallbackPoint.READ_RESPONSE, this::onResponse);
    }

    private FilterResult onRequest(Request r) {
        if (!disableDefaultHeader) {
            setDefaultHeaders(r);
        }
        HeaderRules rules = table.get();
        apply(r, null, rules.product(GLOBAL), true);
        apply(r, null, rules.product(r.product()), true);
        return FilterResult.GO_ON;
    }

    private ReturnCode onResponse(Request r, Response resp) {
        HeaderRules rules = table.get();
        apply(r, resp, rules.product(GLOBAL), false);
        apply(r, resp, rules.product(r.product()), false);
        return ReturnCode.GO_ON;
    }

    /**
     * BFE's default headers. X-Forwarded-For and X-Real-Ip are left to the proxy, which always sets them
     * (X-Real-Ip to the client address this request's filters saw).
     */
    private static void setDefaultHeaders(Request r) {
        String host = r.host();
        if (!host.isEmpty()) {
            r.setHeader(X_FORWARDED_HOST, appended(r, X_FORWARDED_HOST, host));
        }
        String peerPort = NumberText.of(r.session().clientAddress().getPort());
        r.setHeader(X_FORWARDED_PORT, appended(r, X_FORWARDED_PORT, peerPort));
        InetSocketAddress ca = r.clientAddress();
        if (ca != null) {
            r.setHeader(X_REAL_PORT, ca.getPort() == r.session().clientAddress().getPort() ? peerPort
                    : NumberText.of(ca.getPort()));
        }
        InetSocketAddress local = r.session().localAddress();
        if (local != null && local.getAddress() != null) {
            r.setHeader(X_BFE_IP, LOCAL_IP.host(local.getAddress()));
        }
    }

    /** Earlier values of {@code name} folded into one with {@code value} appended; most requests have none. */
    private static String appended(Request r, HeaderName name, String value) {
        if (r.header(name) == null) {
            return value;
        }
        return String.join(", ", r.headers(name)) + ", " + value;
    }

    private static void apply(Request r, Response resp, HeaderRules.Product product, boolean request) {
        if (product == null) {
            return;
        }
        // indexed loops: an iterator per list per request is most of what this module would allocate otherwise
        List<HeaderRules.Rule> rules = request ? product.request() : product.response();
        for (int i = 0; i < rules.size(); i++) {
            HeaderRules.Rule rule = rules.get(i);
            if (!rule.cond().match(r)) {
                continue;
            }
            List<HeaderAction> actions = rule.actions();
            for (int j = 0; j < actions.size(); j++) {
                HeaderAction a = actions.get(j);
                if (request) {
                    doRequest(r, a);
                } else {
                    doResponse(r, resp, a);
                }
            }
            if (rule.last()) {
                break;
            }
        }
    }

    private static void doRequest(Request r, HeaderAction a) {
        switch (a.op) {
            case SET -> r.setHeader(a.header, a.value(r));
            case ADD -> r.addHeader(a.header, a.value(r));
            case DEL -> r.removeHeader(a.header);
            case MOD -> {
                String v = r.header(a.header);
                if (v != null && !v.isEmpty()) {
                    r.setHeader(a.header, a.modify(v));
                }
            }
            case RENAME -> rename(a, r::headers, r::header, r::removeHeader, r::addHeader);
            case COOKIE_SET -> r.setHeader(a.header,
                    Cookies.requestSet(joined(r.headers(a.header)), a.cookie.get(0), a.cookieValue(r)));
            case COOKIE_DEL -> {
                String left = Cookies.requestDel(joined(r.headers(a.header)), a.cookie.get(0));
                if (left == null) {
                    r.removeHeader(a.header);
                } else {
                    r.setHeader(a.header, left);
                }
            }
        }
    }

    /** As BFE: the old name's values go to the new name, only when the old one is there and the new one is not. */
    private static void rename(HeaderAction a, java.util.function.Function<CharSequence, List<String>> all,
            java.util.function.Function<CharSequence, String> first, java.util.function.Consumer<CharSequence> remove,
            java.util.function.BiConsumer<CharSequence, String> add) {
        List<String> values = all.apply(a.header);
        if (!values.isEmpty() && !values.get(0).isEmpty() && first.apply(a.renamed) == null) {
            List<String> moved = List.copyOf(values);
            remove.accept(a.header);
            moved.forEach(v -> add.accept(a.renamed, v));
        }
    }

    private static String joined(List<String> cookieHeaders) {
        return cookieHeaders.isEmpty() ? null : String.join("; ", cookieHeaders);
    }

    private static void doResponse(Request r, Response resp, HeaderAction a) {
        switch (a.op) {
            case SET -> resp.setHeader(a.header, a.value(r));
            case ADD -> resp.addHeader(a.header, a.value(r));
            case DEL -> resp.removeHeader(a.header);
            case MOD -> {
                String v = resp.header(a.header);
                if (v != null && !v.isEmpty()) {
                    resp.setHeader(a.header, a.modify(v));
                }
            }
            case RENAME -> rename(a, resp::headers, resp::header, resp::removeHeader, resp::addHeader);
            case COOKIE_SET -> replaceSetCookie(resp, a.cookie.get(0),
                    Cookies.setCookie(a.cookie, a.cookieValue(r)));
            case COOKIE_DEL -> replaceSetCookie(resp, a.cookie.get(0), null);
        }
    }

    /** The response's Set-Cookie lines with the one(s) for {@code name} replaced by {@code line} (null: dropped). */
    private static void replaceSetCookie(Response resp, String name, String line) {
        List<String> lines = List.copyOf(resp.headers(SET_COOKIE));
        boolean found = lines.stream().anyMatch(l -> Cookies.nameOf(l).equals(name));
        if (!found) {
            if (line != null) {
                resp.addHeader(SET_COOKIE, line);
            }
            return;
        }
        resp.removeHeader(SET_COOKIE);
        for (String l : lines) {
            if (!Cookies.nameOf(l).equals(name)) {
                resp.addHeader(SET_COOKIE, l);
            } else if (line != null) {
                resp.addHeader(SET_COOKIE, line);
            }
        }
    }

    private static final HeaderName SET_COOKIE = HeaderName.of("Set-Cookie");
}
