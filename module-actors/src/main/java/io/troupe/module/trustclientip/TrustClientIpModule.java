package io.troupe.module.trustclientip;

import io.troupe.api.monitor.Counter;
import io.troupe.api.monitor.Metrics;
import io.troupe.api.proxy.CallbackPoint;
import io.troupe.api.proxy.Callbacks;
import io.troupe.api.proxy.Module;
import io.troupe.api.proxy.ReturnCode;
import io.troupe.api.proxy.Session;
import io.troupe.api.proxy.WebHandlers;
import io.troupe.api.proxy.config.DataTable;
import io.troupe.api.proxy.config.ModuleConf;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.file.Path;

/**
 * mod_trust_clientip (BFE's module of that name): at accept, marks a connection whose peer is in
 * {@code trust_client_ip.data} as a trusted source, so that its requests' client address comes from
 * {@code X-Real-Ip} / {@code X-Forwarded-For} (for conditions, variables and logs).
 */
public final class TrustClientIpModule implements Module {
    public static final String NAME = "mod_trust_clientip";
    static final String DEFAULT_DATA = "mod_trust_clientip/trust_client_ip.data";

    /** BFE's counters, same names. */
    static final class State {
        Counter connTotal;
        Counter connTrustClientip;
        Counter connAddrInternal;
        Counter connAddrInternalNotTrust;
    }

    private final State state = new State();
    private DataTable<TrustIpTable> table;
    private boolean debug;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void init(Callbacks callbacks, WebHandlers web, Path confRoot) throws Exception {
        ModuleConf conf = ModuleConf.load(ModuleConf.confFile(confRoot, NAME), confRoot,
                "Basic.DataPath", "Log.OpenDebug");
        Path data = conf.path("Basic", "DataPath", DEFAULT_DATA);
        debug = conf.bool("Log", "OpenDebug", false);
        table = DataTable.open(web, NAME, data, TrustIpTable::load, TrustIpTable::version);
        web.registerMetrics(NAME, Metrics.init(state, NAME, 0));
        callbacks.addFilter(CallbackPoint.ACCEPT, this::onAccept);
    }

    private ReturnCode onAccept(Session session) {
        state.connTotal.inc(1);
        InetAddress peer = session.clientAddress().getAddress();
        boolean trusted = table.get().contains(peer);
        if (trusted) {
            state.connTrustClientip.inc(1);
        }
        session.setTrustedSource(trusted);
        // BFE counts 10.x peers apart, to see internal traffic that is not trusted
        if (peer instanceof Inet4Address && (peer.getAddress()[0] & 0xff) == 10) {
            state.connAddrInternal.inc(1);
            if (!trusted) {
                state.connAddrInternalNotTrust.inc(1);
            }
        }
        if (debug) {
            System.getLogger(NAME).log(System.Logger.Level.DEBUG, "mod_trust_clientip: src ip = {0}, trusted = {1}",
                    peer.getHostAddress(), trusted);
        }
        return ReturnCode.GO_ON;
    }
}
