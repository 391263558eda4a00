package io.troupe.proxy.server;

import io.netty.channel.ChannelFuture;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import io.troupe.proxy.forward.ClusterPolicy;
import java.util.concurrent.TimeUnit;

/**
 * The per-request client timeouts of one connection or stream, as BFE applies a cluster's ClusterBasic:
 * reading the request body (TimeoutReadClient), writing the response (TimeoutWriteClient) and the keep-alive
 * wait before the next request (TimeoutReadClientAgain). Runs on the connection's event loop; on expiry it
 * calls the handler's timeout action, which ends the request and closes the connection.
 */
final class ClientTimeouts {
    private final EventExecutor loop;
    private final Runnable onTimeout;
    private final long defaultKeepAliveMs;
    private ScheduledFuture<?> bodyTimer;
    /**
     * The response deadline's timer, one per connection: each response only moves {@code writeDeadline}, and the
     * timer, when it wakes early, waits out the rest (as the backend's ResponseDeadline does), so a keep-alive
     * response schedules nothing of its own. It runs while a response is under way whether or not the client reads,
     * so a backend that stalls mid-body is cut too (BFE's AfterFunc on TimeoutWriteClient).
     */
    private ScheduledFuture<?> writeTimer;
    /** When {@code writeTimer} fires (System.nanoTime()), valid while it is set. */
    private long writeTimerAt;
    private int writeTimeoutMs;
    /** System.nanoTime() by which the response being written must be out; 0 = none. */
    private long writeDeadline;
    private long keepAliveMs;

    ClientTimeouts(EventExecutor loop, long defaultKeepAliveMs, Runnable onTimeout) {
        this.loop = loop;
        this.defaultKeepAliveMs = defaultKeepAliveMs;
        this.onTimeout = onTimeout;
        this.keepAliveMs = defaultKeepAliveMs;
    }

    /** A new request head: no cluster is known yet, so the listener's defaults apply. */
    void newRequest() {
        keepAliveMs = defaultKeepAliveMs;
        writeTimeoutMs = 0;
    }

    /** The request's cluster is known; {@code bodyPending} when the client is still sending its body. */
    void apply(ClusterPolicy p, boolean bodyPending) {
        if (p.readClientAgainTimeoutMs() > 0) {
            keepAliveMs = p.readClientAgainTimeoutMs();
        }
        writeTimeoutMs = p.writeClientTimeoutMs();
        if (bodyPending && p.readClientTimeoutMs() > 0) {
            bodyTimeout(p.readClientTimeoutMs());
        }
    }

    /** The whole body must arrive within {@code ms} (replaces any earlier body timer). */
    void bodyTimeout(long ms) {
        cancelBody();
        bodyTimer = loop.schedule(this::bodyExpired, ms, TimeUnit.MILLISECONDS);
    }

    private void bodyExpired() {
        bodyTimer = null;
        onTimeout.run();
    }

    void cancelBody() {
        if (bodyTimer != null) {
            bodyTimer.cancel(false);
            bodyTimer = null;
        }
    }

    /** The wait for the next keep-alive request after this response. */
    long keepAliveMs() {
        return keepAliveMs;
    }

    /** The response head is being written: the whole response must be out by the cluster's TimeoutWriteClient. */
    void responseStarted() {
        if (writeTimeoutMs > 0) {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(writeTimeoutMs);
            writeDeadline = deadline == 0 ? 1 : deadline; // 0 stands for none
            armWrite();
        }
    }

    /** The last piece of the response was queued: the deadline holds until it has left, not merely until queued. */
    void lastWritten(ChannelFuture written) {
        long deadline = writeDeadline;
        if (deadline == 0 || written.isDone()) {
            writeDeadline = 0;
            return;
        }
        written.addListener(f -> {
            if (writeDeadline == deadline) { // not a pipelined response begun since
                writeDeadline = 0;
            }
        });
    }

    private void armWrite() {
        if (writeTimer != null) {
            if (writeTimerAt - writeDeadline <= 0) {
                return; // it wakes no later than this deadline and then waits out the rest
            }
            writeTimer.cancel(false); // a shorter timeout than the one it was set for
        }
        writeTimerAt = writeDeadline;
        writeTimer = loop.schedule(this::writeExpired, Math.max(0, writeDeadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    }

    private void writeExpired() {
        writeTimer = null;
        if (writeDeadline == 0) {
            return; // no response under way: the next one schedules afresh
        }
        if (writeDeadline - System.nanoTime() > 0) {
            armWrite();
            return;
        }
        writeDeadline = 0;
        onTimeout.run();
    }

    void cancelAll() {
        cancelBody();
        writeDeadline = 0;
        if (writeTimer != null) {
            writeTimer.cancel(false);
            writeTimer = null;
        }
    }
}
