package io.troupe.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.troupe.api.proxy.CallbackPoint;
import io.troupe.api.proxy.Callbacks;
import io.troupe.api.proxy.FilterResult;
import io.troupe.api.proxy.Module;
import io.troupe.api.proxy.Request;
import io.troupe.api.proxy.Response;
import io.troupe.api.proxy.ReturnCode;
import io.troupe.api.proxy.Session;
import io.troupe.api.proxy.WebHandlers;
import io.troupe.module.web.WebHandlerRegistry;
import io.troupe.proxy.chain.ChainRegistry;
import io.troupe.proxy.chain.ChainsHolder;
import io.troupe.proxy.chain.ModuleFilters;
import io.troupe.proxy.forward.ClusterPolicy;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A module that registers its filters as BFE modules do, one method per callback, with method references (and
 * typed lambdas): it compiles against the overloaded {@link Callbacks#addFilter} and every filter runs.
 */
class MethodReferenceModuleTest {

    /** The module under test: no casts anywhere. */
    static final class CountingModule implements Module {
        final AtomicInteger accepted = new AtomicInteger();
        final AtomicInteger forwarded = new AtomicInteger();
        final AtomicInteger finished = new AtomicInteger();

        @Override
        public String name() {
            return "mod_counting";
        }

        @Override
        public void init(Callbacks callbacks, WebHandlers web, Path confRoot) {
            callbacks.addFilter(CallbackPoint.ACCEPT, this::onAccept);
            callbacks.addFilter(CallbackPoint.BEFORE_LOCATION, this::beforeLocation);
            callbacks.addFilter(CallbackPoint.FORWARD, this::onForward);
            callbacks.addFilter(CallbackPoint.REQUEST_FINISH, this::onFinish);
            callbacks.addFilter(CallbackPoint.AFTER_LOCATION, (Request r) ->
                    "/teapot".equals(r.path()) ? FilterResult.respond(Response.of(418, "typed lambda\n")) : FilterResult.GO_ON);
        }

        private ReturnCode onAccept(Session session) {
            accepted.incrementAndGet();
            return ReturnCode.GO_ON;
        }

        private FilterResult beforeLocation(Request request) {
            request.setHeader("X-Added", "by-method-reference");
            return FilterResult.GO_ON;
        }

        private ReturnCode onForward(Request request) {
            forwarded.incrementAndGet();
            return ReturnCode.GO_ON;
        }

        private ReturnCode onFinish(Request request, Response response) {
            finished.incrementAndGet();
            return ReturnCode.GO_ON;
        }
    }

    private ActorTestKit kit;
    private TestBackend backend;
    private TestProxy proxy;
    private final ChainsHolder chains = new ChainsHolder();

    @BeforeEach
    void setUp() throws Exception {
        kit = ActorTestKit.create(ConfigFactory.parseString("pekko.actor.serialize-messages = on"));
        backend = new TestBackend("b");
    }

    @AfterEach
    void tearDown() {
        if (proxy != null) {
            proxy.close();
        }
        backend.close();
        kit.shutdownTestKit();
    }

    @Test
    void filtersRegisteredByMethodReferenceRun() throws Exception {
        CountingModule module = new CountingModule();
        ModuleFilters filters = new ModuleFilters(module.name());
        module.init(filters, new WebHandlerRegistry(), null);
        assertEquals(1, filters.at(CallbackPoint.ACCEPT).size());
        assertEquals(1, filters.at(CallbackPoint.BEFORE_LOCATION).size());
        assertEquals(1, filters.at(CallbackPoint.AFTER_LOCATION).size());
        assertEquals(1, filters.at(CallbackPoint.FORWARD).size());
        assertEquals(1, filters.at(CallbackPoint.REQUEST_FINISH).size());

        ActorRef<ChainRegistry.Command> registry = kit.spawn(ChainRegistry.create(List.of(module.name()), chains));
        TestProbe<ChainRegistry.Reply> probe = kit.createTestProbe();
        registry.tell(new ChainRegistry.Register(filters, probe.getRef()));
        assertInstanceOf(ChainRegistry.Registered.class, probe.receiveMessage());
        proxy = new TestProxy(new TestRouter().cluster("c.test", ClusterPolicy.DEFAULT, backend.port()), "", chains, null);

        try (RawHttp c = new RawHttp(proxy.port())) {
            c.send("GET /x HTTP/1.1\r\nHost: c.test\r\n\r\n");
            RawHttp.Resp r = c.read();
            assertEquals(200, r.status());
            assertTrue(r.body().contains("added=by-method-reference"), r.body());
            c.send("GET /teapot HTTP/1.1\r\nHost: c.test\r\n\r\n");
            RawHttp.Resp teapot = c.read();
            assertEquals(418, teapot.status());
            assertEquals("typed lambda\n", teapot.body());
        }
        assertEquals(1, module.accepted.get());
        assertEquals(1, module.forwarded.get());
        long deadline = System.currentTimeMillis() + 3000;
        while (module.finished.get() < 2 && System.currentTimeMillis() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(2, module.finished.get());
    }
}
