package io.troupe.booster.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The worker sandbox as a boundary (docs/security.md): the user sub-works run as, bubblewrap's namespaces and
 * read-only file system, rlimits, the worker's own compiler argv check, and stale sandboxes removed at start.
 */
class WorkerSandboxTest {
    private static Path root;
    private static Path sandboxes;
    private static ActorTestKit kit;
    private static ActorRef<SubWorkExecutor.Command> worker;
    private static Path stale;
    private static Path staleOldName;
    private static Path staleSlot;
    private static Path notOurs;
    private static Path oldSlots;

    @BeforeAll
    static void start() throws Exception {
        root = Files.createTempDirectory("troupe-sandbox-test-");
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
        sandboxes = Files.createDirectories(root.resolve("sandboxes"));
        // left by a worker that was killed: its process is gone
        Process gone = new ProcessBuilder("sleep", "30").start();
        long start = gone.info().startInstant().orElseThrow().toEpochMilli();
        gone.destroyForcibly();
        assertTrue(gone.waitFor(10, TimeUnit.SECONDS));
        stale = Files.createDirectories(sandboxes.resolve("execution-4-" + gone.pid() + "p" + start + "-77").resolve("work"))
                .getParent();
        Files.writeString(stale.resolve("work/half.o"), "half written");
        staleOldName = Files.createDirectories(sandboxes.resolve("execution-9-12345"));
        staleSlot = Files.createDirectories(SandboxDirs.slotsRoot(sandboxes)
                .resolve("execution-slot0-" + gone.pid() + "p" + start + "-78").resolve("tmp")).getParent();
        notOurs = Files.createDirectories(sandboxes.resolve("keep-me"));
        // where slot sandboxes were before they moved under the root: an upgrade in place leaves it
        oldSlots = SandboxDirs.oldSlotsRoot(sandboxes);
        Files.writeString(Files.createDirectories(oldSlots.resolve("execution-slot0-" + gone.pid() + "p" + start + "-79"))
                .resolve("launcher.log"), "");

        TestClusters.WorkerNode node = TestClusters.worker(sandboxes, List.of("sh", "id", "gcc"),
                "troupe.worker.heartbeat-interval = 0s\ntroupe.worker.sandbox.limits.file-size = 1 MiB\n"
                        + SlotSandboxTest.USE_LAUNCHER); // the product's default: each slot's sandbox reused, when built
        kit = node.kit();
        worker = node.worker();
    }

    @AfterAll
    static void stop() throws Exception {
        kit.shutdownTestKit();
        FileTrees.deleteTree(root);
    }

    private static Reply run(String id, Step step) {
        TestProbe<Reply> probe = kit.createTestProbe();
        worker.tell(new Execute(id, List.of(step), List.of(), 0, probe.getRef(), probe.getRef()));
        return probe.expectMessageClass(Reply.class, Duration.ofSeconds(30));
    }

    private static String stdout(Reply reply) {
        assertTrue(reply instanceof Done, reply.toString());
        return new String(((Done) reply).results().get(0).stdout(), StandardCharsets.UTF_8);
    }

    private static Step sh(String script) {
        return new Step("sh", null, List.of("-c", script), List.of(), List.of());
    }

    private static boolean root() {
        return "root".equals(System.getProperty("user.name"));
    }

