package io.troupe.booster.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.ConfigFactory;
import io.troupe.booster.testutil.CborRoundTrip;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** A worker's load crosses nodes with its running sub-works; one from a worker without the list reads as empty. */
class LoadCborTest {
    private static final ActorTestKit KIT = ActorTestKit.create(ConfigFactory.load());

    @AfterAll
    static void stop() {
        KIT.shutdownTestKit();
    }

    @Test
    void theRunningListCrossesCborAndALoadWithoutItReadsAsEmpty() throws Exception {
        SubWorkExecutor.Load load = new SubWorkExecutor.Load("pekko://troupe@w:1", 2, 1, 0, 4, List.of("gcc"), false,
                List.of(new SubWorkExecutor.Run("b1-7#1", "gcc", "pekko://troupe@b:2", 1_700_000_000_000L)), 0);
        SubWorkExecutor.Load old = (SubWorkExecutor.Load) CborRoundTrip.roundTripAndDecodeWithout(KIT.system(), load,
                tree -> tree.remove("runs"));
        assertEquals(List.of(), old.runs());
        assertEquals(1, old.running());
    }

    @Test
    void theCountOfEndsCrossesCborAndALoadWithoutItReadsAsZero() throws Exception {
        SubWorkExecutor.Load load = new SubWorkExecutor.Load("pekko://troupe@w:1", 2, 2, 1, 4, List.of(), false, List.of(), 41);
        assertEquals(41, ((SubWorkExecutor.Load) CborRoundTrip.roundTripAndDecodeWithout(KIT.system(), load, tree -> { }))
                .freed());
        SubWorkExecutor.Load old = (SubWorkExecutor.Load) CborRoundTrip.roundTripAndDecodeWithout(KIT.system(), load,
                tree -> tree.remove("freed"));
        assertEquals(0, old.freed());
    }

    @Test
    void aLoadAsOfLaterEndsFreesASlotPerEndItDidNotCount() {
        SubWorkExecutor.Load load = new SubWorkExecutor.Load("w", 2, 2, 1, 4, List.of(), false, List.of(), 10);
        SubWorkExecutor.Load later = load.asOf(12); // the first end hands its slot to the queued one, the second frees one
        assertEquals(List.of(1, 0, 12L, 1), List.of(later.running(), later.queued(), later.freed(), later.free()));
        assertEquals(load, load.asOf(10), "no end it did not count");
        assertEquals(load, load.asOf(9), "an older count changes nothing");
        SubWorkExecutor.Load queuedMore = new SubWorkExecutor.Load("w", 2, 2, 3, 4, List.of(), false, List.of(), 0).asOf(2);
        assertEquals(List.of(2, 1, -1), List.of(queuedMore.running(), queuedMore.queued(), queuedMore.free()),
                "two of three queued took the two slots, one still waits");
        SubWorkExecutor.Load allEnded = load.asOf(20);
        assertEquals(List.of(0, 0, 2, 20L), List.of(allEnded.running(), allEnded.queued(), allEnded.free(), allEnded.freed()),
                "more ends than it had runs: nothing left running, never below zero");
    }
}
