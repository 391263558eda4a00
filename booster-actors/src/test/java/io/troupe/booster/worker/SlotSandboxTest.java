package io.troupe.booster.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.troupe.booster.FileTrees;
import io.troupe.booster.TestClusters;
import io.troupe.booster.worker.SubWorkExecutor.Done;
import io.troupe.booster.worker.SubWorkExecutor.Execute;
import io.troupe.booster.worker.SubWorkExecutor.Failed;
import io.troupe.booster.worker.SubWorkExecutor.Failure;
import io.troupe.booster.worker.SubWorkExecutor.Reply;
import io.troupe.booster.worker.SubWorkExecutor.Step;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Reused slot sandboxes (docs/security.md): a one-slot worker whose sub-works are forked by the slot's
 * {@code troupe-slot} launcher; nothing of one sub-work is seen by the next; a timeout kills the sub-work's
 * whole group and the slot goes on; a launcher killed with kill -9 mid-sub-work gets that sub-work answered
 * and is started again; without the binary, or with reuse off, every process enters its sandbox anew.
 */
class SlotSandboxTest {
    /** The launcher the build made (the pom names it; without a C compiler there is none). */
    static final Path LAUNCHER = Path.of(System.getProperty("troupe.test.slot-launcher", "target/native/troupe-slot"))
            .toAbsolutePath();
    /** Worker config that uses it. */
    /**
     * What a slot's /tmp legitimately holds: the test's sandboxes ({@code troupe…}) and, when the checkout lives
     * under the host's /tmp, the mount point bubblewrap makes to show the launcher's directory there.
     */
    private static final String KEPT_IN_TMP = LAUNCHER.startsWith("/tmp") && LAUNCHER.getNameCount() > 1
            ? LAUNCHER.getName(1).toString() : "troupe";

    static final String USE_LAUNCHER = "troupe.worker.sandbox.launcher = \"" + LAUNCHER + "\"";

    private static Path root;
    private static Path sandboxes;
    private static ActorTestKit kit;
    private static ActorRef<SubWorkExecutor.Command> worker;

