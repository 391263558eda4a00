package io.troupe.proxy.forward;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.ReferenceCountUtil;
import io.troupe.api.proxy.Request;
import io.troupe.proxy.monitor.ProxyStats;
import io.troupe.proxy.monitor.ProxyStats.Key;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Set;

/**
 * The backend leg of one proxied request: gets a pooled or new connection, retries on another instance
 * when that is safe, streams the request body out and the response back with backpressure, and returns
 * the connection to the pool when both directions ended cleanly. Runs entirely on the client's event loop.
 */
public final class Exchange {
    /** Body pieces held while connecting before the client is paused. */
    private static final int MAX_BUFFERED = 8;

    private final ClientLeg client;
    private final BackendPool pool;
    private final Router router;
    private final ProxyStats stats;
    private final Router.ClusterTarget target;
    private final ClusterPolicy policy;
    private final Request request;
    private final HttpRequest head;
    private final boolean hasBody;
    private final boolean upgrade;
    private final boolean retryableMethod;
    private ArrayDeque<HttpContent> buffered;
    /** Upstreams already tried; made on the first retry, so a request that needs none allocates nothing. */
    private Set<Upstream> tried;

    private Upstream upstream;
    private Channel backend;
    private boolean reused;
    private boolean staleRetried;
    private boolean requestComplete;
    private boolean requestSent;
    private boolean responseStarted;
    private boolean keepAliveBackend;
    private boolean skipInterim;
    private boolean tunnel;
    private boolean done;
    private int retries;
    /** The backend connection's response-header deadline while this exchange has one armed. */
    private ResponseDeadline responseDeadline;
    private Runnable timeoutAction;
    private Upstream inFlight;

    public Exchange(ClientLeg client, BackendPool pool, Router router, ProxyStats stats, Router.ClusterTarget target,
                    Request request, HttpRequest head, boolean hasBody, boolean upgrade) {
        this.client = client;
        this.pool = pool;
        this.router = router;
        this.stats = stats;
        this.target = target;
        this.policy = target.policy();
        this.request = request;
        this.head = head;
        this.hasBody = hasBody;
        this.upgrade = upgrade;
        HttpMethod m = head.method();
        this.retryableMethod = !hasBody && (m.equals(HttpMethod.GET) || m.equals(HttpMethod.HEAD));
    }

    /** The instance currently used. */
    public Upstream upstream() {
        return upstream;
    }

    /** Starts forwarding to {@code first}. */
    public void start(Upstream first) {
        upstream = first;
        attempt();
    }

    private void attempt() {
        if (!client.forwarding(upstream)) {
            abandon();
            return;
        }
        final Upstream u = upstream;
        pool.acquire(u, policy.connectTimeoutMs(), new BackendPool.Acquired() {
            @Override
            public void connected(Channel ch, boolean wasReused) {
                onConnected(u, ch, wasReused);
            }

            @Override
            public void failed(Throwable cause) {
                onConnectFailed(u);
            }
        });
    }

