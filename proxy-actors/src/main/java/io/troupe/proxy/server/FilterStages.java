package io.troupe.proxy.server;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.troupe.api.proxy.CallbackPoint;
import io.troupe.api.proxy.FilterResult;
import io.troupe.api.proxy.Response;
import io.troupe.api.proxy.ReturnCode;
import io.troupe.proxy.chain.Chains;
import io.troupe.proxy.forward.Exchange;
import io.troupe.proxy.forward.HopByHop;
import io.troupe.proxy.forward.Router;
import io.troupe.proxy.forward.Upstream;
import io.troupe.proxy.monitor.ProxyStats.Key;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The way of one request from its complete head to the backend: the request callback points (BEFORE_LOCATION,
 * FOUND_PRODUCT, AFTER_LOCATION, FORWARD) with the routing between them, then the {@link Exchange}. A filter's
 * blocking work ({@code FilterResult.blocking}) suspends the request on the module work pool; its verdict
 * resumes the chain on the event loop. One per connection (per stream on HTTP/2), reused for every request.
 */
final class FilterStages {
    private static final Logger log = LoggerFactory.getLogger(FilterStages.class);

    private final ProxyHandler h;
    private final ProxyContext px;
    private final ChannelHandlerContext ctx;
    /** The chains snapshot the current request runs on, from its first filter to its last. */
    private Chains chains;
    /** Where the current request was routed, between the chain points. */
    private Router.Routed routed;
    /** The request's {@link RequestView#changes()} when it was routed: unchanged, routing again gives the same. */
    private int changesWhenRouted;
    /** A request filter's blocking work runs for this request: what the client sends waits in the queue. */
    private boolean suspended;
    /** The client's address as text, formatted once per connection for X-Forwarded-For / X-Real-IP. */
    private String clientIp;

    FilterStages(ProxyHandler h, ChannelHandlerContext ctx) {
        this.h = h;
        this.px = h.px;
        this.ctx = ctx;
    }

    boolean suspended() {
        return suspended;
    }

    /** Runs the request chains, routes, and forwards; the head (and any buffered body) is complete. */
    void start() {
        chains = px.chains.current();
        runChain(CallbackPoint.BEFORE_LOCATION, 0);
    }

    /**
     * Runs a request chain from its filter number {@code from}, then the step after that point. A filter's
     * blocking work suspends the request here until the work's verdict is back (resumeChain).
     */
    private void runChain(CallbackPoint point, int from) {
        FilterResult fr = chains.runRequest(point, h.req, from);
        if (fr.code() == ReturnCode.BLOCKING) {
            Chains.Blocked b = (Chains.Blocked) fr.work();
            runBlocking(point, b.next(), b.work());
            return;
        }
        if (goOn(fr)) {
            switch (point) {
                case BEFORE_LOCATION -> locate();
                case FOUND_PRODUCT -> productFiltered();
                default -> forward();
            }
        }
    }

    /** After BEFORE_LOCATION: the product, then FOUND_PRODUCT (when a module hooks it) or the cluster. */
    private void locate() {
        if (HttpMethod.CONNECT.equals(h.clientHead.method())) {
            // no tunnel to offer: a module that serves CONNECT answers it in BEFORE_LOCATION, above
            h.response.answer(RequestEdges.CONNECT_NOT_ALLOWED);
            return;
        }
        routed = px.router.route(h.req);
        changesWhenRouted = h.req.changes();
        h.req.product(routed.product());
        if (routed.error() == Router.RouteError.NO_PRODUCT) {
            h.response.answer(LocalResponses.routeError(routed.error()));
            return;
        }
        if (chains.has(CallbackPoint.FOUND_PRODUCT)) {
            runChain(CallbackPoint.FOUND_PRODUCT, 0);
        } else {
            clusterFound();
        }
    }

    /** FOUND_PRODUCT filters may rewrite the request; one that did is routed again as it now stands. */
    private void productFiltered() {
        if (h.req.changes() != changesWhenRouted) {
            routed = px.router.route(h.req);
            h.req.product(routed.product());
        }
        clusterFound();
    }

    private void clusterFound() {
        if (routed.error() != null) {
            h.response.answer(LocalResponses.routeError(routed.error()));
            return;
        }
        h.req.cluster(routed.cluster());
        h.timeouts.apply(routed.target().policy(), h.requestHasBody && !h.requestComplete);
        runChain(CallbackPoint.AFTER_LOCATION, 0);
    }

