package io.troupe.booster.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.booster.client.SubWorkActor;
import io.troupe.booster.client.WorkActor;
import io.troupe.booster.client.WorkSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The reporter against registry probes: batches, the final report, a work that dies without one, and one
 * registry of several counting the metrics.
 */
class WorkReporterTest {
    private static final ActorTestKit KIT = ActorTestKit.create();
    private static final Duration WAIT = Duration.ofSeconds(10);

    @AfterAll
    static void stop() {
        KIT.shutdownTestKit();
    }

    private static WorkSettings settings(String id) {
        return new WorkSettings("echo", "proj", id, "make", false, null, false, false, 0, 2, 0, 20, List.of(),
                Path.of("/tmp"), Map.of(), null);
    }

    private static SubWorkActor.Ended ended(int i) {
        return new SubWorkActor.Ended("w-" + i, SubWorkActor.Route.REMOTE, 0, "worker-" + (i % 2),
                new SubWorkActor.Timings(List.of("cc", "-c", i + ".c"), 1000 + i, 1, 2, 30, 1, 0, 0, 34, 1, 0, 0, 0, false), null);
    }

    private static ActorRef<WorkReporter.Command> start(String id, TestProbe<WorkReport.Command> registry,
                                                        TestProbe<Object> work) {
        KIT.system().receptionist().tell(Receptionist.register(WorkReport.REGISTRY_KEY, registry.getRef()));
        ActorRef<WorkReporter.Command> reporter = KIT.spawn(WorkReporter.create(settings(id), work.getRef()));
        reporter.tell(WorkReporter.Arrived.INSTANCE);
        WorkReport.Progress first = registry.expectMessageClass(WorkReport.Progress.class, WAIT);
        assertEquals(1, first.work().arrived());
        return reporter;
    }

    @Test
    void manyEndedSubWorksGoInBatchesAndOnlyTheLastSaysFinished() {
        TestProbe<WorkReport.Command> registry = KIT.createTestProbe();
        TestProbe<Object> work = KIT.createTestProbe();
        ActorRef<WorkReporter.Command> reporter = start("batches", registry, work);
        int n = 450;
        for (int i = 1; i < n; i++) {
            reporter.tell(WorkReporter.Arrived.INSTANCE);
        }
        for (int i = 0; i < n; i++) {
            reporter.tell(new WorkReporter.Ended(ended(i)));
        }
        reporter.tell(new WorkReporter.WorkFinished(0, new WorkActor.Summary(n, n, 0, 0, 2)));
        int seen = 0;
        WorkReport.Progress progress;
        do {
            progress = registry.expectMessageClass(WorkReport.Progress.class, WAIT);
            assertTrue(progress.ended().size() <= WorkReporter.BATCH, "batch of " + progress.ended().size());
            seen += progress.ended().size();
            assertEquals(seen == n, progress.work().finished(), "finished only on the last batch");
        } while (!progress.work().finished());
        assertEquals(n, seen);
        assertEquals(Map.of("worker-0", n / 2, "worker-1", n / 2), progress.work().perWorker());
        assertEquals(0, progress.work().running());
        assertEquals("w-449", progress.ended().get(progress.ended().size() - 1).id());
    }

    @Test
    void aFallbackGoesOutWithItsReasonAndDetail() {
        TestProbe<WorkReport.Command> registry = KIT.createTestProbe();
        TestProbe<Object> work = KIT.createTestProbe();
        ActorRef<WorkReporter.Command> reporter = start("detail", registry, work);
        reporter.tell(new WorkReporter.Ended(new SubWorkActor.Ended("d-1", SubWorkActor.Route.LOCAL, 0, null,
                new SubWorkActor.Timings(List.of("gcc", "-c", "a.c"), 1000, 1, 2, 3, 0, 0, 40, 46, 1, 0, 0, 0, false),
                io.troupe.booster.client.FallbackReason.WORKER_REFUSED, "executable 'gcc' is not on the worker allowlist")));
        reporter.tell(new WorkReporter.WorkFinished(0, new WorkActor.Summary(1, 0, 1, 0, 0)));
        WorkReport.Progress progress;
        do {
            progress = registry.expectMessageClass(WorkReport.Progress.class, WAIT);
        } while (progress.ended().isEmpty());
        WorkReport.SubWorkView sub = progress.ended().get(0);
        assertEquals("worker_refused", sub.fallbackReason());
        assertEquals("executable 'gcc' is not on the worker allowlist", sub.fallbackDetail());
    }

