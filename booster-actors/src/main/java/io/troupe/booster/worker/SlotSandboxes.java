package io.troupe.booster.worker;

import io.troupe.booster.exec.BoosterExecLocation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A worker's reused slot sandboxes ({@link SlotSandbox}), one per run at a time, made lazily and at worker start.
 * Off ({@link #acquire} answers null, every process enters its sandbox anew) with
 * {@code troupe.worker.sandbox.reuse = off}, without a {@code troupe-slot} binary, or once a launcher could not be
 * started at all. Thread-safe: acquired on the executor's thread, released and closed on blocking threads.
 */
final class SlotSandboxes {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(SlotSandboxes.class);

    /** The launcher's file name under {@code <troupe.home>/lib}. */
    static final String BINARY_NAME = "troupe-slot";
    /** System property naming the launcher binary explicitly. */
    static final String BINARY_PROPERTY = "troupe.slot-launcher";

    private final SandboxLauncher launcher;
    private final Path binary;
    private final Path sandboxRoot;
    private final int slots;
    /** a run answers before it cleans up, so the next run may need another slot meanwhile */
    private final int max;
    private final ConcurrentLinkedDeque<SlotSandbox> idle = new ConcurrentLinkedDeque<>();
    private final List<SlotSandbox> all = new ArrayList<>();
    private volatile String disabled;
    private volatile boolean closed;
    /** the launchers' start at worker start; close waits for it, so nothing is made in a directory being removed */
    private volatile CompletableFuture<Void> warming = CompletableFuture.completedFuture(null);

    private SlotSandboxes(SandboxLauncher launcher, Path binary, Path sandboxRoot, int slots, String disabled) {
        this.launcher = launcher;
        this.binary = binary;
        this.sandboxRoot = sandboxRoot;
        this.slots = slots;
        this.max = 2 * slots;
        this.disabled = disabled;
    }

    /** The slot sandboxes of a worker; logs once why they are off, if they are. */
    static SlotSandboxes create(WorkerSettings settings, SandboxLauncher launcher) {
        Optional<Path> binary = locate(settings.sandbox());
        String off = !settings.sandbox().reuse() ? "troupe.worker.sandbox.reuse = off"
                : binary.isEmpty() ? "no " + BINARY_NAME + " binary (troupe.worker.sandbox.launcher, system property "
                        + BINARY_PROPERTY + ", <troupe.home>/lib/" + BINARY_NAME + "; built by mvn package with a C compiler)"
                : null;
        if (off != null && settings.sandbox().reuse()) {
            LOG.info("worker sandbox: every process enters its sandbox anew: {}", off);
        }
        return new SlotSandboxes(launcher, binary.orElse(null), settings.sandboxRoot(), settings.slots(), off);
    }

    /** The launcher binary: the setting, else the system property, else this installation's. */
    static Optional<Path> locate(SandboxSettings settings) {
        String explicit = !settings.launcher().isEmpty() ? settings.launcher() : System.getProperty(BINARY_PROPERTY);
        Optional<Path> candidate = explicit != null && !explicit.isBlank() ? Optional.of(Path.of(explicit))
                : BoosterExecLocation.home().map(home -> home.resolve("lib").resolve(BINARY_NAME));
        return candidate.filter(Files::isExecutable).map(Path::toAbsolutePath);
    }

    /** An idle slot sandbox for a run, or null: the run enters its sandbox itself. Does no I/O. */
    SlotSandbox acquire() {
        if (disabled != null || closed) {
            return null;
        }
        SlotSandbox slot = idle.pollFirst();
        if (slot != null) {
            return slot;
        }
        synchronized (all) {
            if (all.size() >= max) {
                return null;
            }
            slot = new SlotSandbox(this, launcher, binary,
                    SandboxDirs.newRoot(SandboxDirs.slotsRoot(sandboxRoot), "execution-slot" + all.size()));
            all.add(slot);
            return slot;
        }
    }

    /** Whether the worker is stopping: no launcher starts any more. */
    boolean closed() {
        return closed;
    }

    /** A run is done with {@code slot} (its directory removed, the slot's /tmp emptied). */
    void release(SlotSandbox slot) {
        if (closed || disabled != null) {
            slot.close();
            return;
        }
        idle.addFirst(slot); // the most recently used first: its launcher is surely warm
    }

    /** Starts the launchers of all slots on {@code blocking}, so no sub-work waits for one. */
    void prewarm(Executor blocking) {
        if (disabled != null) {
            return;
        }
        try {
            // all slots are offered at once; a run that takes one before it is warmed starts its launcher itself
            List<SlotSandbox> made = new ArrayList<>();
            for (int i = 0; i < slots; i++) {
                SlotSandbox slot = acquire();
                if (slot == null) {
                    break;
                }
                made.add(slot);
            }
            made.forEach(idle::addLast);
            warming = CompletableFuture.runAsync(() -> {
                int warmed = 0;
                for (SlotSandbox slot : made) {
                    if (closed || disabled != null || !idle.remove(slot)) {
                        continue; // taken by a run meanwhile
                    }
                    try {
                        slot.prepare();
                        warmed++;
                    } catch (java.io.IOException e) {
                        LOG.debug("slot sandbox {} not started: {}", slot.dir, e.getMessage()); // disable() said why
                    } finally {
                        release(slot);
                    }
                }
                if (disabled == null && warmed > 0) {
                    LOG.info("worker sandbox: {} slot sandbox(es) ready, each entered once ({})", warmed, binary);
                }
            }, blocking);
        } catch (RejectedExecutionException e) {
            LOG.debug("worker stopping before its slot sandboxes were started");
        }
    }

    /** A launcher cannot start here: every run enters its sandbox itself from now on. */
    void disable(String why) {
        if (disabled == null) {
            disabled = why;
            LOG.warn("worker sandbox: slot sandboxes are off, every process enters its sandbox anew: {}", why);
        }
    }

    /** Stops every launcher and removes the slot directories (the worker is stopping). */
    void close() {
        closed = true;
        try {
            warming.get(10, TimeUnit.SECONDS); // it stops after the slot it is starting
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("slot sandboxes still starting while the worker stops: {}", e.toString());
        }
        List<SlotSandbox> closing;
        synchronized (all) {
            closing = new ArrayList<>(all);
        }
        idle.clear();
        closing.forEach(SlotSandbox::hangUp); // all launchers end at once, killing what runs in them
        closing.forEach(SlotSandbox::close);
    }

    /** The slot sandboxes made so far (tests). */
    List<SlotSandbox> made() {
        synchronized (all) {
            return List.copyOf(all);
        }
    }
}