    /** Whether bubblewrap is installed and works on this machine (CI installs it; .ci/run). */
    static boolean bubblewrapWorks() throws Exception {
        try {
            Process probe = new ProcessBuilder("bwrap", "--ro-bind", "/", "/", "--unshare-pid", "true")
                    .redirectErrorStream(true).start();
            return probe.waitFor(20, TimeUnit.SECONDS) && probe.exitValue() == 0;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    @Test
    void subWorksRunAsAnUnprivilegedUser() {
        String uid = stdout(run("id", new Step("id", null, List.of("-u"), List.of(), List.of()))).trim();
        assertNotEquals("0", uid, "a sub-work must not run as root");
        if (root()) {
            assertEquals(String.valueOf(SandboxLauncher.identity("nobody").uid()), uid, "troupe.worker.sandbox.user");
        }
    }

    @Test
    void writesOutsideTheSandboxFailAndLeaveNoFile() throws Exception {
        Path owned = Files.createDirectories(root.resolve("owned"));
        Path escape = owned.resolve("escape.txt");
        String out = stdout(run("escape", sh("echo x > " + escape + "; echo owned=$?; echo x > inside.txt; echo inside=$?")));
        assertTrue(out.contains("inside=0"), out);
        assertFalse(out.contains("owned=0"), out);
        assertFalse(Files.exists(escape), "the write outside the sandbox left " + escape);
    }

    @Test
    void underBubblewrapOnlyTheSandboxIsWritableAndTheRunHasItsOwnNamespaces() throws Exception {
        Assumptions.assumeTrue(bubblewrapWorks(), "bubblewrap is not installed or does not work here");
        // world-writable outside the sandbox: only the read-only mount stops the write
        Path open = Files.createDirectories(root.resolve("open"));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path hostTmp = Path.of("/tmp", "troupe-escape-" + System.nanoTime());
        String out = stdout(run("bwrap", sh("echo x > " + open.resolve("escape.txt") + "; echo open=$?; echo x > "
                + hostTmp + "; echo tmp=$?; echo pid=$$; grep -c : /proc/net/dev")));
        assertTrue(out.contains("open=1") || out.contains("open=2"), out);
        assertFalse(Files.exists(open.resolve("escape.txt")), "the sub-work wrote into " + open);
        assertFalse(Files.exists(hostTmp), "/tmp of the sub-work must be its own, not the host's");
        int pid = Integer.parseInt(out.replaceAll("(?s).*pid=(\\d+).*", "$1"));
        assertTrue(pid < 10, "a PID namespace of its own: " + out);
        assertTrue(out.strip().endsWith("\n1"), "only the loopback interface in its network namespace: " + out);
    }

    @Test
    void aTimedOutRunUnderBubblewrapLeavesNoProcess() throws Exception {
        Assumptions.assumeTrue(bubblewrapWorks(), "bubblewrap is not installed or does not work here");
        TestProbe<Reply> probe = kit.createTestProbe();
        worker.tell(new Execute("slow", List.of(sh("sleep 300 & sleep 301; wait")), List.of(), 1000, probe.getRef(),
                probe.getRef()));
        Reply reply = probe.expectMessageClass(Reply.class, Duration.ofSeconds(30));
        assertTrue(reply instanceof Failed && ((Failed) reply).failure() == Failure.TIMEOUT, reply.toString());
        kit.createTestProbe().awaitAssert(Duration.ofSeconds(10), () -> {
            assertEquals(List.of(), marked(), "processes of timed-out sandboxes left running");
            return null;
        });
    }

    /** Processes carrying the run marker of a sandbox under this test's root (the reused slot sandboxes too). */
    private static List<String> marked() {
        String marker = SandboxRun.MARKER + "=" + sandboxes;
        return ProcessHandle.allProcesses().filter(p -> {
            try {
                byte[] environ = Files.readAllBytes(Path.of("/proc", Long.toString(p.pid()), "environ"));
                return new String(environ, StandardCharsets.ISO_8859_1).contains(marker);
            } catch (Exception e) {
                return false;
            }
        }).map(p -> p.pid() + " " + p.info().commandLine().orElse("?")).toList();
    }

    @Test
    void rlimitsApply() {
        String out = stdout(run("limits", sh("ulimit -t; ulimit -f; head -c 2000000 /dev/zero > big; echo head=$?; "
                + "wc -c < big")));
        assertTrue(out.startsWith("600\n2048\n"), "cpu-time 600 s, file-size 1 MiB (2048 blocks of 512): " + out);
        assertFalse(out.contains("head=0"), out);
        assertTrue(out.strip().endsWith("1048576"), "the file stops at the limit: " + out);
    }

    @Test
    void compilerAskedToRunAnotherProgramIsRefusedByTheWorker() {
        Path marker = root.resolve("wrapped");
        Reply reply = run("wrapper", new Step("gcc", null, List.of("-wrapper", "/bin/sh,-c,touch " + marker,
                "-c", "-x", "c", "/dev/null", "-o", "x.o"), List.of(), List.of()));
        assertTrue(reply instanceof Failed, "refused, not run: " + reply);
        Failed failed = (Failed) reply;
        assertEquals(Failure.NOT_ALLOWED, failed.failure(), failed.message());
        assertEquals("the worker refuses 'gcc' with '-wrapper': it runs another program around the compiler's parts"
                + " (a remote sub-work only compiles)", failed.message());
        assertFalse(Files.exists(marker));
    }

    @Test
    void staleSandboxesAreRemovedAtWorkerStart() {
        kit.createTestProbe().awaitAssert(Duration.ofSeconds(20), () -> {
            assertFalse(Files.exists(stale), "the sandbox of a worker that is gone is removed");
            assertFalse(Files.exists(staleOldName), "an old-style sandbox name has no live owner");
            assertFalse(Files.exists(staleSlot), "the slot sandbox of a worker that is gone is removed");
            assertFalse(Files.exists(oldSlots), "the slots directory of an earlier version is removed");
            return null;
        });
        assertTrue(Files.isDirectory(notOurs), "what is not a sandbox stays");
        assertTrue(Files.isDirectory(SandboxDirs.slotsRoot(sandboxes)), "the slots' directory is no sandbox: it stays");
    }

    @Test
    void aWorkerRunningAsRootRefusesToRunSubWorksAsRootUnlessAllowed() throws Exception {
        Assumptions.assumeTrue(root(), "only a worker running as root can run sub-works as root");
        TestClusters.WorkerNode asRoot = TestClusters.worker(root.resolve("root-sandboxes"), List.of("sh"),
                "troupe.worker.heartbeat-interval = 0s\ntroupe.worker.sandbox.user = root");
        try {
            TestProbe<Reply> probe = asRoot.kit().createTestProbe();
            asRoot.worker().tell(new Execute("asroot", List.of(sh("id -u")), List.of(), 0, probe.getRef(), probe.getRef()));
            Reply reply = probe.expectMessageClass(Reply.class, Duration.ofSeconds(30));
            assertTrue(reply instanceof Failed, reply.toString());
            assertEquals(Failure.NOT_ALLOWED, ((Failed) reply).failure());
            assertTrue(((Failed) reply).message().endsWith("runs as root and troupe.worker.sandbox.user is root; it runs"
                    + " no sub-work as root unless troupe.worker.sandbox.allow-root = true"), reply.toString());
        } finally {
            asRoot.kit().shutdownTestKit();
        }
    }
}