    private void onConnected(Upstream u, Channel ch, boolean wasReused) {
        if (done) {
            pool.release(u, ch, policy.maxIdlePerHost());
            return;
        }
        backend = ch;
        reused = wasReused;
        endInFlight();
        inFlight = u;
        router.requestStarted(u);
        stats.inc(wasReused ? Key.BACKEND_CONN_REUSED : Key.BACKEND_CONN_NEW);
        BackendHandler.of(ch).exchange(this);
        if (policy.maxIdlePerHost() == 0 && !(ch instanceof Http2StreamChannel)
                && !head.headers().contains(HttpHeaderNames.CONNECTION)) {
            // MaxIdleConnsPerHost 0: keep-alive off, and the backend is told so, as BFE's transport does
            head.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        // no promise per write: a failed write reaches BackendHandler.exceptionCaught, which ends the exchange
        ch.write(head, ch.voidPromise());
        if (!hasBody) {
            if (requestComplete) {
                ch.write(LastHttpContent.EMPTY_LAST_CONTENT, ch.voidPromise());
                sent();
            }
        } else {
            HttpContent c;
            while (buffered != null && (c = buffered.poll()) != null) {
                boolean last = c instanceof LastHttpContent;
                ch.write(c);
                if (last) {
                    sent();
                }
            }
        }
        ch.flush();
        client.pauseReading(!ch.isWritable());
    }

    private void sent() {
        requestSent = true;
        int t = policy.responseHeaderTimeoutMs();
        if (t > 0) {
            // the connection's own deadline, not a task per request: a pooled connection reuses one timer
            if (timeoutAction == null) {
                timeoutAction = this::onResponseTimeout;
            }
            responseDeadline = ResponseDeadline.of(backend);
            responseDeadline.arm(t, timeoutAction);
        }
    }

    private void onConnectFailed(Upstream u) {
        stats.inc(Key.ERR_BK_CONNECT_BACKEND);
        router.reportFailure(u);
        if (!done) {
            retryOrFail(502, "cannot connect to " + u);
        }
    }

    private void retryOrFail(int status, String reason) {
        if (retries < policy.retryMax()) {
            if (tried == null) {
                tried = new HashSet<>(4);
            }
            tried.add(upstream);
            Upstream next = target.pick(request, tried);
            if (next != null) {
                retries++;
                stats.inc(Key.BACKEND_RETRY);
                upstream = next;
                attempt();
                return;
            }
        }
        fail(status, reason);
    }

    private void fail(int status, String reason) {
        done = true;
        endInFlight();
        cancelTimer();
        releaseBuffered();
        client.failed(status, reason);
    }

    /** A piece of the request body from the client. */
    public void onClientContent(HttpContent c) {
        boolean last = c instanceof LastHttpContent;
        if (done) {
            c.release();
            return;
        }
        if (last) {
            requestComplete = true;
        }
        if (!hasBody) {
            c.release();
            if (last && backend != null && !requestSent) {
                backend.write(LastHttpContent.EMPTY_LAST_CONTENT, backend.voidPromise());
                sent();
            }
            return;
        }
        if (backend == null) {
            if (buffered == null) {
                buffered = new ArrayDeque<>(MAX_BUFFERED);
            }
            buffered.add(c);
            if (buffered.size() >= MAX_BUFFERED) {
                client.pauseReading(true);
            }
            return;
        }
        backend.write(c);
        if (last) {
            sent();
        }
        if (!backend.isWritable()) {
            client.pauseReading(true);
        }
    }

    /** Raw bytes from the client after a protocol switch. */
    public void onClientRaw(Object msg) {
        if (backend == null || done && !tunnel) {
            ReferenceCountUtil.release(msg);
            return;
        }
        backend.write(msg);
        if (!backend.isWritable()) {
            client.pauseReading(true);
        }
    }

    /** The client's read burst ended: push what was written to the backend. */
    public void onClientReadComplete() {
        if (backend != null) {
            backend.flush();
        }
    }

    /** The client can (not) take more response bytes. */
    public void onClientWritabilityChanged(boolean writable) {
        if (backend != null) {
            backend.config().setAutoRead(writable);
        }
    }

    /** The client went away or the client leg gave up: drop the backend connection. */
    public void clientGone() {
        if (done && !tunnel) {
            return;
        }
        done = true;
        endInFlight();
        cancelTimer();
        releaseBuffered();
        Channel b = backend;
        backend = null;
        if (b != null) {
            BackendHandler.of(b).exchange(null);
            b.close();
        }
    }

    void onBackendMessage(Object msg) {
        if (tunnel) {
            if (msg instanceof ByteBuf) {
                client.channel().write(msg);
                if (!client.channel().isWritable()) {
                    backend.config().setAutoRead(false);
                }
            } else {
                ReferenceCountUtil.release(msg);
            }
            return;
        }
        if (done) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof HttpResponse r) {
            if (!r.decoderResult().isSuccess()) {
                ReferenceCountUtil.release(msg);
                backendBroken("invalid response from " + upstream + ": " + r.decoderResult().cause(), false);
                return;
            }
            int code = r.status().code();
            if (code == 101 && upgrade) {
                startTunnel(r);
                ReferenceCountUtil.release(msg);
                return;
            }
            if (code == 101) {
                // RFC 9110 §15.2.2: no switch the client did not ask for (Go's ReverseProxy refuses it at once too)
                ReferenceCountUtil.release(msg);
                backendBroken(upstream + " switched protocols though the client asked for no upgrade", false);
                return;
            }
            if (code >= 100 && code < 200) {
                // interim responses (103 and the like) are not passed on; we never forward Expect
                skipInterim = true;
                ReferenceCountUtil.release(msg);
                return;
            }
            cancelTimer();
            responseStarted = true;
            keepAliveBackend = HttpUtil.isKeepAlive(r);
            router.reportSuccess(upstream);
            client.responseHead(r);
            if (done) {
                ReferenceCountUtil.release(msg);
                return;
            }
        }
        if (msg instanceof HttpContent c) {
            if (skipInterim || !responseStarted) {
                if (c instanceof LastHttpContent) {
                    skipInterim = false;
                }
                c.release();
                return;
            }
            if (c instanceof LastHttpContent) {
                done = true;
                endInFlight();
                Channel b = backend;
                backend = null;
                if (keepAliveBackend && requestSent) {
                    pool.release(upstream, b, policy.maxIdlePerHost());
                } else {
                    BackendHandler.of(b).exchange(null);
                    b.close();
                }
                client.responseContent(c, true);
                return;
            }
            client.responseContent(c, false);
            if (!client.channel().isWritable() && backend != null) {
                backend.config().setAutoRead(false);
            }
        } else if (!(msg instanceof HttpResponse)) {
            ReferenceCountUtil.release(msg);
        }
    }

