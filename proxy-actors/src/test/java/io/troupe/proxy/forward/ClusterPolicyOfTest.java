package io.troupe.proxy.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.troupe.proxy.route.RouteTables;
import io.troupe.proxy.route.TestConf;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** cluster_conf.data's ClusterBasic client timeouts reach the forwarding policy; BFE's defaults when unset. */
class ClusterPolicyOfTest {
    @TempDir
    Path dir;

    @Test
    void clusterBasicTimeoutsBecomeThePolicysClientTimeouts() throws Exception {
        TestConf conf = new TestConf();
        conf.clusterConf = """
                {"Version": "cc", "Config": {
                   "c_static": {"ClusterBasic": {"TimeoutReadClient": 1500, "TimeoutWriteClient": 2500,
                                                 "TimeoutReadClientAgain": 3500}},
                   "c_blog": {}, "c_default": {}, "c_nogslb": {}}}
                """;
        RouteTables t = RouteTables.load(conf.write(dir));
        ClusterPolicy set = RouteTablesRouter.policyOf(t.cluster("c_static"));
        assertEquals(1500, set.readClientTimeoutMs());
        assertEquals(2500, set.writeClientTimeoutMs());
        assertEquals(3500, set.readClientAgainTimeoutMs());
        ClusterPolicy defaults = RouteTablesRouter.policyOf(t.cluster("c_blog"));
        assertEquals(30_000, defaults.readClientTimeoutMs());
        assertEquals(60_000, defaults.writeClientTimeoutMs());
        assertEquals(60_000, defaults.readClientAgainTimeoutMs());
    }
}
