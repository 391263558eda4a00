package io.troupe.module.prison;

/**
 * What mod_prison stores in the request context under {@code mod_prison.prison_info} (BFE's PrisonInfo)
 * when a rule jailed, or had jailed, the request's sign.
 *
 * @param prisonType always {@code mod_prison}
 * @param prisonName the rule name
 * @param freeTimeNanos when the sign is free again, on the module's clock
 * @param isExpired whether the sign was jailed but is free now
 * @param action the rule's action
 */
public record PrisonInfo(String prisonType, String prisonName, long freeTimeNanos, boolean isExpired, String action) {
    /** Not jailed and never was: nothing to store. */
    static final PrisonInfo FREE = new PrisonInfo(null, null, 0, true, null);

    boolean jailed() {
        return !isExpired;
    }
}
