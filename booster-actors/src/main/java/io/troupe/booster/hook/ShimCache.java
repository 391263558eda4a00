package io.troupe.booster.hook;

import io.troupe.api.booster.HookRule;
import io.troupe.api.booster.PreloadConfig;
import io.troupe.booster.exec.BoosterExecLocation;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import io.troupe.booster.cas.Digests;
import io.troupe.booster.client.ClusterSlotsMemory;
import java.security.MessageDigest;
import java.util.Map;

/**
 * Where PATH shims live: {@code $XDG_CACHE_HOME/troupe/shims/<hash>} (else {@code ~/.cache/...}), one
 * directory per set of rules and booster-exec. It outlives the work on purpose: build systems such as
 * CMake record the compiler path they found, and a recorded shim must still run the real compiler
 * (booster-exec with no booster runs the command locally).
 */
public final class ShimCache {

    private ShimCache() {}

    /** The shim directory for {@code rules} run through {@code boosterExec}, for a booster with {@code env}. */
    public static Path directory(PreloadConfig rules, BoosterExecLocation boosterExec, Map<String, String> env) {
        return root(env).resolve(hash(rules, boosterExec));
    }

    /** {@code $XDG_CACHE_HOME/troupe/shims}, {@code $HOME/.cache/troupe/shims}, else under the temp directory. */
    static Path root(Map<String, String> env) {
        return ClusterSlotsMemory.cacheRoot(env).resolve("shims");
    }

    static String hash(PreloadConfig rules, BoosterExecLocation boosterExec) {
        MessageDigest digest = Digests.sha256();
        for (HookRule rule : rules.hooks()) {
            digest.update((rule.srcCommand() + "\0" + rule.targetCommand() + "\0").getBytes(StandardCharsets.UTF_8));
        }
        digest.update(String.join("\0", boosterExec.command()).getBytes(StandardCharsets.UTF_8));
        return Digests.hex(digest).substring(0, 16);
    }
}
