package io.troupe.booster.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The directories bwrap makes on the way to a run's mount points are made passable for the sandbox user: a slot's
 * {@code .slots} in the tmpfs over the sandbox root, wherever that root is (SlotSandboxTest's root is under
 * /tmp, where the run's own /tmp already covers it).
 */
class SandboxMountsTest {

    @Test
    void theSlotsDirectoryInTheTmpfsOverTheSandboxRootIsPassable() {
        Path root = Path.of("/var/lib/troupe/sandbox");
        Path slot = SandboxDirs.slotsRoot(root).resolve("execution-slot0-1p2-3");
        assertEquals(Set.of(root.resolve(".slots")), SandboxLauncher.madeMountParents(
                List.of(Path.of("/var/lib/troupe/sandbox-cas"), root, slot), root));
    }

    @Test
    void aPerProcessSandboxNeedsNone() {
        Path root = Path.of("/var/lib/troupe/sandbox");
        assertEquals(Set.of(), SandboxLauncher.madeMountParents(
                List.of(root, root.resolve("execution-3-1p2-3")), root));
    }

    @Test
    void thoseInTheRunsTmpAreToo() {
        Path root = Path.of("/tmp/t/sandbox");
        assertEquals(Set.of(Path.of("/tmp/t"), root, root.resolve(".slots"), Path.of("/tmp/tools")),
                SandboxLauncher.madeMountParents(List.of(Path.of("/tmp/tools/bin"), root,
                        root.resolve(".slots/execution-slot0-1p2-3")), root));
    }
}
