package io.troupe.booster.gateway;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Which file a stdin is ({@code st_dev:st_ino}, the same text booster-exec sends), and the booster's own. A
 * sub-work whose stdin is the booster's own stdin inherited through the build is handled like a terminal: it
 * is the build's input, not the sub-work's (docs/booster-execution.md, "Stdin").
 */
public final class StdinIdentity {

    private static volatile String own;
    private static volatile boolean captured;

    private StdinIdentity() {}

    /** {@code dev:ino} of the file {@code fd} stands for (a /proc fd link is followed), or "" when unknown. */
    public static String of(Path fd) {
        try {
            Object dev = Files.getAttribute(fd, "unix:dev");
            Object ino = Files.getAttribute(fd, "unix:ino");
            return Long.toUnsignedString(((Number) dev).longValue()) + ":" + Long.toUnsignedString(((Number) ino).longValue());
        } catch (Exception e) {
            return "";
        }
    }

    /** Reads this process's stdin identity once; blocking (a stat), so called off the actor threads. */
    public static void capture() {
        if (!captured) {
            own = of(Path.of("/proc/self/fd/0"));
            captured = true;
        }
    }

    /** Whether {@code id} names the booster's own stdin (false until {@link #capture()} ran, or when unknown). */
    public static boolean isOwn(String id) {
        String mine = own;
        return id != null && !id.isEmpty() && mine != null && mine.equals(id);
    }
}
