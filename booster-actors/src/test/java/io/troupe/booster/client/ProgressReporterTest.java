package io.troupe.booster.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ProgressReporterTest {

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    private final AtomicLong clock = new AtomicLong(1_000_000_000L);

    private String text() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void troupeProgressInTheWorksEnvironmentDecidesOverTheTerminal() {
        assertTrue(ProgressReporter.terminal(true, java.util.Map.of()));
        assertFalse(ProgressReporter.terminal(false, java.util.Map.of()));
        assertFalse(ProgressReporter.terminal(true, java.util.Map.of("TROUPE_PROGRESS", "plain")));
        assertTrue(ProgressReporter.terminal(false, java.util.Map.of("TROUPE_PROGRESS", "live")));
        assertTrue(ProgressReporter.terminal(true, java.util.Map.of("TROUPE_PROGRESS", "other")), "ignored");
    }

    @Test
    void offATerminalPlainLinesAppearWhenSomethingChangedThenTheSummary() {
        ProgressReporter reporter = new ProgressReporter(out, false, clock::get);
        reporter.update(new ProgressReporter.Progress(4, 1, 1, 0, 2, 1, 2, 8));
        reporter.update(new ProgressReporter.Progress(4, 1, 1, 0, 2, 1, 2, 8));
        reporter.update(new ProgressReporter.Progress(5, 3, 1, 1, 0, 2, 2, 8));
        reporter.finish("[booster] total 5, remote ok 3, local fallback 1, failed 1, workers used 2");
        assertEquals("[booster] progress: done 2 of 4 (remote 1, local 1, failed 0), running 2, workers used 1 of 2,"
                        + " slots in use 2 of 8\n"
                        + "[booster] progress: done 5 of 5 (remote 3, local 1, failed 1), running 0, workers used 2 of 2,"
                        + " slots in use 0 of 8\n"
                        + "[booster] total 5, remote ok 3, local fallback 1, failed 1, workers used 2\n",
                text());
        assertFalse(text().contains("\r"), "no terminal control in a file");
        assertEquals(Duration.ofSeconds(10), reporter.interval(Duration.ofSeconds(10)));
    }

    @Test
    void workersUsedThatAreGoneNowAreNotCountedAgainstTheUsableOnes() {
        // two workers ran sub-works, then one died: not "2 of 1"
        ProgressReporter.Progress p = new ProgressReporter.Progress(6, 4, 0, 0, 2, 2, 1, 4);
        assertTrue(ProgressReporter.plainLine(p).contains(", workers used 2 (1 usable now), slots in use 2 of 4"),
                ProgressReporter.plainLine(p));
        String live = new ProgressReporter(out, true, clock::get).liveLine(p);
        assertTrue(live.contains("| workers 2/2 (1 usable) |"), live);
    }

    @Test
    void onATerminalOneLineIsRedrawnWithAnEtaAndClearedForTheSummary() {
        ProgressReporter reporter = new ProgressReporter(out, true, clock::get);
        assertEquals(Duration.ofSeconds(1), reporter.interval(Duration.ofSeconds(10)), "live: every second");
        assertEquals(Duration.ofMillis(200), reporter.interval(Duration.ofMillis(200)));
        reporter.update(new ProgressReporter.Progress(3, 0, 0, 0, 3, 0, 2, 4));
        clock.addAndGet(Duration.ofSeconds(20).toNanos());
        // 4 done in 20 s, 8 left: 40 s more at that rate
        reporter.update(new ProgressReporter.Progress(12, 3, 1, 0, 6, 2, 2, 4));
        reporter.finish("[booster] total 12");
        String expected = "\r\033[K[booster] 0/3 done | remote 0 | local 0 | failed 0 | workers 0/2 | slots 3/4 | ETA ?"
                + "\r\033[K[booster] 4/12 done | remote 3 | local 1 | failed 0 | workers 2/2 | slots 4/4 | ETA 40s"
                + "\r\033[K[booster] total 12\n";
        assertEquals(expected, text());
    }

    @Test
    void etaFormats() {
        assertEquals("59s", ProgressReporter.format(Duration.ofSeconds(59)));
        assertEquals("2m05s", ProgressReporter.format(Duration.ofSeconds(125)));
        assertEquals("1h01m", ProgressReporter.format(Duration.ofSeconds(3660)));
        ProgressReporter reporter = new ProgressReporter(out, true, clock::get);
        assertEquals("0s", reporter.eta(new ProgressReporter.Progress(2, 2, 0, 0, 0, 1, 1, 1)));
        assertTrue(reporter.liveLine(new ProgressReporter.Progress(2, 2, 0, 0, 0, 1, 1, 1)).endsWith("ETA 0s"));
        clock.addAndGet(Duration.ofMillis(500).toNanos());
        assertEquals("<1s", reporter.eta(new ProgressReporter.Progress(6, 5, 0, 0, 1, 1, 1, 1)), "1 left at 0.1 s each");
    }
}