    private void startTunnel(HttpResponse r) {
        cancelTimer();
        tunnel = true;
        responseStarted = true;
        router.reportSuccess(upstream);
        client.upgraded(r, backend);
        if (backend != null && backend.pipeline().get("codec") != null) {
            // leftover bytes after the 101 flow on to us as raw ByteBufs
            backend.pipeline().remove("codec");
        }
    }

    void onBackendReadComplete() {
        if (responseStarted) {
            client.flush();
        }
    }

    void onBackendWritabilityChanged(boolean writable) {
        // also after the last body piece: the client may have been paused by it and must read on
        client.pauseReading(!writable);
    }

    void onBackendClosed(Channel ch, Throwable cause) {
        if (ch != backend) {
            return;
        }
        backend = null;
        if (tunnel) {
            endInFlight();
            client.aborted();
            return;
        }
        if (done) {
            return;
        }
        cancelTimer();
        if (responseStarted) {
            done = true;
            endInFlight();
            stats.inc(Key.ERR_BK_TRANSPORT_BROKEN);
            router.reportFailure(upstream);
            client.aborted();
            return;
        }
        backendBroken("connection to " + upstream + " closed before a response"
                + (cause == null ? "" : ": " + cause), true);
    }

    /** @param nothingReceived the connection ended before any response byte (not an answer we could not use) */
    private void backendBroken(String reason, boolean nothingReceived) {
        Channel b = backend;
        backend = null;
        if (b != null) {
            BackendHandler.of(b).exchange(null);
            b.close();
        }
        if (retryableMethod && reused && nothingReceived && !staleRetried) {
            // a pooled keep-alive connection the backend had just closed: try once on a fresh one (as Go's transport,
            // only when no byte of a response came: a backend that answered has seen the request)
            staleRetried = true; // the same upstream again: it is not in tried until a retry moves on
            attempt();
            return;
        }
        stats.inc(Key.ERR_BK_READ_RESP_HEADER);
        router.reportFailure(upstream);
        if (retryableMethod && policy.retryLevel() >= ClusterPolicy.RETRY_GET) {
            retryOrFail(502, reason);
        } else {
            fail(502, reason);
        }
    }

    private void onResponseTimeout() {
        responseDeadline = null;
        if (done || responseStarted) {
            return;
        }
        stats.inc(Key.ERR_BK_RESP_HEADER_TIMEOUT);
        router.reportFailure(upstream);
        Channel b = backend;
        backend = null;
        if (b != null) {
            BackendHandler.of(b).exchange(null);
            b.close();
        }
        String reason = "no response head from " + upstream + " within " + policy.responseHeaderTimeoutMs() + " ms";
        if (retryableMethod && policy.retryLevel() >= ClusterPolicy.RETRY_GET) {
            retryOrFail(504, reason); // BFE's clusterInvoke retries a header timeout like any backend error
        } else {
            fail(504, reason);
        }
    }

    private void endInFlight() {
        if (inFlight != null) {
            router.requestFinished(inFlight);
            inFlight = null;
        }
    }

    private void cancelTimer() {
        if (responseDeadline != null) {
            responseDeadline.disarm(timeoutAction);
            responseDeadline = null;
        }
    }

    private void abandon() {
        done = true;
        endInFlight();
        cancelTimer();
        releaseBuffered();
    }

    private void releaseBuffered() {
        HttpContent c;
        while (buffered != null && (c = buffered.poll()) != null) {
            c.release();
        }
    }
}
