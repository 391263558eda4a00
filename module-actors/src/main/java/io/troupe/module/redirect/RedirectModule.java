package io.troupe.module.redirect;

import io.troupe.api.proxy.CallbackPoint;
import io.troupe.api.proxy.Callbacks;
import io.troupe.api.proxy.FilterResult;
import io.troupe.api.proxy.Module;
import io.troupe.api.proxy.Request;
import io.troupe.api.proxy.WebHandlers;
import io.troupe.api.proxy.config.DataTable;
import io.troupe.module.support.ModuleData;
import java.nio.file.Path;
import java.util.List;

/**
 * mod_redirect (BFE's module of that name): once the product is known, the first rule of the product in
 * {@code redirect.data} whose Cond matches answers with a redirect to the URL its action builds.
 */
public final class RedirectModule implements Module {
    public static final String NAME = "mod_redirect";
    static final String DEFAULT_DATA = "mod_redirect/redirect.data";

    private DataTable<RedirectRules> table;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void init(Callbacks callbacks, WebHandlers web, Path confRoot) throws Exception {
        table = ModuleData.open(web, confRoot, NAME, DEFAULT_DATA, RedirectRules::load, RedirectRules::version);
        callbacks.addFilter(CallbackPoint.FOUND_PRODUCT, this::onFoundProduct);
    }

    private FilterResult onFoundProduct(Request r) {
        List<RedirectRules.Rule> rules = table.get().product(r.product());
        if (rules == null) {
            return FilterResult.GO_ON;
        }
        for (RedirectRules.Rule rule : rules) {
            if (rule.cond().match(r)) {
                return FilterResult.redirect(rule.status(), absolute(r, target(r, rule)));
            }
        }
        return FilterResult.GO_ON;
    }

    /** The URL a rule's action builds (BFE's ReqUrlSet, ReqUrlFromQuery, ReqUrlPrefixAdd, ReqSchemeSet). */
    static String target(Request r, RedirectRules.Rule rule) {
        return switch (rule.cmd()) {
            case URL_SET -> rule.param();
            case URL_FROM_QUERY -> {
                List<String> v = r.queryParams().get(rule.param());
                yield v == null || v.isEmpty() ? "" : v.get(0);
            }
            case URL_PREFIX_ADD -> rule.param() + requestUri(r);
            case SCHEME_SET -> rule.param() + "://" + r.host() + requestUri(r);
        };
    }

    /** Path and query as sent (Go's URL.RequestURI()). */
    private static String requestUri(Request r) {
        String uri = r.uri();
        if (uri.startsWith("http://") || uri.startsWith("https://")) {
            int slash = uri.indexOf('/', uri.indexOf("//") + 2);
            return slash < 0 ? "/" : uri.substring(slash);
        }
        return uri;
    }

    /**
     * As Go's {@code http.Redirect}: a URL without a scheme that does not start with {@code /} is taken
     * relative to the directory of the request path.
     */
    static String absolute(Request r, String url) {
        if (url.startsWith("/") || hasScheme(url)) {
            return url;
        }
        String path = r.path();
        String dir = path.substring(0, path.lastIndexOf('/') + 1);
        return dir.isEmpty() ? "/" + url : dir + url;
    }

    private static boolean hasScheme(String url) {
        int colon = url.indexOf(':');
        if (colon <= 0) {
            return false;
        }
        for (int i = 0; i < colon; i++) {
            char c = url.charAt(i);
            boolean ok = Character.isLetter(c) || i > 0 && (Character.isDigit(c) || c == '+' || c == '-' || c == '.');
            if (!ok) {
                return false;
            }
        }
        return true;
    }
}