    @Test
    void aWorkThatStopsWithoutItsSummaryIsReportedFinishedWithExitCodeMinusOne() {
        TestProbe<WorkReport.Command> registry = KIT.createTestProbe();
        TestProbe<Object> work = KIT.createTestProbe();
        start("crashed", registry, work);
        work.stop();
        WorkReport.Progress last = registry.expectMessageClass(WorkReport.Progress.class, WAIT);
        assertTrue(last.work().finished());
        assertEquals(-1, last.work().exitCode());
        assertFalse(last.work().id().isEmpty());
    }

    @Test
    void ofTwoRegistriesBothHearEveryReportAndOneCountsItTheWorkOnce() {
        // a kit of its own: the shared one still lists the other tests' registry probes
        ActorTestKit kit = ActorTestKit.create("two-registries");
        try {
            TestProbe<WorkReport.Command> a = kit.createTestProbe();
            TestProbe<WorkReport.Command> b = kit.createTestProbe();
            kit.system().receptionist().tell(Receptionist.register(WorkReport.REGISTRY_KEY, a.getRef()));
            kit.system().receptionist().tell(Receptionist.register(WorkReport.REGISTRY_KEY, b.getRef()));
            TestProbe<Receptionist.Listing> listing = kit.createTestProbe();
            listing.awaitAssert(WAIT, () -> {
                kit.system().receptionist().tell(Receptionist.find(WorkReport.REGISTRY_KEY, listing.getRef()));
                assertEquals(2, listing.receiveMessage().getServiceInstances(WorkReport.REGISTRY_KEY).size());
                return null;
            });
            TestProbe<Object> work = kit.createTestProbe();
            ActorRef<WorkReporter.Command> reporter = kit.spawn(WorkReporter.create(settings("two"), work.getRef()));
            reporter.tell(WorkReporter.Arrived.INSTANCE);
            List<WorkReport.Progress> fromA = new java.util.ArrayList<>(List.of(
                    a.expectMessageClass(WorkReport.Progress.class, WAIT)));
            List<WorkReport.Progress> fromB = new java.util.ArrayList<>(List.of(
                    b.expectMessageClass(WorkReport.Progress.class, WAIT)));
            for (int i = 0; i < 3; i++) {
                reporter.tell(WorkReporter.Arrived.INSTANCE);
                reporter.tell(new WorkReporter.Ended(ended(i)));
            }
            reporter.tell(new WorkReporter.WorkFinished(0, new WorkActor.Summary(3, 3, 0, 0, 2)));
            collectUntilFinished(a, fromA);
            collectUntilFinished(b, fromB);

            assertEquals(fromA.size(), fromB.size(), "both registries get every report");
            boolean aCounts = fromA.get(0).counted();
            int counted = 0;
            int firsts = 0;
            for (int i = 0; i < fromA.size(); i++) {
                assertEquals(fromA.get(i).work().id(), fromB.get(i).work().id());
                assertEquals(aCounts, fromA.get(i).counted(), "the same registry counts every report");
                assertEquals(!aCounts, fromB.get(i).counted(), "exactly one registry counts report " + i);
                WorkReport.Progress primary = aCounts ? fromA.get(i) : fromB.get(i);
                counted += primary.ended().size();
                firsts += (fromA.get(i).firstCounted() ? 1 : 0) + (fromB.get(i).firstCounted() ? 1 : 0);
            }
            assertTrue((aCounts ? fromA : fromB).get(0).firstCounted(), "the work is counted with its first report");
            assertEquals(1, firsts, "the work is counted once");
            assertEquals(3, counted, "each ended sub-work is counted once");
        } finally {
            kit.shutdownTestKit();
        }
    }

    @Test
    void thePrimaryLeavingBeforeConfirmingAnythingHasTheNextCountTheWorkAndEverySubWork() {
        primaryLeavesMidWork("leaves-early", false);
    }

    @Test
    void thePrimaryLeavingAfterConfirmingTheWorkHasTheNextCountOnlyTheRest() {
        primaryLeavesMidWork("leaves-late", true);
    }

