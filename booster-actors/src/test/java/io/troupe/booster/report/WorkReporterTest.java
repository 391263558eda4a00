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

/** The reporter against a registry probe: batches, the final report, and a work that dies without one. */
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
                new SubWorkActor.Timings(List.of("cc", "-c", i + ".c"), 1000 + i, 1, 2, 30, 1, 0, 0, 34, 1, 0, 0, 0), null);
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
}
