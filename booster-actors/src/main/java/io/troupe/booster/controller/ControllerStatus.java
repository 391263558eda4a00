package io.troupe.booster.controller;

import java.time.Duration;

/**
 * What the controller's threads share: whether it still serves new works, how many run, and since when none
 * has. The guardian marks it unusable; sessions count their works; {@link ControllerMain} leaves when
 * it has been idle for the remain time, or at once when idle and unusable.
 */
final class ControllerStatus {

    private final long remainNanos;
    private final java.util.function.LongSupplier nanoClock;
    private int active;
    private long idleSinceNanos;
    private String unusable;
    private boolean served;

    /** Before its first client a controller waits at least this long: the client that started it is on its way. */
    static final Duration FIRST_WORK_GRACE = Duration.ofSeconds(30);

    ControllerStatus(Duration remain, java.util.function.LongSupplier nanoClock) {
        this.remainNanos = remain.toNanos();
        this.nanoClock = nanoClock;
        this.idleSinceNanos = nanoClock.getAsLong();
    }

    /**
     * A client connected, whether its work runs here or not: a controller that cannot serve leaves only after
     * the client that started it came (else that client would wait for it in vain, and start another).
     */
    synchronized void clientCame() {
        served = true;
        if (active == 0) {
            idleSinceNanos = nanoClock.getAsLong();
        }
    }

    /** A work begins, unless the controller no longer takes any: then why not. */
    synchronized String begin() {
        if (unusable != null) {
            return unusable;
        }
        active++;
        served = true;
        return null;
    }

    synchronized void end() {
        active--;
        if (active == 0) {
            idleSinceNanos = nanoClock.getAsLong();
        }
    }

    synchronized void unusable(String reason) {
        if (unusable == null) {
            unusable = reason;
        }
    }

    synchronized String unusable() {
        return unusable;
    }

    /**
     * Why the controller should leave now, or null: no work runs, and none has for the remain time ("idle"), or
     * it cannot serve more (the reason it was made unusable). Once it says so, new works are declined: their
     * clients run without this controller.
     */
    synchronized String shouldLeave() {
        if (active > 0) {
            return null;
        }
        long wait = !served ? Math.max(remainNanos, FIRST_WORK_GRACE.toNanos()) : unusable != null ? 0 : remainNanos;
        if (nanoClock.getAsLong() - idleSinceNanos < wait) {
            return null;
        }
        if (unusable != null) {
            return unusable;
        }
        unusable = "the controller is leaving (idle)";
        return "idle";
    }
}