    /**
     * Two registries; the primary confirms the work's first report (or not), then leaves with the next reports
     * unconfirmed (in flight to a node that left, or counted on it and gone with its metrics). Across what the
     * leaving primary confirmed and what the next one counts, the work and each sub-work count exactly once.
     */
    private static void primaryLeavesMidWork(String id, boolean confirmFirst) {
        ActorTestKit kit = ActorTestKit.create(id, com.typesafe.config.ConfigFactory.parseString(
                "pekko.actor.serialize-messages = on").withFallback(com.typesafe.config.ConfigFactory.load()));
        try {
            TestProbe<WorkReport.Command> a = kit.createTestProbe();
            TestProbe<WorkReport.Command> b = kit.createTestProbe();
            kit.system().receptionist().tell(Receptionist.register(WorkReport.REGISTRY_KEY, a.getRef()));
            kit.system().receptionist().tell(Receptionist.register(WorkReport.REGISTRY_KEY, b.getRef()));
            awaitRegistries(kit, 2);
            TestProbe<Object> work = kit.createTestProbe();
            ActorRef<WorkReporter.Command> reporter = kit.spawn(WorkReporter.create(settings(id), work.getRef()));
            reporter.tell(WorkReporter.Arrived.INSTANCE);
            WorkReport.Progress firstA = a.expectMessageClass(WorkReport.Progress.class, WAIT);
            WorkReport.Progress firstB = b.expectMessageClass(WorkReport.Progress.class, WAIT);
            TestProbe<WorkReport.Command> primary = firstA.counted() ? a : b;
            TestProbe<WorkReport.Command> next = firstA.counted() ? b : a;
            WorkReport.Progress first = firstA.counted() ? firstA : firstB;
            assertTrue(first.firstCounted() && first.replyTo() != null, "the primary counts the work: " + first);

            Map<String, Integer> counts = new java.util.HashMap<>();
            if (confirmFirst) {
                count(first, counts);
                first.replyTo().tell(new WorkReport.Counted(id, first.seq()));
            }
            // three sub-works reach the primary, which never confirms them
            for (int i = 0; i < 3; i++) {
                reporter.tell(WorkReporter.Arrived.INSTANCE);
                reporter.tell(new WorkReporter.Ended(ended(i)));
            }
            int toPrimary = 0;
            while (toPrimary < 3) {
                toPrimary += primary.expectMessageClass(WorkReport.Progress.class, WAIT).ended().size();
            }
            kit.system().receptionist().tell(Receptionist.deregister(WorkReport.REGISTRY_KEY, primary.getRef()));
            // the next primary gets what the first did not confirm, counted, as soon as the booster sees it left
            WorkReport.Progress resent;
            do {
                resent = next.expectMessageClass(WorkReport.Progress.class, WAIT);
            } while (!resent.counted());
            confirmAndCount(resent, counts);
            for (int i = 3; i < 5; i++) {
                reporter.tell(WorkReporter.Arrived.INSTANCE);
                reporter.tell(new WorkReporter.Ended(ended(i)));
            }
            reporter.tell(new WorkReporter.WorkFinished(0, new WorkActor.Summary(5, 5, 0, 0, 2)));
            WorkReport.Progress last;
            do {
                last = next.expectMessageClass(WorkReport.Progress.class, WAIT);
                assertTrue(last.counted(), "the next primary counts every report now");
                confirmAndCount(last, counts);
            } while (!last.work().finished());
            // with everything confirmed the reporter is done
            next.expectTerminated(reporter, WAIT);
            primary.expectNoMessage(Duration.ofMillis(200));

            Map<String, Integer> once = new java.util.HashMap<>();
            once.put("work", 1);
            for (int i = 0; i < 5; i++) {
                once.put("w-" + i, 1);
            }
            assertEquals(once, counts);
        } finally {
            kit.shutdownTestKit();
        }
    }

    private static void confirmAndCount(WorkReport.Progress progress, Map<String, Integer> counts) {
        count(progress, counts);
        progress.replyTo().tell(new WorkReport.Counted(progress.work().id(), progress.seq()));
    }

    /** What a registry that counts {@code progress} adds (without the registry's de-duplication). */
    private static void count(WorkReport.Progress progress, Map<String, Integer> counts) {
        if (progress.firstCounted()) {
            counts.merge("work", 1, Integer::sum);
        }
        progress.ended().forEach(sub -> counts.merge(sub.id(), 1, Integer::sum));
    }

    private static void awaitRegistries(ActorTestKit kit, int n) {
        TestProbe<Receptionist.Listing> listing = kit.createTestProbe();
        listing.awaitAssert(WAIT, () -> {
            kit.system().receptionist().tell(Receptionist.find(WorkReport.REGISTRY_KEY, listing.getRef()));
            assertEquals(n, listing.receiveMessage().getServiceInstances(WorkReport.REGISTRY_KEY).size());
            return null;
        });
    }

    private static void collectUntilFinished(TestProbe<WorkReport.Command> registry, List<WorkReport.Progress> into) {
        while (!into.get(into.size() - 1).work().finished()) {
            into.add(registry.expectMessageClass(WorkReport.Progress.class, WAIT));
        }
    }
}
