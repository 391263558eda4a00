package io.troupe.module.block;

import io.troupe.api.monitor.Counter;
import io.troupe.api.monitor.Metrics;
import io.troupe.api.condition.ConditionList;
import io.troupe.api.proxy.CallbackPoint;
import io.troupe.api.proxy.Callbacks;
import io.troupe.api.proxy.FilterResult;
import io.troupe.api.proxy.Module;
import io.troupe.api.proxy.Request;
import io.troupe.api.proxy.ReturnCode;
import io.troupe.api.proxy.Session;
import io.troupe.api.proxy.WebHandlers;
import io.troupe.api.proxy.config.DataTable;
import io.troupe.api.proxy.config.ModuleConf;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * BFE's mod_block: a global IP blocklist checked when a connection is accepted, and per-product CLOSE/ALLOW
 * rules checked when the request's product is known. See docs/proxy.md (mod_block) for the files.
 *
 * <p>Config: {@code <conf>/mod_block/mod_block.conf} with {@code [Basic] ProductRulePath}, {@code IPBlocklistPath}
 * and {@code [Log] OpenDebug}; reloads {@code mod_block.global_ip_table} and {@code mod_block.product_rule_table}
 * (each with {@code ?path=}); monitor {@code /monitor/mod_block} and {@code /monitor/mod_block.diff}.
 */
public final class ModBlock implements Module {

    /** The module name. */
    public static final String NAME = "mod_block";

    /** The request-context key of the matched rule's {@link BlockInfo}. */
    public static final String CTX_BLOCK_INFO = "mod_block.block_info";

    /** Default of {@code [Basic] ProductRulePath}, relative to the conf root. */
    public static final String DEFAULT_PRODUCT_RULE_PATH = "mod_block/block_rules.data";

    /** Default of {@code [Basic] IPBlocklistPath}, relative to the conf root. */
    public static final String DEFAULT_IP_BLOCKLIST_PATH = "mod_block/ip_blocklist.data";

    private static final Logger log = LoggerFactory.getLogger(ModBlock.class);

    /** The module's counters, shown as CONN_TOTAL, ... under /monitor/mod_block. */
    static final class State {
        Counter connTotal;    // connections checked
        Counter connAccept;   // connections passed
        Counter connRefuse;   // connections closed by the IP list
        Counter reqTotal;     // requests checked
        Counter reqToCheck;   // requests whose product has a rule list
        Counter reqAccept;    // requests accepted
        Counter reqRefuse;    // requests closed by a CLOSE rule
        Counter wrongCommand; // rules that matched with a command other than CLOSE/ALLOW
    }

    final State state = new State();
    private Metrics metrics;
    private volatile boolean openDebug;
    private DataTable<IpBlocklist> ipTable;
    private DataTable<BlockRules> ruleTable;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void init(Callbacks callbacks, WebHandlers web, Path confRoot) throws Exception {
        ModuleConf conf = ModuleConf.load(ModuleConf.confFile(confRoot, NAME), confRoot,
                "Basic.ProductRulePath", "Basic.IPBlocklistPath", "Log.OpenDebug");
        Path rulePath = conf.path("Basic", "ProductRulePath", DEFAULT_PRODUCT_RULE_PATH);
        Path ipPath = conf.path("Basic", "IPBlocklistPath", DEFAULT_IP_BLOCKLIST_PATH);
        openDebug = conf.bool("Log", "OpenDebug", false);
        metrics = Metrics.init(state, NAME, 0); // here, not in the constructor: ServiceLoader builds disabled modules too

        ipTable = DataTable.open(web, NAME + ".global_ip_table", ipPath, IpBlocklist::load, IpBlocklist::version);
        ruleTable = DataTable.open(web, NAME + ".product_rule_table", rulePath, BlockRules::load, BlockRules::version);

        callbacks.addFilter(CallbackPoint.ACCEPT, this::globalBlock);
        callbacks.addFilter(CallbackPoint.FOUND_PRODUCT, this::productBlock);
        web.registerMetrics(NAME, metrics);
    }

    /** The monitor group (tests and the access log read counters from it). */
    public Metrics metrics() {
        return metrics;
    }

    /** At accept: closes connections from listed addresses (the TCP peer, never X-Forwarded-For). */
    ReturnCode globalBlock(Session session) {
        state.connTotal.inc();
        if (ipTable.get().contains(session.clientAddress())) {
            state.connRefuse.inc();
            log.debug("{} refuse connection (remote: {})", NAME, session.clientAddress());
            return ReturnCode.CLOSE;
        }
        if (openDebug) {
            log.debug("{} accept connection (remote: {})", NAME, session.clientAddress());
        }
        state.connAccept.inc();
        return ReturnCode.GO_ON;
    }

    /** At found-product: global rules first; a match decides; then the product's rules. */
    FilterResult productBlock(Request request) {
        state.reqTotal.inc();
        BlockRules rules = ruleTable.get();
        BlockRules.Product global = rules.product(BlockRules.GLOBAL);
        if (global != null) {
            FilterResult r = process(request, global);
            if (r != null) {
                return r;
            }
        }
        BlockRules.Product own = rules.product(request.product());
        if (own == null) {
            if (openDebug) {
                log.debug("{} product {} has no rules, pass", NAME, request.product());
            }
            return FilterResult.GO_ON; // BFE counts no REQ_ACCEPT here
        }
        state.reqToCheck.inc();
        FilterResult r = process(request, own);
        if (r == null) {
            state.reqAccept.inc();
            return FilterResult.GO_ON;
        }
        return r;
    }

    /** The first matching rule's verdict, or {@code null} when no rule matched with a known command. */
    private FilterResult process(Request request, BlockRules.Product product) {
        BlockRules.Rule[] rules = product.rules();
        ConditionList conditions = product.conditions();
        for (int i = conditions.firstMatch(request, 0); i >= 0; i = conditions.firstMatch(request, i + 1)) {
            BlockRules.Rule rule = rules[i];
            request.setContext(CTX_BLOCK_INFO, new BlockInfo(rule.name()));
            switch (rule.cmd()) {
                case "ALLOW" -> {
                    state.reqAccept.inc();
                    return FilterResult.GO_ON;
                }
                case "CLOSE" -> {
                    state.reqRefuse.inc();
                    log.debug("{} block connection (rule: {}, remote: {})", NAME, rule.name(),
                            request.session().clientAddress());
                    return FilterResult.CLOSE;
                }
                default -> {
                    if (openDebug) {
                        log.debug("{} unknown block command {}, pass", NAME, rule.cmd());
                    }
                    state.wrongCommand.inc();
                }
            }
        }
        return null;
    }

    /** For tests: replaces the rule table without a file (a table with a wrong command cannot be loaded). */
    void useRules(BlockRules rules, IpBlocklist ips) throws Exception {
        metrics = Metrics.initManual(state, NAME, 0);
        ruleTable = DataTable.open(new NoWeb(), NAME + ".product_rule_table", Path.of("-"), f -> rules,
                BlockRules::version);
        ipTable = DataTable.open(new NoWeb(), NAME + ".global_ip_table", Path.of("-"), f -> ips, IpBlocklist::version);
    }

    /** A WebHandlers that registers nothing (tests). */
    static final class NoWeb implements WebHandlers {
        @Override
        public void registerMonitor(String name, MonitorHandler handler) {
        }

        @Override
        public void registerReload(String name, ReloadHandler handler) {
        }
    }
}