    /** After AFTER_LOCATION: picks an instance and hands the request to an exchange. */
    private void forward() {
        HttpRequest r = h.clientHead;
        Router.ClusterTarget target = routed.target();
        routed = null;
        Upstream first = target.pick(h.req, Set.of());
        if (first == null) {
            h.response.answer(LocalResponses.routeError(Router.RouteError.NO_BACKEND));
            return;
        }
        boolean upgrade = !h.http2 && HopByHop.isUpgrade(r.headers());
        byte[] whole = h.req.body();
        if (whole != null && (h.requestHasBody || whole.length > 0)) {
            h.requestHasBody = BufferedBody.frame(r, whole);
        }
        String ip = clientIp;
        if (ip == null) {
            ip = clientIp = h.session.clientAddress().getAddress().getHostAddress();
        }
        OutgoingHead.prepare(r, upgrade, h.http2, h.requestHasBody, h.session, ip, h.req.clientAddress());
        if (h.requestHasBody) {
            h.head.continueBody();
        }
        Exchange e = new Exchange(h.response, px.pool(ctx.channel().eventLoop()), px.router, px.stats, target, h.req, r,
                h.requestHasBody, upgrade);
        h.exchange = e;
        e.start(first);
        if (whole != null && (h.head.bodyFromWire() || whole.length > 0)) {
            h.head.bufferedBody().sendWhole(e, whole);
        }
    }

    /**
     * Runs a filter's blocking work on the module work pool. The request waits, reading from the client paused
     * and what was already read held in the queue; the event loop serves its other connections meanwhile.
     */
    private void runBlocking(CallbackPoint point, int next, Supplier<FilterResult> work) {
        RequestView waiting = h.req;
        String uri = h.clientHead.uri();
        suspended = true;
        h.updateRead();
        boolean taken = px.blocking.submit(() -> {
            FilterResult verdict;
            try {
                verdict = work.get();
            } catch (RuntimeException | Error e) {
                log.warn("blocking work of a {} filter failed for {}: {}", point, uri, e.toString());
                verdict = null;
            }
            FilterResult v = verdict;
            try {
                ctx.executor().execute(() -> resumeChain(waiting, point, next, v));
            } catch (RejectedExecutionException stopped) {
                // the proxy stopped meanwhile; its connections are closed already
            }
        });
        if (!taken) {
            suspended = false;
            h.updateRead();
            h.response.sendLocal(HttpResponseStatus.SERVICE_UNAVAILABLE, "too much module work waiting\n", true);
        }
    }

    /** Back on the event loop with a blocking work's verdict: applies it, or goes on with the next filter. */
    private void resumeChain(RequestView waiting, CallbackPoint point, int next, FilterResult verdict) {
        if (h.req != waiting || !suspended || !h.responding || !ctx.channel().isActive()) {
            return; // the client went away or timed out meanwhile
        }
        suspended = false;
        h.updateRead();
        if (verdict == null) {
            h.response.sendLocal(HttpResponseStatus.INTERNAL_SERVER_ERROR, "module failed\n", true);
        } else if (verdict.code() == ReturnCode.BLOCKING) {
            runBlocking(point, next, verdict.work());
        } else if (verdict.code() == ReturnCode.GO_ON) {
            runChain(point, next);
        } else {
            goOn(verdict);
        }
        if (!suspended) {
            // body pieces and pipelined requests that arrived while the request waited
            h.resumeReading();
        }
    }

    /** Applies a request filter's verdict; false when the request was answered or the connection closed. */
    private boolean goOn(FilterResult fr) {
        ReturnCode code = fr.code();
        if (code == ReturnCode.GO_ON) {
            return true;
        }
        Response resp = fr.response() != null ? fr.response() : Response.of(500, "filter returned " + code + " without a response\n");
        switch (code) {
            case CLOSE -> {
                px.stats.inc(Key.ERR_FILTER_CLOSE);
                h.closeNow();
            }
            case FINISH -> {
                px.stats.inc(Key.ERR_FILTER_FINISH);
                h.closeAfter = true;
                h.response.sendFilterResponse(resp);
            }
            default -> h.response.sendFilterResponse(resp);
        }
        return false;
    }

    /** An instance was chosen (first try or a retry): the FORWARD chain decides whether the exchange goes on. */
    boolean forwarding(Upstream upstream) {
        h.req.backend(upstream.address());
        ReturnCode c = px.chains.current().runForward(h.req);
        if (c == ReturnCode.GO_ON) {
            return true;
        }
        h.exchange = null;
        if (c == ReturnCode.CLOSE) {
            px.stats.inc(Key.ERR_FILTER_CLOSE);
            h.closeNow();
        } else {
            // a forward filter has no response to send; anything but GO_ON and CLOSE ends the request
            px.stats.inc(Key.ERR_FILTER_FINISH);
            h.response.sendLocal(HttpResponseStatus.FORBIDDEN, "refused by forward filter\n", true);
        }
        return false;
    }
}
