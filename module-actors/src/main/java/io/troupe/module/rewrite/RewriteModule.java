package io.troupe.module.rewrite;

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
 * mod_rewrite (BFE's module of that name): after the cluster is known, rewrites the host, path and query of
 * the forwarded request by the product's rules in {@code rewrite.data}.
 */
public final class RewriteModule implements Module {
    public static final String NAME = "mod_rewrite";
    static final String DEFAULT_DATA = "mod_rewrite/rewrite.data";

    private DataTable<RewriteRules> table;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void init(Callbacks callbacks, WebHandlers web, Path confRoot) throws Exception {
        table = ModuleData.open(web, confRoot, NAME, DEFAULT_DATA, RewriteRules::load, RewriteRules::version);
        callbacks.addFilter(CallbackPoint.AFTER_LOCATION, this::onAfterLocation);
    }

    private FilterResult onAfterLocation(Request r) {
        List<RewriteRules.Rule> rules = table.get().product(r.product());
        if (rules == null) {
            return FilterResult.GO_ON;
        }
        for (RewriteRules.Rule rule : rules) {
            if (!rule.cond().match(r)) {
                continue;
            }
            for (RewriteRules.Action a : rule.actions()) {
                Rewrites.apply(r, a);
            }
            if (rule.last()) {
                break;
            }
        }
        return FilterResult.GO_ON;
    }
}
