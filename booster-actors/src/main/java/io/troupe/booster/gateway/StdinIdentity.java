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

    /** A controller's own stdin (/dev/null) is no build's input: only its clients' stdins are. */
    public static void ignoreOwn() {
        own = null;
        captured = true;
    }

    /**
     * The stdins of the clients whose works a controller runs, each with how many works have it (two builds
     * started from one pipe share it): each is a build's own input too.
     */
    private static final java.util.concurrent.ConcurrentHashMap<String, Integer> clients =
            new java.util.concurrent.ConcurrentHashMap<>();

    /** A controller's client's stdin ({@link #of} its {@code /proc/PID/fd/0}), until {@link #removeClient}. */
    public static void addClient(String id) {
        if (!id.isEmpty()) {
            clients.merge(id, 1, Integer::sum);
        }
    }

    /** That client's work ended; its stdin stays a build's input while another work has it. */
    public static void removeClient(String id) {
        if (!id.isEmpty()) {
            clients.computeIfPresent(id, (key, works) -> works > 1 ? works - 1 : null);
        }
    }

    /** Whether {@code id} names the booster's own stdin, or a controller's client's (false when unknown). */
    public static boolean isOwn(String id) {
        String mine = own;
        return id != null && !id.isEmpty() && ((mine != null && mine.equals(id)) || clients.containsKey(id));
    }
}