    @BeforeAll
    static void start() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(LAUNCHER), "troupe-slot not built (no C compiler)");
        root = Files.createTempDirectory("troupe-slot-test-");
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
        sandboxes = Files.createDirectories(root.resolve("sandboxes"));
        TestClusters.WorkerNode node = TestClusters.worker(sandboxes, List.of("sh"),
                "troupe.worker.heartbeat-interval = 0s\ntroupe.worker.slots = 1\n" + USE_LAUNCHER);
        kit = node.kit();
        worker = node.worker();
    }

    @AfterAll
    static void stop() throws Exception {
        if (kit != null) {
            kit.shutdownTestKit();
        }
        if (root != null) {
            FileTrees.deleteTree(root);
        }
    }

    private static Reply run(ActorTestKit on, ActorRef<SubWorkExecutor.Command> to, String id, String script, long timeoutMillis) {
        TestProbe<Reply> probe = on.createTestProbe();
        to.tell(new Execute(id, List.of(new Step("sh", null, List.of("-c", script), List.of(), List.of())), List.of(),
                timeoutMillis, probe.getRef(), probe.getRef()));
        return probe.expectMessageClass(Reply.class, Duration.ofSeconds(30));
    }

    private static String stdout(Reply reply) {
        assertTrue(reply instanceof Done, reply.toString());
        Done done = (Done) reply;
        assertEquals(0, done.results().get(0).exitCode(), new String(done.results().get(0).stderr(), StandardCharsets.UTF_8));
        return new String(done.results().get(0).stdout(), StandardCharsets.UTF_8);
    }

    /** Prints the sub-work's parent's name and its PID namespace: which launcher, and whether one is reused. */
    private static final String WHO = "echo parent=$(cat /proc/$PPID/comm) ns=$(readlink /proc/self/ns/pid) uid=$(id -u); ";

    private static String field(String out, String name) {
        return out.replaceAll("(?s).*" + name + "=(\\S*).*", "$1");
    }

    /** Processes carrying the run marker of a sandbox under {@code under}, its slot sandboxes included. */
    private static List<ProcessHandle> marked(Path under) {
        String marker = SandboxRun.MARKER + "=" + under;
        return ProcessHandle.allProcesses().filter(p -> {
            try {
                byte[] environ = Files.readAllBytes(Path.of("/proc", Long.toString(p.pid()), "environ"));
                return new String(environ, StandardCharsets.ISO_8859_1).contains(marker);
            } catch (Exception e) {
                return false;
            }
        }).toList();
    }

    private static String comm(ProcessHandle process) {
        try {
            return Files.readString(Path.of("/proc", Long.toString(process.pid()), "comm")).strip();
        } catch (java.io.IOException e) {
            return "";
        }
    }

    @Test
    void theSecondSubWorkOfASlotRunsInTheSameSandboxButSeesNothingOfTheFirst() throws Exception {
        String first = stdout(run(kit, worker, "first", WHO + "echo secret > /tmp/left; echo secret > here; mkdir -p /tmp/d;"
                + " ln -s /nowhere /tmp/dangling; (sleep 300 &) ; ipcmk -M 4096 >/dev/null 2>&1;"
                + " echo made=[$(tail -n +2 /proc/sysvipc/shm | wc -l)]; echo done", 0));
        awaitSlotsClean(); // the run answers first and cleans up after: its slot is free again only then
        String second = stdout(run(kit, worker, "second", WHO + "echo tmp=[$(ls -A /tmp | grep -v -e troupe -e '" + KEPT_IN_TMP + "' | tr '\\n' ' ')];"
                + " echo cwd=[$(ls -A | tr '\\n' ' ')]; echo sleeping=[$(cat /proc/[0-9]*/comm 2>/dev/null | grep -c sleep)];"
                + " echo shm=[$(tail -n +2 /proc/sysvipc/shm | wc -l)]", 0));
        assertEquals("troupe-slot", field(first, "parent"), first);
        assertEquals("troupe-slot", field(second, "parent"), second);
        assertTrue(second.contains("cwd=[]"), "a fresh, empty working directory: " + second);
        assertTrue(second.contains("tmp=[]"), "the slot's /tmp is emptied between sub-works: " + second);
        if (WorkerSandboxTest.bubblewrapWorks()) {
            assertEquals(field(first, "ns"), field(second, "ns"), "one PID namespace, entered once: " + first + second);
            assertTrue(second.contains("sleeping=[0]"), "what the first sub-work left running was killed: " + second);
            assertTrue(first.contains("made=[1]"), "the first sub-work made a shared memory segment: " + first);
            assertTrue(second.contains("shm=[0]"), "System V IPC of the first sub-work is removed: " + second);
        }
        assertNotEquals("0", field(second, "uid"), "a sub-work must not run as root");
        assertEquals(List.of(), marked(sandboxes), "no process of a finished sub-work is left");
        awaitSlotsClean();
    }

    /** A launcher that ignores a kill (here stopped from outside) is killed itself, and the sub-work answered. */
    @Test
    void aLauncherThatDoesNotAnswerAKillIsKilledAndItsSubWorkAnswered() throws Exception {
        TestProbe<Reply> probe = kit.createTestProbe();
        worker.tell(new Execute("wedged", List.of(new Step("sh", null, List.of("-c", "touch running; sleep 300"), List.of(),
                List.of())), List.of(), 2_000, probe.getRef(), probe.getRef()));
        ProcessHandle launcher = probe.awaitAssert(Duration.ofSeconds(20), () -> {
            Optional<ProcessHandle> found = ProcessHandle.current().descendants()
                    .filter(p -> comm(p).equals("troupe-slot") && p.children().findAny().isPresent()).findFirst();
            assertTrue(found.isPresent(), "the slot's launcher runs the sub-work");
            return found.get();
        });
        assertEquals(0, new ProcessBuilder("kill", "-STOP", Long.toString(launcher.pid())).start().waitFor());
        // the 2 s timeout asks the stopped launcher to kill; KILL_GRACE later the worker kills the launcher
        Reply reply = probe.expectMessageClass(Reply.class, Duration.ofSeconds(30));
        assertTrue(reply instanceof Failed, reply.toString());
        probe.awaitAssert(Duration.ofSeconds(10), () -> {
            assertFalse(launcher.isAlive(), "the stopped launcher was killed");
            return null;
        });
        awaitSlotsClean();
        // the slot serves again, with a new launcher
        assertTrue(stdout(run(kit, worker, "after-wedge", "echo fine", 0)).contains("fine"));
    }

    /** A sub-work runs as the launcher's user, but cannot trace the launcher or read its memory or environment. */
    @Test
    void aSubWorkCannotReachIntoItsSlotsLauncher() throws Exception {
        // /proc/<pid>/environ needs the same access as ptrace: readable by its user while the launcher is dumpable
        String out = stdout(run(kit, worker, "reach", "launcher=$PPID; echo parent=$(cat /proc/$launcher/comm);"
                + " if cat /proc/$launcher/environ >/dev/null 2>&1; then echo environ=read; else echo environ=denied; fi;"
                + " sleep 30 & peer=$!; if cat /proc/$peer/environ >/dev/null 2>&1; then echo peer=read; else echo peer=denied; fi;"
                + " kill $peer", 0));
        assertEquals("troupe-slot", field(out, "parent"), out);
        assertEquals("denied", field(out, "environ"), out);
        assertEquals("read", field(out, "peer"), "another process of the same user, dumpable, is readable: " + out);
        awaitSlotsClean();
    }

    /**
     * The run directory is kept from run to run, but nothing of a run survives in it: a run that locks its work
     * directory and leaves files does not touch the next, and a sub-work cannot write beside its work directory.
     */
    @Test
    void theRunDirectoryIsKeptButEachRunGetsAnEmptyWorkDirectory() throws Exception {
        String first = stdout(run(kit, worker, "locks", WHO + "echo dir=$(cd .. && pwd -P); echo marker=$" + SandboxRun.MARKER + ";"
                + " echo x > left; mkdir -p d/e;"
                + " touch d/e/f; chmod 000 d; chmod 500 .; touch ../beside 2>/dev/null && echo beside=yes || echo beside=no", 0));
        awaitSlotsClean();
        String second = stdout(run(kit, worker, "after-lock", WHO + "echo dir=$(cd .. && pwd -P); echo marker=$" + SandboxRun.MARKER + ";"
                + " echo cwd=[$(ls -A | tr '\n' ' ')];"
                + " echo y > mine && echo wrote=yes", 0));
        assertEquals(field(first, "dir"), field(second, "dir"), "one run directory per slot: " + first + second);
        assertTrue(field(first, "marker").startsWith(field(first, "dir") + "#"), "the run's marker names its directory: " + first);
        assertNotEquals(field(first, "marker"), field(second, "marker"),
                "each run its own marker, so no late sweep of a run's orphans reaches the next: " + first + second);
        assertTrue(second.contains("cwd=[]"), "a new, empty work directory: " + second);
        assertTrue(second.contains("wrote=yes"), "and a writable one, whatever the last run did to its own: " + second);
        if (!"0".equals(field(first, "uid"))) {
            assertTrue(first.contains("beside=no"), "the run directory stays the worker's: " + first);
        }
        awaitSlotsClean();
    }

    /**
     * A run's work directory and first output files, as the slot made them, are kept for the next run (a new one
     * costs ext4 a scan of the recently freed inodes): emptied, its output only its own. One the run changed is
     * made anew, so a run that closes its directory or output file to the sandbox user does not reach the next.
     */
    @Test
    void anUnchangedWorkDirectoryAndOutputFileAreReusedEmptiedAndChangedOnesAreMadeAnew() throws Exception {
        // the worker runs in this JVM: not as root, it has no sandbox user, and a run's files are all removed
        Assumptions.assumeTrue(((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0,
                "the worker does not run as root");
        String stats = "echo dir=$(stat -c %i .) out=$(stat -c %i ../stdout-0) dirmode=$(stat -c %a .)"
                + " outmode=$(stat -c %a ../stdout-0) cwd=[$(ls -A | tr '\n' ' ')]; ";
        String first = stdout(run(kit, worker, "reuse-1", stats + "echo x > left; mkdir -p d/e; echo first-output", 0));
        awaitSlotsClean();
        String second = stdout(run(kit, worker, "reuse-2", stats + "chmod 700 .; chmod 600 ../stdout-0", 0));
        awaitSlotsClean();
        String third = stdout(run(kit, worker, "reuse-3", stats, 0));
        assertEquals(field(first, "dir"), field(second, "dir"), "the work directory is kept: " + first + second);
        assertEquals(field(first, "out"), field(second, "out"), "the output file is kept: " + first + second);
        assertTrue(second.contains("cwd=[]"), "emptied: " + second);
        assertFalse(second.contains("first-output"), "the output is the run's own: " + second);
        assertEquals("755", field(third, "dirmode"), "a work directory the run changed is made anew: " + third);
        assertEquals("644", field(third, "outmode"), "an output file the run changed is made anew: " + third);
        assertTrue(third.contains("cwd=[]"), third);
        awaitSlotsClean();
    }

    /**
     * A slot's sandbox is under the sandbox root (what bounds the root bounds it), and under bubblewrap its
     * sub-work sees nothing else there: neither per-process sandboxes nor other slots.
     */
    @Test
    void aSlotSandboxLivesUnderTheSandboxRootAndSeesNoOtherSandbox() throws Exception {
        Path other = Files.createDirectories(sandboxes.resolve("execution-7-" + SandboxDirs.OWNER + "-1"));
        Path otherSlot = Files.createDirectories(SandboxDirs.slotsRoot(sandboxes).resolve("execution-slot9-"
                + SandboxDirs.OWNER + "-1"));
        try {
            String out = stdout(run(kit, worker, "where", WHO + "echo cwd=$(pwd); echo root=[$(ls -A " + sandboxes
                    + " | tr '\n' ' ')]; echo slots=[$(ls -A " + SandboxDirs.slotsRoot(sandboxes) + " | wc -l)]", 0));
            assertEquals("troupe-slot", field(out, "parent"), out);
            assertTrue(Path.of(field(out, "cwd")).startsWith(SandboxDirs.slotsRoot(sandboxes)),
                    "the slot's run is under <sandbox root>/.slots: " + out);
            if (WorkerSandboxTest.bubblewrapWorks()) {
                assertTrue(out.contains("root=[.slots ]"), "no other sandbox is seen in the root: " + out);
                assertTrue(out.contains("slots=[1]"), "only its own slot is seen: " + out);
            }
        } finally {
            Files.delete(other);
            Files.delete(otherSlot);
        }
        awaitSlotsClean();
    }

    /**
     * Every run has handed its slot back, and every slot holds only its launcher's log, its /tmp and its run
     * directory (once a run used it), both emptied: the last run's cleanup is done.
     */
    private static void awaitSlotsClean() {
        TestProbe<SubWorkExecutor.Load> loads = kit.createTestProbe();
        kit.createTestProbe().awaitAssert(Duration.ofSeconds(10), () -> {
            // a run's Execution ends after its slot is handed back: until then the next run takes the pool's other slot
            worker.tell(new SubWorkExecutor.GetLoad(loads.getRef()));
            assertEquals(List.of(), loads.receiveMessage(Duration.ofSeconds(5)).runs(), "runs still holding their slot");
            try (var slots = Files.list(SandboxDirs.slotsRoot(sandboxes))) {
                for (Path slot : slots.toList()) {
                    try (var left = Files.list(slot)) {
                        assertEquals(List.of("launcher.log", "tmp"), left.map(p -> p.getFileName().toString())
                                .filter(n -> !n.equals(SlotSandbox.RUN_DIR)).sorted().toList(), "only the slot's own files: " + slot);
                    }
                    Path runDir = slot.resolve(SlotSandbox.RUN_DIR);
                    if (Files.exists(runDir)) {
                        try (var left = Files.list(runDir)) {
                            assertEquals(List.of(), left.map(p -> p.getFileName().toString())
                                    .filter(n -> !n.equals(SlotSandbox.WORK_DIR) && !SlotSandbox.KEPT_OUTPUTS.contains(n)).toList(),
                                    "a run's files are removed after it, but for its work directory and first output files: " + slot);
                        }
                    }
                    for (String kept : SlotSandbox.KEPT_OUTPUTS) {
                        if (Files.exists(runDir.resolve(kept))) {
                            assertEquals(0L, Files.size(runDir.resolve(kept)), "a kept output file is emptied: " + slot);
                        }
                    }
                    if (Files.exists(runDir.resolve(SlotSandbox.WORK_DIR))) {
                        try (var left = Files.list(runDir.resolve(SlotSandbox.WORK_DIR))) {
                            assertEquals(List.of(), left.map(p -> p.getFileName().toString()).toList(),
                                    "a kept work directory is emptied: " + slot);
                        }
                    }
                    try (var left = Files.list(slot.resolve("tmp"))) {
                        assertEquals(List.of(), left.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith("troupe") && !n.equals(KEPT_IN_TMP))
                                .toList(), "the slot's /tmp is emptied: " + slot);
                    }
                }
            }
            return null;
        });
    }

    @Test
    void aTimeoutKillsTheWholeGroupAndTheSlotGoesOn() throws Exception {
        Reply reply = run(kit, worker, "slow", "sleep 300 & sleep 301; wait", 1000);
        assertTrue(reply instanceof Failed && ((Failed) reply).failure() == Failure.TIMEOUT, reply.toString());
        kit.createTestProbe().awaitAssert(Duration.ofSeconds(10), () -> {
            assertEquals(List.of(), marked(sandboxes), "processes of the timed-out sub-work left running");
            return null;
        });
        assertEquals("troupe-slot", field(stdout(run(kit, worker, "after-timeout", WHO, 0)), "parent"));
    }

    @Test
    void aLauncherKilledMidSubWorkGetsItAnsweredAndIsStartedAgain() throws Exception {
        TestProbe<Reply> probe = kit.createTestProbe();
        worker.tell(new Execute("victim", List.of(new Step("sh", null, List.of("-c", "sleep 300"), List.of(), List.of())),
                List.of(), 0, probe.getRef(), probe.getRef()));
        ProcessHandle[] launcher = new ProcessHandle[1];
        kit.createTestProbe().awaitAssert(Duration.ofSeconds(20), () -> {
            // the sub-work's first process is the launcher's child
            launcher[0] = marked(sandboxes).stream().map(p -> p.parent().orElse(null))
                    .filter(parent -> parent != null && "troupe-slot".equals(comm(parent))).findFirst().orElseThrow();
            return null;
        });
        assertTrue(launcher[0].destroyForcibly());

        Reply reply = probe.expectMessageClass(Reply.class, Duration.ofSeconds(30));
        assertTrue(reply instanceof Failed, reply.toString());
        assertEquals(Failure.IO_ERROR, ((Failed) reply).failure(), "a worker-side failure the booster retries: " + reply);
        assertTrue(((Failed) reply).message().contains("was lost on the worker"), reply.toString());
        kit.createTestProbe().awaitAssert(Duration.ofSeconds(10), () -> {
            assertEquals(List.of(), marked(sandboxes), "the killed launcher's sub-work is gone too");
            return null;
        });
        String next = stdout(run(kit, worker, "next", WHO, 0));
        assertEquals("troupe-slot", field(next, "parent"), "a new launcher: " + next);
    }

    @Test
    void withoutTheBinaryOrWithReuseOffEveryProcessEntersItsSandboxAnew() throws Exception {
        for (String setting : List.of("troupe.worker.sandbox.launcher = \"" + root.resolve("no-such-troupe-slot") + "\"",
                "troupe.worker.sandbox.reuse = off\n" + USE_LAUNCHER)) {
            TestClusters.WorkerNode other = TestClusters.worker(root.resolve("other-sandboxes"), List.of("sh"),
                    "troupe.worker.heartbeat-interval = 0s\ntroupe.worker.slots = 1\n" + setting);
            try {
                String first = stdout(run(other.kit(), other.worker(), "a", WHO + "echo x > /tmp/x", 0));
                String second = stdout(run(other.kit(), other.worker(), "b", WHO + "echo tmp=[$(ls -A /tmp | grep -v troupe | tr '\\n' ' ')]", 0));
                assertNotEquals("troupe-slot", field(first, "parent"), setting + ": " + first);
                assertNotEquals("0", field(first, "uid"), setting + ": " + first);
                if (WorkerSandboxTest.bubblewrapWorks()) {
                    assertTrue(second.contains("tmp=[]"), second);
                    assertNotEquals(field(first, "ns"), field(second, "ns"), "a PID namespace per process: " + first + second);
                }
            } finally {
                other.kit().shutdownTestKit();
            }
        }
    }

    @Test
    void reuseIsOnOrOff() {
        com.typesafe.config.Config base = ConfigFactory.load().getConfig("troupe.worker.sandbox");
        assertTrue(SandboxSettings.fromConfig(base).reuse(), "on by default");
        assertFalse(SandboxSettings.fromConfig(ConfigFactory.parseString("reuse = off").withFallback(base)).reuse());
        com.typesafe.config.ConfigException bad = org.junit.jupiter.api.Assertions.assertThrows(
                com.typesafe.config.ConfigException.BadValue.class,
                () -> SandboxSettings.fromConfig(ConfigFactory.parseString("reuse = sometimes").withFallback(base)));
        assertTrue(bad.getMessage().contains("troupe.worker.sandbox.reuse must be on or off, got 'sometimes'"), bad.getMessage());
    }
}
