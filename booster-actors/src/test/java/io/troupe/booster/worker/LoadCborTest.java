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
                List.of(new SubWorkExecutor.Run("b1-7#1", "gcc", "pekko://troupe@b:2", 1_700_000_000_000L)));
        SubWorkExecutor.Load old = (SubWorkExecutor.Load) CborRoundTrip.roundTripAndDecodeWithout(KIT.system(), load,
                tree -> tree.remove("runs"));
        assertEquals(List.of(), old.runs());
        assertEquals(1, old.running());
    }
}
