package io.troupe.api.condition;

import java.time.DateTimeException;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.ResolverStyle;
import java.util.Locale;
import java.util.Map;

/**
 * BFE's time strings: {@code yyyymmddhhmmssZ} and {@code hhmmssZ}, where {@code Z} is a military
 * time-zone letter (A..M without J east of UTC, N..Y west of it, Z for UTC), case-insensitive.
 */
final class BfeTime {
    private BfeTime() {}

    static final Map<String, Integer> ZONE_OFFSETS = Map.ofEntries(
            Map.entry("Y", -12 * 3600), Map.entry("X", -11 * 3600), Map.entry("W", -10 * 3600),
            Map.entry("V", -9 * 3600), Map.entry("U", -8 * 3600), Map.entry("T", -7 * 3600),
            Map.entry("S", -6 * 3600), Map.entry("R", -5 * 3600), Map.entry("Q", -4 * 3600),
            Map.entry("P", -3 * 3600), Map.entry("O", -2 * 3600), Map.entry("N", -1 * 3600),
            Map.entry("Z", 0),
            Map.entry("A", 3600), Map.entry("B", 2 * 3600), Map.entry("C", 3 * 3600),
            Map.entry("D", 4 * 3600), Map.entry("E", 5 * 3600), Map.entry("F", 6 * 3600),
            Map.entry("G", 7 * 3600), Map.entry("H", 8 * 3600), Map.entry("I", 9 * 3600),
            Map.entry("K", 10 * 3600), Map.entry("L", 11 * 3600), Map.entry("M", 12 * 3600));

    private static final DateTimeFormatter STAMP =
            DateTimeFormatter.ofPattern("uuuuMMddHHmmss", Locale.ROOT).withResolverStyle(ResolverStyle.STRICT);

    /** Thrown for a malformed time string; the message says what is wrong. */
    static final class BadTime extends Exception {
        BadTime(String message) {
            super(message);
        }
    }

    /**
     * Parses {@code yyyymmddhhmmssZ} into epoch seconds. Like Go's {@code Sscanf("%14s%s")}, leading
     * spaces are skipped and the zone is the next word.
     */
    static long parseInstant(String s) throws BadTime {
        String[] words = scan(s, 14);
        if (words[1].isEmpty()) {
            throw new BadTime("invalid time string " + s + ": expected yyyymmddhhmmss followed by a zone letter");
        }
        LocalDateTime local;
        try {
            if (words[0].length() != 14 || !words[0].chars().allMatch(c -> c >= '0' && c <= '9')) {
                throw new DateTimeException("not 14 digits");
            }
            local = LocalDateTime.parse(words[0], STAMP);
        } catch (DateTimeException e) {
            throw new BadTime("invalid time string " + s + ": " + words[0] + " is not a valid yyyymmddhhmmss time");
        }
        int offset = zone(words[1]);
        return local.toEpochSecond(ZoneOffset.UTC) - offset;
    }

    /** Parses {@code hhmmssZ} into {seconds of day, zone offset in seconds}. */
    static int[] parseTimeOfDay(String s) throws BadTime {
        String[] words = scan(s, 6);
        if (words[1].isEmpty() || s.length() < 6) {
            throw new BadTime("invalid time string " + s + ": expected hhmmss followed by a zone letter");
        }
        int h = twoDigits(s, 0);
        int m = twoDigits(s, 2);
        int sec = twoDigits(s, 4);
        if (h < 0 || m < 0 || sec < 0 || h > 23 || m > 59 || sec > 59) {
            throw new BadTime("time format invalid: " + s.substring(0, 6) + " is not a valid hhmmss time");
        }
        return new int[] {h * 3600 + m * 60 + sec, zone(words[1])};
    }

    private static int twoDigits(String s, int at) {
        char a = s.charAt(at);
        char b = s.charAt(at + 1);
        if (a < '0' || a > '9' || b < '0' || b > '9') {
            return -1;
        }
        return (a - '0') * 10 + (b - '0');
    }

    private static int zone(String letter) throws BadTime {
        Integer offset = ZONE_OFFSETS.get(letter.toUpperCase(Locale.ROOT));
        if (offset == null) {
            throw new BadTime("invalid zone " + letter + " (use a military zone letter: Z for UTC, H for UTC+8, ...)");
        }
        return offset;
    }

    // Go's Sscanf("%<width>s%s"): skip spaces, read up to width non-space chars, skip spaces, read a word
    private static String[] scan(String s, int width) {
        int i = 0;
        int n = s.length();
        while (i < n && Character.isWhitespace(s.charAt(i))) {
            i++;
        }
        int start = i;
        while (i < n && i - start < width && !Character.isWhitespace(s.charAt(i))) {
            i++;
        }
        String first = s.substring(start, i);
        while (i < n && Character.isWhitespace(s.charAt(i))) {
            i++;
        }
        int zoneStart = i;
        while (i < n && !Character.isWhitespace(s.charAt(i))) {
            i++;
        }
        return new String[] {first, s.substring(zoneStart, i)};
    }
}
