package io.troupe.booster.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.ConfigFactory;
import io.troupe.booster.testutil.CborRoundTrip;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** Work reports cross nodes in CBOR; a report from a booster without the newer fields still reads. */
class WorkReportCborTest {
    private static final ActorTestKit KIT = ActorTestKit.create(ConfigFactory.load());

    @AfterAll
    static void stop() {
        KIT.shutdownTestKit();
    }

    private static WorkReport.WorkView work(String id) {
        return new WorkReport.WorkView(id, "p", "echo", "make", "pekko://troupe@b:1", 1000, 2000, 2, 0, 1, 0, 0,
                Map.of(), Map.of("w1", 1), true, 0);
    }

    @Test
    void theFallbackDetailCrossesCborAndAReportWithoutItReadsAsNull() throws Exception {
        WorkReport.SubWorkView fell = new WorkReport.SubWorkView("f-1", List.of("gcc"), "local", 0, null, 1,
                "hook_timeout", 1000, 1, 2, 3, 0, 0, 40, 46, "PreExecute of handler demo took over 5s");
        WorkReport.Progress progress = new WorkReport.Progress(work("f"), List.of(fell));
        // what a booster from before the field sends: the same report without it
        WorkReport.Progress old = (WorkReport.Progress) CborRoundTrip.roundTripAndDecodeWithout(KIT.system(), progress,
                tree -> ((ObjectNode) tree.get("ended").get(0)).remove("fallbackDetail"));
        assertEquals("hook_timeout", old.ended().get(0).fallbackReason());
        assertEquals(null, old.ended().get(0).fallbackDetail());
    }

    @Test
    void theConfirmationAddressCrossesCborAndAReportWithoutItReadsAsUnconfirmed() throws Exception {
        TestProbe<WorkReport.Counted> confirm = KIT.createTestProbe();
        WorkReport.SubWorkView sub = new WorkReport.SubWorkView("g-1", List.of("cc", "-c", "a.c"), "remote", 0, "w1", 1,
                null, 1000, 1, 2, 30, 1, 0, 0, 34);
        WorkReport.Progress progress = new WorkReport.Progress(work("g"), List.of(sub), true, true, 3, confirm.getRef());
        // what a booster from before the confirmation sends
        WorkReport.Progress old = (WorkReport.Progress) CborRoundTrip.roundTripAndDecodeWithout(KIT.system(), progress,
                tree -> {
                    tree.remove("seq");
                    tree.remove("replyTo");
                });
        assertTrue(old.counted());
        assertEquals(0, old.seq());
        assertEquals(null, old.replyTo());

        CborRoundTrip.roundTripAndDecodeWithout(KIT.system(), new WorkReport.Counted("g", 3), tree -> { });
    }
}
