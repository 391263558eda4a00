package io.troupe.booster.downing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.booster.downing.NodeMajority.Member;
import io.troupe.booster.downing.NodeMajority.Observation;
import io.troupe.booster.downing.NodeMajority.Status;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.UniqueAddress;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * NodeMajorityDowning's one failure: reading the cluster's view throws. The actor restarts with a fresh table
 * (stability measured anew), keeps ticking, and downs what keep-majority decides.
 */
class NodeMajorityDowningRestartTest {

    private static final ActorTestKit KIT = ActorTestKit.create();
    private static final Duration STABLE = Duration.ofSeconds(1);
    private static final NodeMajorityDowningProvider.Settings SETTINGS =
            new NodeMajorityDowningProvider.Settings("node", STABLE, null, Duration.ofSeconds(5));

    private static final UniqueAddress N1 = address(7001);
    private static final UniqueAddress N2 = address(7002);
    private static final UniqueAddress N3 = address(7003);

    @AfterAll
    static void stop() {
        KIT.shutdownTestKit();
    }

    private static UniqueAddress address(int port) {
        return new UniqueAddress(new Address("pekko", "troupe", "127.0.0.1", port), (long) port);
    }

    /** N1 (the decider) and N2 see N3 unreachable; the first {@code failures} reads of the members throw. */
    private static final class FailingView implements NodeMajorityDowning.ClusterView {
        final AtomicInteger failuresLeft;
        final AtomicInteger reads = new AtomicInteger();
        final AtomicLong lastFailure = new AtomicLong();
        final ActorRef<UniqueAddress> downs;

        FailingView(int failures, ActorRef<UniqueAddress> downs) {
            this.failuresLeft = new AtomicInteger(failures);
            this.downs = downs;
        }

        @Override
        public UniqueAddress self() {
            return N1;
        }

        @Override
        public List<Member> members(String role) {
            reads.incrementAndGet();
            if (failuresLeft.getAndDecrement() > 0) {
                lastFailure.set(System.nanoTime());
                throw new IllegalStateException("injected: reading the cluster's view failed");
            }
            return List.of(new Member(N1, true, Status.UP), new Member(N2, true, Status.UP),
                    new Member(N3, true, Status.UP));
        }

        @Override
        public List<Observation> observations() {
            return List.of(new Observation(N1, N3), new Observation(N2, N3));
        }

        @Override
        public void down(UniqueAddress member) {
            downs.tell(member);
        }
    }

    /** Runs the actor over a view whose first {@code failures} reads throw; returns how many times it started. */
    private static int downsN3After(int failures) {
        TestProbe<UniqueAddress> downs = KIT.createTestProbe();
        FailingView view = new FailingView(failures, downs.getRef());
        AtomicInteger starts = new AtomicInteger();
        ActorRef<NodeMajorityDowning.Command> downing = KIT.spawn(NodeMajorityDowning.create(SETTINGS, context -> {
            starts.incrementAndGet();
            return view;
        }));
        try {
            assertEquals(N3, downs.receiveMessage(Duration.ofSeconds(20)), "the unreachable minority is downed");
            long sinceFailure = System.nanoTime() - view.lastFailure.get();
            // a fresh table: N3 must have been unreachable for stable-after again since the restart
            assertTrue(sinceFailure >= STABLE.toNanos(), "downed " + Duration.ofNanos(sinceFailure).toMillis()
                    + " ms after the last failure, less than stable-after");
            assertTrue(view.reads.get() > failures, "read again after the failure: " + view.reads.get());
            // each down is asked for once: the restarts do not repeat it
            downs.expectNoMessage(Duration.ofMillis(2 * NodeMajorityDowning.TICK.toMillis()));
            return starts.get();
        } finally {
            KIT.stop(downing);
        }
    }

    @Test
    void aFailedReadRestartsItAndItStillDowns() {
        assertEquals(2, downsN3After(1), "started, and restarted once");
    }

    @Test
    void itKeepsRestartingThroughFailuresInARow() {
        assertEquals(4, downsN3After(3), "started, and restarted after each of three failures");
    }
}
