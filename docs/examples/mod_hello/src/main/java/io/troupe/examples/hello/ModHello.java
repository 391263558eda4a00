package io.troupe.examples.hello;

import io.troupe.api.monitor.Counter;
import io.troupe.api.monitor.Metrics;
import io.troupe.api.proxy.CallbackPoint;
import io.troupe.api.proxy.Callbacks;
import io.troupe.api.proxy.Module;
import io.troupe.api.proxy.Request;
import io.troupe.api.proxy.Response;
import io.troupe.api.proxy.ReturnCode;
import io.troupe.api.proxy.WebHandlers;
import io.troupe.api.proxy.config.DataTable;
import io.troupe.api.proxy.config.ModuleConf;
import java.nio.file.Path;

/**
 * The minimal third-party proxy module: sets one response header, taken from a reloadable {@code .data} file, on
 * every response the proxy forwards from a backend.
 *
 * <p>Config: {@code <conf>/mod_hello/mod_hello.conf} with {@code [Basic] DataPath} (default
 * {@code mod_hello/hello_rule.data}); reload {@code /reload/mod_hello.hello_rule_table} (with {@code ?path=});
 * monitor {@code /monitor/mod_hello} ({@code REQ_TOTAL}, {@code HEADER_SET}). Runs after mod_header
 * ({@link #orderAfter()}), so its header wins over a mod_header rule setting the same name.
 */
public final class ModHello implements Module {

    /** The module name. */
    public static final String NAME = "mod_hello";

    /** The reload name of the header rule. */
    public static final String RULE_TABLE = NAME + ".hello_rule_table";

    /** Default of {@code [Basic] DataPath}, relative to the conf root. */
    public static final String DEFAULT_DATA_PATH = "mod_hello/hello_rule.data";

    /** The module's counters, shown as REQ_TOTAL and HEADER_SET under /monitor/mod_hello. */
    static final class State {
        Counter reqTotal;  // responses seen
        Counter headerSet; // responses the header was set on
    }

    final State state = new State();
    private DataTable<HelloRule> rule;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String orderAfter() {
        return "mod_header";
    }

    @Override
    public void init(Callbacks callbacks, WebHandlers web, Path confRoot) throws Exception {
        ModuleConf conf = ModuleConf.load(ModuleConf.confFile(confRoot, NAME), confRoot, "Basic.DataPath");
        Path dataPath = conf.path("Basic", "DataPath", DEFAULT_DATA_PATH);
        // built here, not in the constructor: ServiceLoader builds every available module, enabled or not
        Metrics metrics = Metrics.init(state, NAME, 0);

        rule = DataTable.open(web, RULE_TABLE, dataPath, HelloRule::load, HelloRule::version);
        callbacks.addFilter(CallbackPoint.READ_RESPONSE, this::setHeader);
        web.registerMetrics(NAME, metrics);
    }

    /** At read-response: sets the configured header on the backend's response head. */
    ReturnCode setHeader(Request request, Response response) {
        state.reqTotal.inc();
        HelloRule r = rule.get();
        response.setHeader(r.header(), r.value());
        state.headerSet.inc();
        return ReturnCode.GO_ON;
    }
}
