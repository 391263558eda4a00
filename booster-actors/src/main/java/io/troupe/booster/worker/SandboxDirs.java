package io.troupe.booster.worker;

import io.troupe.booster.FileTrees;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Sandbox directories named after the worker JVM that made them, so a worker starting on a sandbox root can
 * tell the sandboxes of a killed worker (removed, with any process still marked with them) from those of
 * workers still running there (left alone).
 */
final class SandboxDirs {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(SandboxDirs.class);

    /** This JVM as the owner of the sandboxes it makes: its pid and start time, so a restarted pid 1 differs. */
    static final String OWNER = ProcessHandle.current().pid() + "p" + startMillis(ProcessHandle.current());

    /** A sandbox directory name: {@code execution-<n>-<pid>p<start millis>-<nanos>} (older ones lack the owner). */
    private static final Pattern SANDBOX = Pattern.compile("execution-[^-]+-(?:(\\d+)p(\\d+)-)?\\d+");

    /** A new sandbox directory under {@code sandboxRoot} owned by this JVM. */
    static Path newRoot(Path sandboxRoot, String name) {
        return sandboxRoot.resolve(name + "-" + OWNER + "-" + System.nanoTime());
    }

    /** The directory under the sandbox root that holds the reused slot sandboxes. */
    static final String SLOTS = ".slots";

    /**
     * Where the worker's reused slot sandboxes live ({@link SlotSandbox}): {@code .slots} under the sandbox root, so
     * whatever bounds the root (a tmpfs, a volume) bounds them too. The name is no sandbox's: the root's stale
     * sweep passes it over, and it is swept on its own.
     */
    static Path slotsRoot(Path sandboxRoot) {
        return sandboxRoot.resolve(SLOTS);
    }

    /** Slot sandbox names: {@code execution-slot<n>-<owner>-<nanos>}. */
    private static final Pattern SLOT = Pattern.compile("execution-slot\\d+-(?:\\d+p\\d+-)?\\d+");

    /** Where slot sandboxes lived before {@link #SLOTS}: {@code slots-<sandbox root's name>} beside the root. */
    static Path oldSlotsRoot(Path sandboxRoot) {
        Path name = sandboxRoot.toAbsolutePath().getFileName();
        return name == null ? null : sandboxRoot.toAbsolutePath().resolveSibling("slots-" + name);
    }

    private SandboxDirs() {}

    /**
     * Removes the slot sandboxes' directory of an earlier worker version ({@link #oldSlotsRoot}), which an upgrade in
     * place leaves behind, when it holds nothing but slot sandboxes of workers that are gone and is this user's.
     */
    static void removeOldSlotsRoot(Path sandboxRoot) {
        Path old = oldSlotsRoot(sandboxRoot);
        if (old == null || !Files.isDirectory(old, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        List<Path> slots = new ArrayList<>();
        String keep;
        try {
            keep = whyKeep(old, slots);
        } catch (IOException e) {
            keep = "cannot read it: " + e;
        }
        if (keep != null) {
            LOG.warn("left {} (where slot sandboxes were before they moved to {}) in place: {}", old,
                    slotsRoot(sandboxRoot), keep);
            return;
        }
        killMarked(slots);
        try {
            FileTrees.deleteTree(old);
            LOG.info("removed {} with {} slot sandbox(es) of an earlier worker version; slot sandboxes are now in {}",
                    old, slots.size(), slotsRoot(sandboxRoot));
        } catch (IOException e) {
            LOG.warn("could not remove {} (slot sandboxes of an earlier worker version): {}", old, e.toString());
        }
    }

    /** Why {@code old} is not ours to remove, or null; collects its slot sandboxes into {@code slots}. */
    private static String whyKeep(Path old, List<Path> slots) throws IOException {
        Object owner = Files.getAttribute(old, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        Object self = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        if (!owner.equals(self)) {
            return "owned by uid " + owner + ", not this worker's user (uid " + self + ")";
        }
        try (Stream<Path> entries = Files.list(old)) {
            for (Path entry : (Iterable<Path>) entries::iterator) {
                if (!SLOT.matcher(entry.getFileName().toString()).matches()
                        || !Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS)) {
                    return "it holds " + entry.getFileName() + ", which is no slot sandbox";
                }
                if (!isStale(entry)) {
                    return "slot sandbox " + entry.getFileName() + " belongs to a worker still running";
                }
                slots.add(entry);
            }
        }
        return null;
    }

    /** Removes sandboxes whose owning worker process is gone, and any process still marked with one of them. */
    static void removeStale(Path sandboxRoot) {
        List<Path> stale = new ArrayList<>();
        try (Stream<Path> entries = Files.list(sandboxRoot)) {
            entries.filter(SandboxDirs::isStale).forEach(stale::add);
        } catch (java.nio.file.NoSuchFileException e) {
            return;
        } catch (IOException e) {
            LOG.warn("cannot list {} for stale sandboxes: {}", sandboxRoot, e.toString());
            return;
        }
        if (stale.isEmpty()) {
            return;
        }
        killMarked(stale);
        for (Path dir : stale) {
            try {
                FileTrees.deleteTree(dir);
            } catch (IOException e) {
                LOG.warn("could not remove stale sandbox {}: {}", dir, e.toString());
            }
        }
        LOG.info("removed {} stale sandbox(es) left in {} by a worker that is gone", stale.size(), sandboxRoot);
    }

    static boolean isStale(Path dir) {
        Matcher name = SANDBOX.matcher(dir.getFileName().toString());
        if (!name.matches() || !Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return false; // not ours to remove
        }
        if (name.group(1) == null) {
            return true; // made before sandboxes named their owner, so by a worker no longer running
        }
        if ((name.group(1) + "p" + name.group(2)).equals(OWNER)) {
            return false; // this JVM's (another worker in it, or this one)
        }
        Optional<ProcessHandle> owner = ProcessHandle.of(Long.parseLong(name.group(1)));
        return owner.isEmpty() || !Long.toString(startMillis(owner.get())).equals(name.group(2));
    }

    /** Kills processes whose environment carries {@link SandboxRun#MARKER} naming one of {@code roots}. */
    private static void killMarked(List<Path> roots) {
        List<byte[]> markers = roots.stream()
                .map(root -> (SandboxRun.MARKER + "=" + root + "\0").getBytes(StandardCharsets.UTF_8)).toList();
        ProcessHandle.allProcesses().filter(p -> p.pid() != ProcessHandle.current().pid()).forEach(p -> {
            byte[] environ;
            try {
                environ = Files.readAllBytes(Path.of("/proc", Long.toString(p.pid()), "environ"));
            } catch (IOException | SecurityException e) {
                return; // gone, or not readable
            }
            for (byte[] marker : markers) {
                if (contains(environ, marker)) {
                    p.destroyForcibly();
                    return;
                }
            }
        });
    }

    private static boolean contains(byte[] environ, byte[] marker) {
        outer:
        for (int i = 0; i <= environ.length - marker.length; i++) {
            if (i > 0 && environ[i - 1] != 0) {
                continue;
            }
            for (int j = 0; j < marker.length; j++) {
                if (environ[i + j] != marker[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    private static long startMillis(ProcessHandle process) {
        return process.info().startInstant().map(java.time.Instant::toEpochMilli).orElse(0L);
    }
}
