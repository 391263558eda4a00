package io.troupe.booster.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The slot sandboxes' directory of an earlier version, {@code slots-<root name>} beside the sandbox root, goes at
 * worker start only when it is exactly that name, this user's, and holds only slot sandboxes of workers gone.
 */
class OldSlotsRootTest {
    @TempDir
    Path dir;
    private Path sandboxes;
    private Path old;
    private String gone;

    @BeforeEach
    void layout() throws Exception {
        sandboxes = Files.createDirectories(dir.resolve("sandboxes"));
        old = dir.resolve("slots-sandboxes");
        // a process that waits on its stdin: its start time is read while it still runs (an exited one has none)
        Process p = new ProcessBuilder("cat").start();
        long start = p.info().startInstant().orElseThrow().toEpochMilli();
        p.getOutputStream().close();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        gone = p.pid() + "p" + start;
    }

    /** A slot sandbox as an earlier worker left it: its tmp and its launcher's log. */
    private Path slot(Path parent, String owner, int n) throws Exception {
        Path slot = Files.createDirectories(parent.resolve("execution-slot" + n + "-" + owner + "-" + (70 + n)));
        Files.createDirectories(slot.resolve("tmp"));
        Files.writeString(slot.resolve("tmp/x.o"), "left over");
        Files.writeString(slot.resolve("launcher.log"), "");
        return slot;
    }

    @Test
    void theOldSiblingWithOnlyGoneWorkersSlotsIsRemoved() throws Exception {
        slot(old, gone, 0);
        slot(old, gone, 1);
        assertEquals(old, SandboxDirs.oldSlotsRoot(sandboxes));
        SandboxDirs.removeOldSlotsRoot(sandboxes);
        assertFalse(Files.exists(old), "the old slots directory is removed");
        assertTrue(Files.isDirectory(sandboxes), "the sandbox root stays");
    }

    @Test
    void anEmptyOldSiblingIsRemoved() throws Exception {
        Files.createDirectories(old);
        SandboxDirs.removeOldSlotsRoot(sandboxes);
        assertFalse(Files.exists(old));
    }

    @Test
    void anythingElseInItKeepsItWhole() throws Exception {
        Path slot = slot(old, gone, 0);
        Files.writeString(old.resolve("notes.txt"), "someone's");
        SandboxDirs.removeOldSlotsRoot(sandboxes);
        assertTrue(Files.isDirectory(slot), "nothing is removed from a directory that is not only ours");
        assertTrue(Files.exists(old.resolve("notes.txt")));
    }

    @Test
    void aRunningWorkersSlotKeepsIt() throws Exception {
        Path live = slot(old, SandboxDirs.OWNER, 0);
        Path dead = slot(old, gone, 1);
        SandboxDirs.removeOldSlotsRoot(sandboxes);
        assertTrue(Files.isDirectory(live));
        assertTrue(Files.isDirectory(dead));
    }

    @Test
    void onlyThatExactNameIsConsidered() throws Exception {
        Path other = dir.resolve("slots-sandboxes2");
        slot(other, gone, 0);
        Path link = dir.resolve("elsewhere");
        slot(link, gone, 0);
        Files.createSymbolicLink(old, link);
        SandboxDirs.removeOldSlotsRoot(sandboxes);
        assertTrue(Files.isDirectory(other), "another name is left alone");
        assertTrue(Files.isSymbolicLink(old) && Files.isDirectory(link.resolve("execution-slot0-" + gone + "-70")),
                "a symbolic link by that name is not followed");
    }
}
