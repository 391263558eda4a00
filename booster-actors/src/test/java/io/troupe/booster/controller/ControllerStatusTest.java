package io.troupe.booster.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ControllerStatusTest {

    private final AtomicLong now = new AtomicLong();

    private void advance(Duration by) {
        now.addAndGet(by.toNanos());
    }

    @Test
    void leavesOnceIdleForTheRemainTimeAfterItsLastWork() {
        ControllerStatus status = new ControllerStatus(Duration.ofSeconds(5), now::get);
        assertNull(status.begin());
        advance(Duration.ofSeconds(60));
        assertNull(status.shouldLeave(), "a running work keeps it, however long");
        status.end();
        advance(Duration.ofSeconds(4));
        assertNull(status.shouldLeave());
        advance(Duration.ofSeconds(1));
        assertEquals("idle", status.shouldLeave());
        assertEquals("the controller is leaving (idle)", status.begin(), "a work that comes now is declined");
    }

    @Test
    void waitsForItsFirstWorkAtLeastTheGraceEvenWithNoRemainTime() {
        ControllerStatus status = new ControllerStatus(Duration.ZERO, now::get);
        advance(ControllerStatus.FIRST_WORK_GRACE.minusMillis(1));
        assertNull(status.shouldLeave(), "the client that started it is on its way");
        assertNull(status.begin());
        status.end();
        assertEquals("idle", status.shouldLeave(), "--controller_no_wait: it leaves when its work ends");
    }

    @Test
    void anUnusableControllerDeclinesNewWorksAndLeavesWhenItsWorksEnd() {
        ControllerStatus status = new ControllerStatus(Duration.ofSeconds(120), now::get);
        assertNull(status.begin());
        status.unusable("could not join the cluster at a:1 within 15 s");
        status.unusable("a later reason does not replace the first");
        assertEquals("could not join the cluster at a:1 within 15 s", status.begin());
        assertNull(status.shouldLeave(), "its running work finishes first");
        status.end();
        assertEquals("could not join the cluster at a:1 within 15 s", status.shouldLeave());
    }

    @Test
    void aControllerUnusableFromItsStartWaitsForTheClientThatStartedItThenLeaves() {
        ControllerStatus status = new ControllerStatus(Duration.ZERO, now::get);
        status.unusable("the work that started the controller cannot run in one");
        advance(Duration.ofSeconds(1));
        assertNull(status.shouldLeave(), "its client has not come yet: leaving now would leave it waiting");
        status.clientCame();
        assertEquals("the work that started the controller cannot run in one", status.begin(), "declined");
        assertEquals("the work that started the controller cannot run in one", status.shouldLeave());
    }
}
