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
    /** Armed only while the client cannot take more of the response: most responses never schedule one. */
    private ScheduledFuture<?> writeTimer;
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

    /** The response head is being written; like a socket write deadline from here on. */
    void responseStarted(boolean writable) {
        if (writeTimeoutMs > 0) {
            writeDeadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(writeTimeoutMs);
            if (!writable) {
                armWrite();
            }
        }
    }

    boolean pastWriteDeadline() {
        return writeDeadline != 0 && System.nanoTime() - writeDeadline >= 0;
    }

    /** The last piece of the response was queued: the deadline holds until it has left, not merely until queued. */
    void lastWritten(ChannelFuture written) {
        long deadline = writeDeadline;
        cancelWrite();
        if (deadline != 0 && !written.isDone()) {
            ScheduledFuture<?> tail = loop.schedule(onTimeout, Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            written.addListener(f -> tail.cancel(false));
        }
    }

    void writabilityChanged(boolean writable) {
        if (writeDeadline == 0) {
            return;
        }
        if (!writable) {
            armWrite();
        } else if (writeTimer != null) {
            writeTimer.cancel(false);
            writeTimer = null;
        }
    }

    private void armWrite() {
        if (writeTimer == null) {
            writeTimer = loop.schedule(this::writeExpired, Math.max(0, writeDeadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        }
    }

    private void writeExpired() {
        writeTimer = null;
        onTimeout.run();
    }

    void cancelWrite() {
        writeDeadline = 0;
        if (writeTimer != null) {
            writeTimer.cancel(false);
            writeTimer = null;
        }
    }

    void cancelAll() {
        cancelBody();
        cancelWrite();
    }
}
