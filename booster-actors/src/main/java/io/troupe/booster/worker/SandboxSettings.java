package io.troupe.booster.worker;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.time.Duration;
import java.util.Locale;

/**
 * How a worker confines the processes of a sub-work, read from {@code troupe.worker.sandbox}
 * (docs/security.md).
 *
 * @param user the account sub-works run as when the worker runs as root: a name from /etc/passwd, or
 *     {@code uid} or {@code uid:gid}
 * @param allowRoot whether a worker running as root may run sub-works as root (user root, or no setpriv)
 * @param bubblewrap whether sub-works run under bubblewrap
 * @param cpuTime RLIMIT_CPU of every process of a sub-work (zero = not set)
 * @param addressSpace RLIMIT_AS in bytes (zero = not set)
 * @param fileSize RLIMIT_FSIZE in bytes (zero = not set)
 * @param processes RLIMIT_NPROC: processes of the sandbox user at once (zero = not set)
 * @param reuse whether each slot keeps one launcher ({@code troupe-slot}) inside its sandbox for all its sub-works,
 *     instead of entering the sandbox anew for every process ({@code troupe.worker.sandbox.reuse})
 * @param launcher the {@code troupe-slot} binary; empty = system property {@code troupe.slot-launcher}, else
 *     {@code <troupe.home>/lib/troupe-slot} ({@code troupe.worker.sandbox.launcher})
 * @param directCompile whether a gcc compile in a slot runs the driver's {@code cc1 | as} without the driver
 *     ({@link DirectCompile}; {@code troupe.worker.sandbox.direct-compile})
 */
public record SandboxSettings(
        String user,
        boolean allowRoot,
        Bubblewrap bubblewrap,
        Duration cpuTime,
        long addressSpace,
        long fileSize,
        long processes,
        boolean reuse,
        String launcher,
        boolean directCompile) {

    /** {@code troupe.worker.sandbox.bubblewrap}. */
    public enum Bubblewrap {
        /** under bubblewrap when it works on this machine, else without it (logged once at worker start) */
        AUTO,
        /** under bubblewrap, or the worker refuses sub-works */
        REQUIRED,
        /** never under bubblewrap */
        OFF
    }

    /** The defaults of reference.conf, for code that builds settings without a config. */
    public static final SandboxSettings DEFAULTS = new SandboxSettings("nobody", false, Bubblewrap.AUTO,
            Duration.ofMinutes(10), 8L << 30, 1L << 30, 1024, true, "", true);

    /** Without reused slot sandboxes' settings: reuse on, the launcher found as by default. */
    public SandboxSettings(String user, boolean allowRoot, Bubblewrap bubblewrap, Duration cpuTime, long addressSpace,
            long fileSize, long processes) {
        this(user, allowRoot, bubblewrap, cpuTime, addressSpace, fileSize, processes, true, "", true);
    }

    public SandboxSettings {
        if (user == null || user.isBlank()) {
            throw new IllegalArgumentException("troupe.worker.sandbox.user is empty; name the account sub-works run as");
        }
        if (cpuTime.isNegative() || addressSpace < 0 || fileSize < 0 || processes < 0) {
            throw new IllegalArgumentException("troupe.worker.sandbox.limits must not be negative");
        }
        launcher = launcher == null ? "" : launcher.trim();
    }

    /** Reads the {@code troupe.worker.sandbox} section. */
    public static SandboxSettings fromConfig(Config sandbox) {
        String mode = sandbox.getString("bubblewrap").trim().toUpperCase(Locale.ROOT);
        Bubblewrap bubblewrap;
        try {
            bubblewrap = Bubblewrap.valueOf(mode);
        } catch (IllegalArgumentException e) {
            throw new ConfigException.BadValue(sandbox.origin(), "bubblewrap", "troupe.worker.sandbox.bubblewrap must be"
                    + " auto, required or off, got '" + sandbox.getString("bubblewrap") + "'");
        }
        Config limits = sandbox.getConfig("limits");
        boolean reuse = !sandbox.hasPath("reuse") || onOff(sandbox, "reuse");
        return new SandboxSettings(
                sandbox.getString("user"),
                sandbox.getBoolean("allow-root"),
                bubblewrap,
                limits.getDuration("cpu-time"),
                limits.getBytes("address-space"),
                limits.getBytes("file-size"),
                limits.getLong("processes"),
                reuse,
                sandbox.hasPath("launcher") ? sandbox.getString("launcher") : "",
                !sandbox.hasPath("direct-compile") || onOff(sandbox, "direct-compile"));
    }

    /** {@code on}/{@code off} (HOCON also reads true/false/yes/no as booleans). */
    private static boolean onOff(Config sandbox, String key) {
        String value = sandbox.getString(key).trim().toLowerCase(Locale.ROOT);
        return switch (value) {
            case "on", "true", "yes" -> true;
            case "off", "false", "no" -> false;
            default -> throw new ConfigException.BadValue(sandbox.origin(), key, "troupe.worker.sandbox." + key
                    + " must be on or off, got '" + sandbox.getString(key) + "'");
        };
    }
}
