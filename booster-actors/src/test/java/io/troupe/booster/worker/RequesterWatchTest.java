package io.troupe.booster.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Set;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** When a booster's node counts as gone for its sub-works: removed at once, unreachable only past the grace. */
class RequesterWatchTest {

    private static final ActorTestKit KIT = ActorTestKit.create();
    private static final Duration GRACE = Duration.ofMillis(400);
    private static final Address BOOSTER = new Address("pekko", "troupe", "127.0.0.1", 40001);
    private static final Address WORKER = new Address("pekko", "troupe", "127.0.0.1", 40002);

    @AfterAll
    static void stop() {
        KIT.shutdownTestKit();
    }

    private static TestProbe<RequesterWatch.Gone> probe;

    private static ActorRef<RequesterWatch.Command> watch() {
        probe = KIT.createTestProbe();
        return KIT.spawn(RequesterWatch.createUnsubscribed(probe.getRef(), GRACE));
    }

    @Test
    void aBoosterUnreachablePastTheGraceIsGone() {
        ActorRef<RequesterWatch.Command> watch = watch();
        long start = System.nanoTime();
        watch.tell(new RequesterWatch.Unreachable(BOOSTER, Set.of("booster")));
        watch.tell(new RequesterWatch.Unreachable(BOOSTER, Set.of("booster"))); // repeated: the grace does not restart
        RequesterWatch.Gone gone = probe.expectMessageClass(RequesterWatch.Gone.class, Duration.ofSeconds(5));
        long waited = (System.nanoTime() - start) / 1_000_000;
        assertTrue(waited >= GRACE.toMillis(), "told after " + waited + " ms, before the grace");
        assertEquals(BOOSTER, gone.address());
        assertTrue(gone.unreachable());
        assertTrue(gone.why().contains("requester-unreachable-grace"), gone.why());
        probe.expectNoMessage(GRACE.multipliedBy(2));
    }

    @Test
    void aBoosterReachableAgainWithinTheGraceIsKept() {
        ActorRef<RequesterWatch.Command> watch = watch();
        watch.tell(new RequesterWatch.Unreachable(BOOSTER, Set.of("booster")));
        watch.tell(new RequesterWatch.Reachable(BOOSTER));
        probe.expectNoMessage(GRACE.multipliedBy(3));
    }

    @Test
    void anUnreachableWorkerIsNotARequester() {
        ActorRef<RequesterWatch.Command> watch = watch();
        watch.tell(new RequesterWatch.Unreachable(WORKER, Set.of("worker", "node")));
        probe.expectNoMessage(GRACE.multipliedBy(3));
    }

    @Test
    void aRemovedMemberIsGoneAtOnceAndNotAnsweredAgain() {
        ActorRef<RequesterWatch.Command> watch = watch();
        watch.tell(new RequesterWatch.Unreachable(BOOSTER, Set.of("booster")));
        watch.tell(new RequesterWatch.Removed(BOOSTER));
        RequesterWatch.Gone gone = probe.expectMessageClass(RequesterWatch.Gone.class, GRACE.dividedBy(2));
        assertFalse(gone.unreachable(), "it left: nobody to answer");
        assertTrue(gone.why().contains("left the cluster"), gone.why());
        probe.expectNoMessage(GRACE.multipliedBy(2)); // the pending grace was cancelled
    }
}
