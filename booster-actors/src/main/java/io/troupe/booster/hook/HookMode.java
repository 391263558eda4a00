package io.troupe.booster.hook;

import java.util.Locale;

/** How the booster intercepts the sub-works of a work command ({@code --hook_mode}). */
public enum HookMode {
    /** libtroupe-hook.so in LD_PRELOAD: catches exec and posix_spawn by name, path or glob. */
    PRELOAD,
    /** A stable per-user directory of shims first on PATH: catches plain command names only. */
    SHIMS;

    /** The flag value: {@code preload} or {@code shims}. */
    public String flagValue() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses a {@code --hook_mode} value; the message names the flag and the accepted values. */
    public static HookMode parse(String value) {
        for (HookMode mode : values()) {
            if (mode.flagValue().equals(value)) {
                return mode;
            }
        }
        throw new IllegalArgumentException("--hook_mode '" + value + "': expected preload or shims");
    }
}
