package io.troupe.module.access;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.function.LongSupplier;
import java.util.stream.Stream;

/**
 * BFE's time rotation (log4go's RotateWhen and BackupCount): at each minute, hour or day boundary of the
 * local clock the file is renamed to {@code <file>.<period>} ({@code yyyyMMddHHmm}, {@code yyyyMMddHH} or
 * {@code yyyyMMdd}, the period that ended) and only the newest {@code backupCount} such files are kept.
 */
record Rotation(ChronoUnit unit, int backupCount, ZoneId zone, LongSupplier clockMillis) {

    static Rotation of(String when, int backupCount, LongSupplier clockMillis) {
        ChronoUnit unit = switch (when.toUpperCase(Locale.ROOT)) {
            case "M" -> ChronoUnit.MINUTES;
            case "H", "NEXTHOUR" -> ChronoUnit.HOURS;
            default -> ChronoUnit.DAYS; // D, MIDNIGHT, NEXTDAY
        };
        return new Rotation(unit, backupCount, ZoneId.systemDefault(), clockMillis);
    }

    long now() {
        return clockMillis.getAsLong();
    }

    /** The start of the period {@code millis} falls in. */
    long periodStart(long millis) {
        return ZonedDateTime.ofInstant(Instant.ofEpochMilli(millis), zone).truncatedTo(unit).toInstant().toEpochMilli();
    }

    /** The start of the period after the one starting at {@code start}. */
    long next(long start) {
        return ZonedDateTime.ofInstant(Instant.ofEpochMilli(start), zone).plus(1, unit).toInstant().toEpochMilli();
    }

    String suffix(long start) {
        String pattern = switch (unit) {
            case MINUTES -> "yyyyMMddHHmm";
            case HOURS -> "yyyyMMddHH";
            default -> "yyyyMMdd";
        };
        return DateTimeFormatter.ofPattern(pattern).withZone(zone).format(Instant.ofEpochMilli(start));
    }

    /** Deletes the oldest backups of {@code file} beyond {@code backupCount}. */
    void prune(Path file) throws IOException {
        String prefix = file.getFileName() + ".";
        List<Path> backups;
        try (Stream<Path> s = Files.list(file.toAbsolutePath().getParent())) {
            backups = s.filter(p -> {
                String n = p.getFileName().toString();
                return n.startsWith(prefix) && n.substring(prefix.length()).matches("\\d{8,12}");
            }).sorted((a, b) -> b.getFileName().toString().compareTo(a.getFileName().toString())).toList();
        }
        for (int i = backupCount; i < backups.size(); i++) {
            Files.deleteIfExists(backups.get(i));
        }
    }
}
