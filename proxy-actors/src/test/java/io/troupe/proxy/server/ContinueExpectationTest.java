package io.troupe.proxy.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import org.junit.jupiter.api.Test;

/** The Expect header's decision table, and the one 100 Continue a waiting client gets. */
class ContinueExpectationTest {

    @Test
    void onlyAListOf100ContinueIsMet() {
        assertTrue(ContinueExpectation.only100Continue("100-continue"));
        assertTrue(ContinueExpectation.only100Continue("100-Continue"));
        assertTrue(ContinueExpectation.only100Continue(" 100-continue , 100-CONTINUE "));
        assertTrue(ContinueExpectation.only100Continue("100-continue,,"));
        assertFalse(ContinueExpectation.only100Continue(""));
        assertFalse(ContinueExpectation.only100Continue(" , "));
        assertFalse(ContinueExpectation.only100Continue("100-continue, foo"));
        assertFalse(ContinueExpectation.only100Continue("200-ok"));
        assertEquals(HttpResponseStatus.EXPECTATION_FAILED, ContinueExpectation.UNSUPPORTED.status());
        assertTrue(ContinueExpectation.UNSUPPORTED.close());
    }

    @Test
    void aClientWaitsOnlyWhenItsBodyIsStillToCome() {
        ContinueExpectation e = new ContinueExpectation();
        assertTrue(e.accept("100-continue", true));
        assertTrue(e.pending());
        // HTTP/1.0, a body already read, or no body: nothing is sent
        assertTrue(e.accept("100-continue", false));
        assertFalse(e.pending());
        assertTrue(e.accept("100-continue", true));
        e.clear();
        assertFalse(e.pending());
        // a refused expectation leaves nothing pending from the request before
        assertTrue(e.accept("100-continue", true));
        assertFalse(e.accept("something-else", true));
        assertFalse(e.pending());
    }

    @Test
    void continueGoesOutOnceWhenTheBodyIsWanted() {
        EmbeddedChannel ch = new EmbeddedChannel(new ChannelInboundHandlerAdapter());
        ChannelHandlerContext ctx = ch.pipeline().firstContext();
        ContinueExpectation e = new ContinueExpectation();
        e.bodyWanted(ctx);
        assertNull(ch.readOutbound(), "no 100 Continue without an expectation");
        e.accept("100-continue", true);
        e.bodyWanted(ctx);
        e.bodyWanted(ctx);
        FullHttpResponse sent = ch.readOutbound();
        assertEquals(HttpResponseStatus.CONTINUE, sent.status());
        sent.release();
        assertNull(ch.readOutbound(), "the interim answer goes out once");
        assertFalse(e.pending());
        ch.finishAndReleaseAll();
    }
}
