package io.troupe.module.header;

import io.troupe.api.proxy.CallbackPoint;
import io.troupe.api.proxy.Callbacks;
import io.troupe.api.proxy.FilterResult;
import io.troupe.api.proxy.Module;
import io.troupe.api.proxy.Request;
import io.troupe.api.proxy.Response;
import io.troupe.api.proxy.ReturnCode;
import io.troupe.api.proxy.WebHandlers;
import io.troupe.api.proxy.config.DataTable;
import io.troupe.api.proxy.config.ModuleConf;
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
            List<String> prior = r.headers("X-Forwarded-Host");
            r.setHeader("X-Forwarded-Host", prior.isEmpty() ? host : String.join(", ", prior) + ", " + host);
        }
        String peerPort = Integer.toString(r.session().clientAddress().getPort());
        List<String> priorPort = r.headers("X-Forwarded-Port");
        r.setHeader("X-Forwarded-Port", priorPort.isEmpty() ? peerPort : String.join(", ", priorPort) + ", " + peerPort);
        InetSocketAddress ca = r.clientAddress();
        if (ca != null) {
            r.setHeader("X-Real-Port", Integer.toString(ca.getPort()));
        }
        InetSocketAddress local = r.session().localAddress();
        if (local != null && local.getAddress() != null) {
            r.setHeader("X-Bfe-Ip", local.getAddress().getHostAddress());
        }
    }

    private static void apply(Request r, Response resp, HeaderRules.Product product, boolean request) {
        if (product == null) {
            return;
        }
        for (HeaderRules.Rule rule : request ? product.request() : product.response()) {
            if (!rule.cond().match(r)) {
                continue;
            }
            for (HeaderAction a : rule.actions()) {
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
        }
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
        }
    }
}
