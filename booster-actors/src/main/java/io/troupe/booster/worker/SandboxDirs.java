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

    private SandboxDirs() {}

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
