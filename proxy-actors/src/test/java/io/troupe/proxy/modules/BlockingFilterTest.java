package io.troupe.proxy.modules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.api.proxy.CallbackPoint;
import io.troupe.api.proxy.FilterResult;
import io.troupe.api.proxy.RequestFilter;
import io.troupe.api.proxy.Response;
import io.troupe.proxy.RawHttp;
import io.troupe.proxy.chain.ModuleFilters;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * {@code FilterResult.blocking} through a real proxy: the work's verdict is the filter's, a GO_ON goes on with the
 * next filter, and what the client sent while the request waited (its body, a pipelined request) is not lost.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BlockingFilterTest {
    private ModuleHarness h;
    /** Held shut by a test to keep the work waiting while the client sends more. */
    private volatile CountDownLatch gate;

    @BeforeAll
    void setUp() throws Exception {
        h = new ModuleHarness(List.of("mod_wait"), "event-loops = 1");
        ModuleFilters f = new ModuleFilters("mod_wait");
        f.addFilter(CallbackPoint.BEFORE_LOCATION, (RequestFilter) r -> {
            String how = r.header("X-Block");
            if (how == null) {
                return FilterResult.GO_ON;
            }
            CountDownLatch g = gate;
            return FilterResult.blocking(() -> {
                try {
                    g.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return switch (how) {
                    case "deny" -> FilterResult.respond(Response.of(403, "denied by work\n"));
                    case "throw" -> throw new IllegalStateException("work failed");
                    case "again" -> FilterResult.blocking(() -> FilterResult.GO_ON);
                    default -> FilterResult.GO_ON;
                };
            });
        });
        // the next filter runs only after the blocking one said GO_ON
        f.addFilter(CallbackPoint.BEFORE_LOCATION, (RequestFilter) r -> {
            r.setHeader("X-Second", "ran");
            return FilterResult.GO_ON;
        });
        h.register(f);
    }

    @BeforeEach
    void openGate() {
        gate = new CountDownLatch(0);
    }

    @AfterAll
    void tearDown() {
        h.close();
    }

    @Test
    void goOnContinuesWithTheNextFilterAndTheBodySentMeanwhileArrives() throws Exception {
        gate = new CountDownLatch(1);
        try (RawHttp c = new RawHttp(h.port())) {
            // head and body in two writes: the body arrives while the work waits behind the gate
            c.send("POST /p HTTP/1.1\r\nHost: a.test\r\nX-Block: go\r\nContent-Length: 11\r\n\r\n");
            c.send("hello world");
            gate.countDown();
            RawHttp.Resp r = c.read();
            assertEquals(200, r.status());
            assertEquals("hello world", EchoBackend.body(r.body()));
            assertEquals("ran", EchoBackend.seen(r.body(), "x-second"));
            // and the connection goes on
            assertEquals(200, c.send("GET /next HTTP/1.1\r\nHost: a.test\r\n\r\n").read().status());
        }
    }

    @Test
    void pipelinedRequestsWaitTheirTurn() throws Exception {
        gate = new CountDownLatch(1);
        try (RawHttp c = new RawHttp(h.port())) {
            c.send("GET /first HTTP/1.1\r\nHost: a.test\r\nX-Block: again\r\n\r\n"
                    + "POST /second HTTP/1.1\r\nHost: a.test\r\nContent-Length: 3\r\n\r\nabc");
            gate.countDown();
            RawHttp.Resp first = c.read();
            RawHttp.Resp second = c.read();
            assertEquals("GET /first", EchoBackend.line(first.body()));
            assertEquals("POST /second", EchoBackend.line(second.body()));
            assertEquals("abc", EchoBackend.body(second.body()));
        }
    }

    @Test
    void theWorksAnswerIsTheFiltersAndAFailureIs500() throws Exception {
        try (RawHttp c = new RawHttp(h.port())) {
            RawHttp.Resp r = c.send("GET /d HTTP/1.1\r\nHost: a.test\r\nX-Block: deny\r\n\r\n").read();
            assertEquals(403, r.status());
            assertEquals("denied by work\n", r.body());
            assertEquals(200, c.send("GET /after HTTP/1.1\r\nHost: a.test\r\n\r\n").read().status());
        }
        try (RawHttp c = new RawHttp(h.port())) {
            RawHttp.Resp r = c.send("GET /t HTTP/1.1\r\nHost: a.test\r\nX-Block: throw\r\n\r\n").read();
            assertEquals(500, r.status());
            assertTrue(c.closedByPeer());
        }
    }

    @Test
    void aClientThatLeavesWhileTheWorkRunsLeavesNothingBehind() throws Exception {
        gate = new CountDownLatch(1);
        try (RawHttp c = new RawHttp(h.port())) {
            c.send("GET /gone HTTP/1.1\r\nHost: a.test\r\nX-Block: go\r\n\r\n");
        }
        gate.countDown();
        long active = h.proxy.stats.get(io.troupe.proxy.monitor.ProxyStats.Key.CLIENT_REQ_ACTIVE);
        BuiltinHarness.await(() -> h.proxy.stats.get(io.troupe.proxy.monitor.ProxyStats.Key.CLIENT_REQ_ACTIVE) == 0,
                "no request left active (was " + active + ")");
        try (RawHttp c = new RawHttp(h.port())) {
            assertEquals(200, c.send("GET /still HTTP/1.1\r\nHost: a.test\r\n\r\n").read().status());
        }
    }
}
