package io.troupe.proxy.server;

import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;

/**
 * What a client sends while its current request is being answered (pipelined HTTP/1 requests, body pieces that
 * arrive while a filter's blocking work runs), held in order and served once the handler can take the next. A
 * full queue pauses reading from the client. One per connection (per stream on HTTP/2).
 */
final class PipelinedRequests {
    /** Pipelined messages held before the client is paused. */
    static final int MAX_QUEUED = 64;

    private final ProxyHandler h;
    private final ArrayDeque<Object> queued = new ArrayDeque<>();
    private boolean draining;
    private boolean paused;

    PipelinedRequests(ProxyHandler h) {
        this.h = h;
    }

    /** Whether a message that arrives now must wait behind held ones (they are being served this moment). */
    boolean mustWait() {
        return draining && !queued.isEmpty();
    }

    /** Holds a message behind the others. */
    void add(Object msg) {
        queued.add(msg);
        if (queued.size() >= MAX_QUEUED && !paused) {
            paused = true;
            h.updateRead();
        }
    }

    /** Holds a piece of the current request's body ahead of anything queued. */
    void addFirst(Object msg) {
        queued.addFirst(msg);
    }

    /** Serves held messages while the handler can take them; resumes reading once the queue is short again. */
    void drain() {
        if (draining) {
            return;
        }
        draining = true;
        try {
            Object m;
            while (h.canServeNext() && (m = queued.poll()) != null) {
                h.handle(m);
            }
        } finally {
            draining = false;
        }
        h.queueServed();
        if (paused && queued.size() < MAX_QUEUED / 2) {
            paused = false;
            h.updateRead();
        }
    }

    /** The queue holds the client back. */
    boolean paused() {
        return paused;
    }

    /** The connection became a tunnel: the queue no longer holds it back. */
    void unpause() {
        paused = false;
    }

    /** The connection closed: what it held is dropped. */
    void releaseAll() {
        Object m;
        while ((m = queued.poll()) != null) {
            ReferenceCountUtil.release(m);
        }
    }
}
