package io.troupe.proxy.forward;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The response-header timeout of one backend connection (BFE's {@code TimeoutResponseHeader}), kept across the
 * requests a pooled connection serves. Arming only moves a deadline; one timer per connection wakes when the
 * earliest deadline may have passed and re-arms itself for the rest, so a keep-alive request schedules and
 * cancels no task of its own. Used on the connection's event loop only.
 */
final class ResponseDeadline implements Runnable {
    private static final AttributeKey<ResponseDeadline> KEY = AttributeKey.valueOf(ResponseDeadline.class, "deadline");

    private final EventExecutor loop;
    private ScheduledFuture<?> timer;
    /** When {@code timer} fires ({@link System#nanoTime()}), valid while it is set. */
    private long timerNanos;
    /** When the armed request times out ({@link System#nanoTime()}), valid while {@code action} is set. */
    private long deadlineNanos;
    private Runnable action;
    private long schedules;

    ResponseDeadline(EventExecutor loop) {
        this.loop = loop;
    }

    /** The connection's deadline, made on first use; its timer is cancelled when the connection closes. */
    static ResponseDeadline of(Channel ch) {
        ResponseDeadline d = ch.attr(KEY).get();
        if (d == null) {
            d = new ResponseDeadline(ch.eventLoop());
            ch.attr(KEY).set(d);
            ResponseDeadline made = d;
            ch.closeFuture().addListener(f -> made.close());
        }
        return d;
    }

    /** Runs {@code onTimeout} once if {@link #disarm} has not been called for it within {@code timeoutMs}. */
    void arm(long timeoutMs, Runnable onTimeout) {
        long nanos = TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        deadlineNanos = System.nanoTime() + nanos;
        action = onTimeout;
        if (timer == null) {
            schedule(nanos);
        } else if (deadlineNanos - timerNanos < 0) {
            // a shorter timeout than the pending timer's (another cluster on this pooled connection, a reload)
            timer.cancel(false);
            schedule(nanos);
        }
        // else the pending timer fires no later than this deadline and then waits out the rest of it
    }

    /** Forgets the deadline armed with {@code onTimeout}; a deadline armed since by someone else stays. */
    void disarm(Runnable onTimeout) {
        if (action == onTimeout) {
            action = null;
        }
    }

    /** Timers this deadline has scheduled so far (for tests: one per timeout period, not one per request). */
    long schedules() {
        return schedules;
    }

    @Override
    public void run() {
        timer = null;
        Runnable a = action;
        if (a == null) {
            return; // nothing armed: the next arm schedules afresh
        }
        long left = deadlineNanos - System.nanoTime();
        if (left > 0) {
            schedule(left);
            return;
        }
        action = null;
        a.run();
    }

    private void schedule(long nanos) {
        schedules++;
        timerNanos = deadlineNanos; // every schedule is for the deadline: from arm, or the rest of it from run
        timer = loop.schedule(this, nanos, TimeUnit.NANOSECONDS);
    }

    private void close() {
        action = null;
        ScheduledFuture<?> t = timer;
        timer = null;
        if (t != null) {
            t.cancel(false);
        }
    }
}
