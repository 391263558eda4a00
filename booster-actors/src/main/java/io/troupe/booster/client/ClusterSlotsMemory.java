package io.troupe.booster.client;

import io.troupe.booster.cas.Digests;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.TreeSet;

/**
 * The worker slots a booster last saw in a cluster, kept in {@code $XDG_CACHE_HOME/troupe/clusters/<hash>}
 * (else {@code ~/.cache/...}) per set of seeds: the work command starts before any worker is known, and
 * {@code @BK_JOBS} is written into it once, so the previous run's cluster size is the best guess there is.
 */
public final class ClusterSlotsMemory {

    private final Path file;

    private ClusterSlotsMemory(Path file) {
        this.file = file;
    }

    /** The memory for {@code seeds} (order and duplicates do not matter) of a booster with {@code env}. */
    public static ClusterSlotsMemory of(List<String> seeds, Map<String, String> env) {
        MessageDigest digest = Digests.sha256();
        for (String seed : new TreeSet<>(seeds)) {
            digest.update((seed + "\0").getBytes(StandardCharsets.UTF_8));
        }
        return new ClusterSlotsMemory(cacheRoot(env).resolve("clusters").resolve(Digests.hex(digest).substring(0, 16)));
    }

    /** {@code $XDG_CACHE_HOME/troupe}, {@code $HOME/.cache/troupe}, else under the temp directory. */
    public static Path cacheRoot(Map<String, String> env) {
        String xdg = env.get("XDG_CACHE_HOME");
        if (xdg != null && xdg.startsWith("/")) {
            return Path.of(xdg, "troupe");
        }
        String home = env.getOrDefault("HOME", System.getProperty("user.home"));
        if (home != null && home.startsWith("/")) {
            return Path.of(home, ".cache", "troupe");
        }
        return Path.of(System.getProperty("java.io.tmpdir"), "troupe-" + System.getProperty("user.name"));
    }

    /** The slots remembered, if any; an unreadable or malformed file counts as none. */
    public OptionalInt recall() {
        return field(0);
    }

    /** The number of workers those slots were on, if remembered (a file of an older booster holds slots only). */
    public OptionalInt recallWorkers() {
        return field(1);
    }

    private OptionalInt field(int index) {
        try {
            String[] fields = Files.readString(file, StandardCharsets.UTF_8).trim().split(" ");
            int value = fields.length > index ? Integer.parseInt(fields[index]) : 0;
            return value > 0 ? OptionalInt.of(value) : OptionalInt.empty();
        } catch (IOException | NumberFormatException e) {
            return OptionalInt.empty();
        }
    }

    /**
     * Remembers {@code slots} on {@code workers} workers (0 = not known: slots only, the form older boosters
     * wrote); written aside and moved, so a concurrent booster never reads half a file.
     */
    public void remember(int slots, int workers) throws IOException {
        String text = workers > 0 ? slots + " " + workers : Integer.toString(slots);
        Files.createDirectories(file.getParent());
        Path tmp = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".tmp");
        try {
            Files.writeString(tmp, text, StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    Path file() {
        return file;
    }
}
