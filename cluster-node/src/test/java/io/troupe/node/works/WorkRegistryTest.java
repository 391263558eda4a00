package io.troupe.node.works;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.booster.report.WorkReport;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The registry's bookkeeping: deltas add up, finished works are bounded, silent works turn lost. */
class WorkRegistryTest {
    private static final ActorTestKit KIT = ActorTestKit.create(com.typesafe.config.ConfigFactory.parseString(
            "pekko.fail-mixed-versions = off").withFallback(com.typesafe.config.ConfigFactory.load()));

    @AfterAll
    static void stop() {
        KIT.shutdownTestKit();
    }

    private static WorkReport.WorkView view(String id, int done, boolean finished) {
        return new WorkReport.WorkView(id, "p", "echo", "make", "pekko://troupe@b:1", 1000, 2000, done + 1,
                finished ? 0 : 1, done, 0, 0, Map.of(), Map.of("w1", done), finished, 0);
    }

    private static WorkReport.SubWorkView sub(String id) {
        return new WorkReport.SubWorkView(id, List.of("cc", "-c", "a.c"), "remote", 0, "w1", 1, null, 1000, 1, 2, 30, 1,
                0, 0, 34);
    }

    @Test
    void endedSubWorksAccumulateAndOnlyTheNewestFinishedWorksAreKept() {
        ActorRef<WorkReport.Command> registry = KIT.spawn(WorkRegistry.create(2, Duration.ofMinutes(1)));
        registry.tell(new WorkReport.Progress(view("a", 1, false), List.of(sub("a-1"))));
        registry.tell(new WorkReport.Progress(view("a", 2, true), List.of(sub("a-2"))));
        registry.tell(new WorkReport.Progress(view("b", 0, true), List.of()));
        registry.tell(new WorkReport.Progress(view("c", 0, true), List.of()));
        registry.tell(new WorkReport.Progress(view("d", 0, false), List.of()));

        TestProbe<List<WorkRegistry.Work>> works = KIT.createTestProbe();
        registry.tell(new WorkRegistry.GetWorks(works.getRef()));
        List<String> ids = works.receiveMessage().stream().map(w -> w.view().id()).toList();
        assertEquals(List.of("d", "c", "b"), ids, "live first, then the 2 newest finished");

        registry.tell(new WorkReport.Progress(view("e", 0, false), List.of(sub("e-1"), sub("e-2"))));
        TestProbe<Optional<WorkRegistry.Work>> one = KIT.createTestProbe();
        registry.tell(new WorkRegistry.GetWork("e", one.getRef()));
        WorkRegistry.Work e = one.receiveMessage().orElseThrow();
        assertEquals(List.of("e-1", "e-2"), e.subWorks().stream().map(WorkReport.SubWorkView::id).toList());
        assertFalse(e.lost());
        registry.tell(new WorkRegistry.GetWork("a", one.getRef()));
        assertTrue(one.receiveMessage().isEmpty(), "a was pushed out by newer finished works");
    }

    @Test
    void aFallbackDetailReachesTheWorkDetail() {
        ActorRef<WorkReport.Command> registry = KIT.spawn(WorkRegistry.create(2, Duration.ofMinutes(1)));
        WorkReport.SubWorkView fell = new WorkReport.SubWorkView("f-1", List.of("gcc", "-c", "a.c"), "local", 0, null,
                1, "worker_refused", 1000, 1, 2, 3, 0, 0, 40, 46, "executable 'gcc' is not on the worker allowlist");
        registry.tell(new WorkReport.Progress(view("f", 2, true), List.of(fell, sub("f-2"))));
        TestProbe<Optional<WorkRegistry.Work>> one = KIT.createTestProbe();
        registry.tell(new WorkRegistry.GetWork("f", one.getRef()));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> ended = (List<Map<String, Object>>) WorksJson.detail(one.receiveMessage().orElseThrow())
                .get("ended");
        assertEquals("worker_refused", ended.get(0).get("fallback_reason"));
        assertEquals("executable 'gcc' is not on the worker allowlist", ended.get(0).get("fallback_detail"));
        assertTrue(ended.get(1).containsKey("fallback_detail"), "present, as null, without a fallback: " + ended.get(1));
        assertEquals(null, ended.get(1).get("fallback_detail"));
    }

    @Test
    void aWorkNotHeardOfForLostAfterIsShownLost() throws Exception {
        ActorRef<WorkReport.Command> registry = KIT.spawn(WorkRegistry.create(2, Duration.ofMillis(50)));
        registry.tell(new WorkReport.Progress(view("x", 0, false), List.of()));
        TestProbe<Optional<WorkRegistry.Work>> one = KIT.createTestProbe();
        one.awaitAssert(Duration.ofSeconds(5), () -> {
            registry.tell(new WorkRegistry.GetWork("x", one.getRef()));
            Optional<WorkRegistry.Work> x = one.receiveMessage();
            assertTrue(x.isPresent() && x.get().lost(), "x not lost yet: " + x);
            assertEquals("lost", WorksJson.summary(x.get()).get("state"));
            return null;
        });
    }

    @Test
    void aCountedReSendCountsEachSubWorkOnceEvenAfterTheWorkIsOverAndIsConfirmed() {
        List<String> counted = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        WorkRegistry.Meter meter = new WorkRegistry.Meter() {
            @Override
            public void work(String project) {
                counted.add("work");
            }

            @Override
            public void subWork(String project, WorkReport.SubWorkView sub) {
                counted.add(sub.id());
            }
        };
        ActorRef<WorkReport.Command> registry = KIT.spawn(WorkRegistry.create(2, Duration.ofMinutes(1), meter));
        TestProbe<WorkReport.Counted> confirm = KIT.createTestProbe();
        // not the primary yet: its copies count nothing, and the work ends here
        registry.tell(new WorkReport.Progress(view("r", 2, false), List.of(sub("r-1"), sub("r-2")), false, false));
        registry.tell(new WorkReport.Progress(view("r", 3, true), List.of(sub("r-3")), false, false));
        // the primary left without confirming r-2 and r-3 nor the work: the booster sends them again, counted
        registry.tell(new WorkReport.Progress(view("r", 3, true), List.of(sub("r-2"), sub("r-3")), true, true, 7,
                confirm.getRef()));
        confirm.expectMessage(new WorkReport.Counted("r", 7));
        // and a copy of a copy counts nothing more
        registry.tell(new WorkReport.Progress(view("r", 3, true), List.of(sub("r-3")), true, true, 8, confirm.getRef()));
        confirm.expectMessage(new WorkReport.Counted("r", 8));
        assertEquals(List.of("work", "r-2", "r-3"), List.copyOf(counted));

        // a live work's re-send is counted once and listed once
        registry.tell(new WorkReport.Progress(view("s", 1, false), List.of(sub("s-1")), true, true, 1, confirm.getRef()));
        registry.tell(new WorkReport.Progress(view("s", 1, false), List.of(sub("s-1")), true, true, 2, confirm.getRef()));
        confirm.expectMessage(new WorkReport.Counted("s", 1));
        confirm.expectMessage(new WorkReport.Counted("s", 2));
        assertEquals(List.of("work", "r-2", "r-3", "work", "s-1"), List.copyOf(counted));
        TestProbe<Optional<WorkRegistry.Work>> one = KIT.createTestProbe();
        registry.tell(new WorkRegistry.GetWork("s", one.getRef()));
        assertEquals(List.of("s-1"), one.receiveMessage().orElseThrow().subWorks().stream()
                .map(WorkReport.SubWorkView::id).toList());
    }
}
