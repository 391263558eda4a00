package io.troupe.booster.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.Test;

/** Weighted local slots: the table's rules, and the actor returning leases of a dead holder. */
class LocalSlotsTest {

    private static List<String> holders(List<SlotTable.Lease<String>> leases) {
        return leases.stream().map(SlotTable.Lease::holder).toList();
    }

    @Test
    void weightsAddUpToTheTotal() {
        SlotTable<String> table = new SlotTable<>(4, Map.of());
        assertEquals(List.of("a"), holders(table.request(LocalSlots.Kind.EXE, 3, "a")));
        assertEquals(List.of(), holders(table.request(LocalSlots.Kind.EXE, 2, "b")), "3 + 2 > 4: waits");
        assertEquals(3, table.used());
        assertEquals(1, table.waiting());
        long aLease = 1;
        assertEquals(List.of("b"), holders(table.release(aLease)));
        assertEquals(2, table.used());
    }

    @Test
    void aWithdrawnRequestLeavesTheQueueAndUnblocksThoseBehindIt() {
        SlotTable<String> table = new SlotTable<>(4, Map.of());
        table.request(LocalSlots.Kind.EXE, 2, "a");
        assertEquals(List.of(), holders(table.request(LocalSlots.Kind.EXE, 4, "went-remote")));
        assertEquals(List.of(), holders(table.request(LocalSlots.Kind.EXE, 1, "light")), "waits behind the heavy one");
        assertEquals(List.of("light"), holders(table.withdraw(LocalSlots.Kind.EXE, "went-remote"::equals)),
                "the heavy request is gone, so the light one fits beside a");
        assertEquals(0, table.waiting());
        assertEquals(3, table.used(), "a's lease stays");
    }

    @Test
    void grantsInArrivalOrderSoHeavyRequestsAreNotStarved() {
        SlotTable<String> table = new SlotTable<>(4, Map.of());
        table.request(LocalSlots.Kind.EXE, 2, "a");
        assertEquals(List.of(), holders(table.request(LocalSlots.Kind.EXE, 4, "heavy")));
        assertEquals(List.of(), holders(table.request(LocalSlots.Kind.EXE, 1, "light")), "light waits behind heavy");
        assertEquals(List.of("heavy"), holders(table.release(1)));
        assertEquals(List.of("light"), holders(table.release(2)));
    }

    @Test
    void eachKindIsItsOwnPoolAndWeightsAreClamped() {
        SlotTable<String> table = new SlotTable<>(6, Map.of(LocalSlots.Kind.PRE, 2));
        assertEquals(2, table.effectiveWeight(LocalSlots.Kind.PRE, 5), "a weight past the pool size is clamped");
        assertEquals(1, table.effectiveWeight(LocalSlots.Kind.EXE, 0), "weights are at least 1");
        assertEquals(List.of("p1"), holders(table.request(LocalSlots.Kind.PRE, 2, "p1")));
        assertEquals(List.of(), holders(table.request(LocalSlots.Kind.PRE, 1, "p2")), "PRE is full at 2");
        assertEquals(List.of("e1"), holders(table.request(LocalSlots.Kind.EXE, 6, "e1")), "EXE has its own 6");
        assertEquals(List.of("q1"), holders(table.request(LocalSlots.Kind.POST, 1, "q1")), "POST too, while EXE is full");
        assertEquals(6, table.used(LocalSlots.Kind.EXE));
        assertEquals(List.of("p2"), holders(table.release(1)));
        assertEquals(6, table.total());
        assertThrows(IllegalArgumentException.class, () -> new SlotTable<String>(0, Map.of()));
    }

    @Test
    void droppingAHolderFreesItsLeasesAndRequests() {
        SlotTable<String> table = new SlotTable<>(2, Map.of());
        table.request(LocalSlots.Kind.EXE, 2, "dead");
        table.request(LocalSlots.Kind.EXE, 1, "dead");
        table.request(LocalSlots.Kind.EXE, 2, "alive");
        assertEquals(List.of("alive"), holders(table.dropHolder("dead"::equals)));
        assertEquals(0, table.waiting());
    }

    @Test
    void theActorReturnsLeasesOfAHolderThatDied() {
        ActorTestKit kit = ActorTestKit.create(ConfigFactory.parseString("pekko.actor.serialize-messages = on"));
        try {
            ActorRef<LocalSlots.Command> slots = kit.spawn(LocalSlots.create(2, Map.of()));
            TestProbe<LocalSlots.Granted> holder = kit.createTestProbe();
            TestProbe<LocalSlots.Granted> waiter = kit.createTestProbe();
            slots.tell(new LocalSlots.Acquire(LocalSlots.Kind.EXE, 2, holder.getRef(), holder.getRef()));
            assertEquals(2, holder.receiveMessage().weight());
            slots.tell(new LocalSlots.Acquire(LocalSlots.Kind.EXE, 1, waiter.getRef(), waiter.getRef()));
            waiter.expectNoMessage(Duration.ofMillis(200));
            holder.stop();
            assertEquals(1, waiter.receiveMessage(Duration.ofSeconds(5)).weight());
            TestProbe<LocalSlots.Usage> usage = kit.createTestProbe();
            slots.tell(new LocalSlots.GetUsage(usage.getRef()));
            assertEquals(new LocalSlots.Usage(2, 1, 0), usage.receiveMessage());
        } finally {
            kit.shutdownTestKit();
        }
    }

    @Test
    void defaultTotalIsCpusMinusOneAtLeastOne() {
        assertEquals(Math.max(1, Runtime.getRuntime().availableProcessors() - 1), LocalSlots.defaultTotal());
    }
}
