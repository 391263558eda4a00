package io.troupe.booster.toolchain;

/**
 * The identity of a compiler: what it says its version is, the target it builds for, and the SHA-256 of its
 * driver binary. Two machines compile a unit the same way only if their keys are equal.
 *
 * @param version the first line of {@code --version}, without the program name gcc puts in front
 * @param target the output of {@code -dumpmachine} ({@code x86_64-linux-gnu})
 * @param sha256 hex SHA-256 of the resolved binary
 */
public record ToolchainKey(String version, String target, String sha256) {

    /** The key as one string, the form carried in {@code Command.toolchain} and worker load reports. */
    public String key() {
        return version + " | " + target + " | sha256:" + sha256;
    }

    @Override
    public String toString() {
        return key();
    }
}
