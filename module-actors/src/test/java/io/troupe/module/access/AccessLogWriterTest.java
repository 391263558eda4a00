package io.troupe.module.access;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AccessLogWriterTest {
    @TempDir
    Path dir;

    static void await(BooleanSupplier cond, String what) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 5000;
        while (!cond.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(10);
        }
    }

    private static List<String> lines(Path p) {
        try {
            return Files.exists(p) ? Files.readAllLines(p) : List.of();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void writesUtf8AndLinesLongerThanItsBuffer() throws Exception {
        Path log = dir.resolve("access.log");
        String big = "x".repeat(200_000); // more than the writer's 64 KiB buffer: it grows for the batch
        try (AccessLogWriter w = new AccessLogWriter(log, 100, 50)) {
            w.offer("héllo €");
            w.offer(big);
            w.offer("after");
            await(() -> lines(log).size() == 3, "three lines");
        }
        assertEquals(List.of("héllo €", big, "after"), Files.readAllLines(log));
    }

    @Test
    void reopensWhenTheFileIsMovedAway() throws Exception {
        Path log = dir.resolve("access.log");
        try (AccessLogWriter w = new AccessLogWriter(log, 100, 50)) {
            w.offer("one");
            await(() -> lines(log).equals(List.of("one")), "first line");
            Files.move(log, dir.resolve("access.log.1"));
            await(() -> w.counters.reopened().get() == 1 && Files.exists(log), "reopen after move");
            w.offer("two");
            await(() -> lines(log).equals(List.of("two")), "second line in the new file");
            assertEquals(List.of("one"), lines(dir.resolve("access.log.1")));
            // the reopen signal works without any move
            w.reopen();
            await(() -> w.counters.reopened().get() == 2, "reopen on signal");
            w.offer("three");
            await(() -> lines(log).equals(List.of("two", "three")), "append after signal");
        }
    }

    @Test
    void rotatesAtEachHourAndKeepsBackupCountFiles() throws Exception {
        Path log = dir.resolve("access.log");
        java.time.ZoneId zone = java.time.ZoneId.systemDefault();
        long start = java.time.ZonedDateTime.of(2026, 11, 29, 3, 30, 0, 0, zone).toInstant().toEpochMilli();
        java.util.concurrent.atomic.AtomicLong clock = new java.util.concurrent.atomic.AtomicLong(start);
        Rotation r = Rotation.of("NEXTHOUR", 2, clock::get);
        try (AccessLogWriter w = new AccessLogWriter(log, 100, 20, true, AccessLogWriter.Counters.fresh(), r)) {
            w.offer("at 03:30");
            await(() -> lines(log).equals(List.of("at 03:30")), "first line");
            for (int hour = 4; hour <= 6; hour++) {
                clock.set(start + (hour - 3) * 3_600_000L);
                int n = hour - 3;
                await(() -> w.counters.rotated().get() == n, "rotation " + n);
                w.offer("at " + hour + ":30");
                await(() -> lines(log).size() == 1, "line after rotation");
            }
            assertEquals(List.of("at 6:30"), lines(log));
            // three rotations, BackupCount 2: the 03 file was deleted, 04 and 05 stay
            assertFalse(Files.exists(dir.resolve("access.log.2026112903")));
            assertEquals(List.of("at 4:30"), lines(dir.resolve("access.log.2026112904")));
            assertEquals(List.of("at 5:30"), lines(dir.resolve("access.log.2026112905")));
        }
    }

    @Test
    void linesArrivingWhileTheWriterLingersGoOutInFewWrites() throws Exception {
        Path log = dir.resolve("access.log");
        try (AccessLogWriter w = new AccessLogWriter(log, 10_000, 1000)) {
            // 200 lines over about 10 ms, as a busy event loop offers them: without the linger the writer
            // would wake (and write) for nearly every one
            for (int i = 0; i < 200; i++) {
                w.offer("line " + i);
                long until = System.nanoTime() + 50_000;
                while (System.nanoTime() < until) {
                    Thread.onSpinWait();
                }
            }
            await(() -> w.counters.written().get() == 200, "200 lines written");
            assertTrue(w.batches <= 40, "lines were written in " + w.batches + " writes");
            List<String> got = lines(log);
            assertEquals(200, got.size());
            assertEquals("line 0", got.get(0));
            assertEquals("line 199", got.get(199));
        }
    }

    @Test
    void timeIsFormattedOncePerSecondAndStillReadsNow() {
        String before = java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss")
                .withZone(java.time.ZoneId.systemDefault()).format(java.time.Instant.now());
        long s0 = System.currentTimeMillis() / 1000;
        String a = LogTemplate.now();
        String b = LogTemplate.now();
        long s1 = System.currentTimeMillis() / 1000;
        assertTrue(a.matches("\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}"), a);
        assertTrue(a.compareTo(before) >= 0, a + " is before " + before);
        assertTrue(b.compareTo(a) >= 0);
        if (s0 == s1) {
            assertSame(a, b, "within one second the text is formatted once");
        }
    }

    @Test
    void aFullQueueDropsAndCountsInsteadOfBlocking() throws Exception {
        Path log = dir.resolve("access.log");
        AccessLogWriter w = new AccessLogWriter(log, 3, 50, false, AccessLogWriter.Counters.fresh());
        assertTrue(w.offer("a"));
        assertTrue(w.offer("b"));
        assertTrue(w.offer("c"));
        assertFalse(w.offer("d"));
        assertEquals(1, w.counters.dropped().get());
        w.start();
        await(() -> lines(log).size() == 3, "queued lines written");
        w.close();
        assertEquals(List.of("a", "b", "c"), lines(log));
        assertFalse(w.offer("after close"));
        assertEquals(2, w.counters.dropped().get());
    }
}
