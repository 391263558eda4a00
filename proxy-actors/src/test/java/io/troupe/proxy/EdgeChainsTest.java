package io.troupe.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.troupe.api.proxy.CallbackPoint;
import io.troupe.api.proxy.FilterResult;
import io.troupe.api.proxy.RequestFilter;
import io.troupe.api.proxy.Response;
import io.troupe.api.proxy.ReturnCode;
import io.troupe.api.proxy.SessionFilter;
import io.troupe.proxy.chain.ChainRegistry;
import io.troupe.proxy.chain.ChainsHolder;
import io.troupe.proxy.chain.ModuleFilters;
import io.troupe.proxy.forward.ClusterPolicy;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The edges as modules meet them: a module serves CONNECT by answering it in BEFORE_LOCATION, and behind a
 * PROXY-protocol balancer the ACCEPT chain already sees the client the header names.
 */
class EdgeChainsTest {
    private ActorTestKit kit;
    private TestBackend backend;
    private TestProxy proxy;
    private final ChainsHolder chains = new ChainsHolder();
    private final List<String> accepted = new CopyOnWriteArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        kit = ActorTestKit.create(ConfigFactory.parseString("pekko.actor.serialize-messages = on"));
        backend = new TestBackend("b");
        ActorRef<ChainRegistry.Command> registry = kit.spawn(ChainRegistry.create(List.of("mod_connect"), chains));
        ModuleFilters f = new ModuleFilters("mod_connect");
        f.addFilter(CallbackPoint.ACCEPT, (SessionFilter) s -> {
            accepted.add(s.clientAddress().getAddress().getHostAddress());
            return ReturnCode.GO_ON;
        });
        f.addFilter(CallbackPoint.BEFORE_LOCATION, (RequestFilter) r -> r.method().equals("CONNECT")
                ? FilterResult.respond(Response.of(200, "tunnels are this module's business\n"))
                : FilterResult.GO_ON);
        TestProbe<ChainRegistry.Reply> probe = kit.createTestProbe();
        registry.tell(new ChainRegistry.Register(f, probe.getRef()));
        probe.receiveMessage();
        proxy = new TestProxy(new TestRouter().cluster("c.test", ClusterPolicy.DEFAULT, backend.port()),
                "layer4-load-balancer = PROXY", chains, null);
    }

    @AfterEach
    void tearDown() {
        proxy.close();
        backend.close();
        kit.shutdownTestKit();
    }

    @Test
    void aModuleThatAnswersConnectInBeforeLocationServesIt() throws Exception {
        try (RawHttp c = new RawHttp(proxy.port())) {
            c.send("CONNECT c.test:443 HTTP/1.1\r\nHost: c.test:443\r\n\r\n");
            RawHttp.Resp r = c.read();
            assertEquals(200, r.status());
            assertTrue(r.body().contains("this module's business"), r.body());
        }
        assertEquals(0, backend.hits.get());
    }

    @Test
    void theAcceptChainSeesTheProxyProtocolClient() throws Exception {
        try (RawHttp c = new RawHttp(proxy.port())) {
            c.send("PROXY TCP4 10.7.7.7 192.0.2.1 1234 80\r\nGET / HTTP/1.1\r\nHost: c.test\r\n\r\n");
            assertEquals(200, c.read().status());
        }
        assertEquals(List.of("10.7.7.7"), accepted);
    }
}
