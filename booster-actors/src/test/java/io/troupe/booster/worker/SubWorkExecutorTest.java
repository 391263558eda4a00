package io.troupe.booster.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.booster.TestClusters;
import io.troupe.booster.worker.SubWorkExecutor.Done;
import io.troupe.booster.worker.SubWorkExecutor.Execute;
import io.troupe.booster.worker.SubWorkExecutor.Failed;
import io.troupe.booster.worker.SubWorkExecutor.Failure;
import io.troupe.booster.worker.SubWorkExecutor.InputFile;
import io.troupe.booster.worker.SubWorkExecutor.Reply;
import io.troupe.booster.worker.SubWorkExecutor.Step;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The worker side alone: sandbox path rules, allowlist, results, timeout, busy, requester death. */
class SubWorkExecutorTest {

    private static Path root;
    private static ActorTestKit kit;
    private static ActorRef<SubWorkExecutor.Command> worker;
    private static String address;

    @BeforeAll
    static void start() throws Exception {
        root = Files.createTempDirectory("troupe-worker-test-");
        // the runs write pid files here, as the sandbox user, and the test reads them: no private /tmp, no PID namespace
        Files.setPosixFilePermissions(root, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        TestClusters.WorkerNode node = TestClusters.worker(root.resolve("sandboxes"), List.of("sh", "cat"),
                "troupe.worker.slots = 1\ntroupe.worker.queue-size = 1\ntroupe.worker.timeout = 30s\ntroupe.worker.heartbeat-interval = 0s\n"
                        + "troupe.worker.sandbox.bubblewrap = off");
        kit = node.kit();
        worker = node.worker();
        address = kit.system().address().toString();
    }

    @AfterAll
    static void stop() {
        kit.shutdownTestKit();
    }

    /**
     * Each test starts on an idle worker: a run answers before its slot is freed (the sandbox is cleaned after the
     * answer), so the previous test's run can still hold the one slot, and a busy worker would fail the next test.
     */
    @BeforeEach
    void awaitIdleWorker() {
        TestProbe<SubWorkExecutor.Load> loads = kit.createTestProbe();
        loads.awaitAssert(Duration.ofSeconds(20), () -> {
            worker.tell(new SubWorkExecutor.GetLoad(loads.getRef()));
            SubWorkExecutor.Load load = loads.receiveMessage();
            assertEquals(List.of(0, 0), List.of(load.running(), load.queued()), "the worker is idle: " + load);
            return null;
        });
    }

    private static Step sh(String script, List<String> results) {
        return new Step("sh", null, List.of("-c", script), List.of(), results);
    }

    private static Reply run(String id, List<Step> steps, List<InputFile> inputs, long timeoutMillis) {
        TestProbe<Reply> probe = kit.createTestProbe();
        worker.tell(new Execute(id, steps, inputs, timeoutMillis, probe.getRef(), probe.getRef()));
        return probe.expectMessageClass(Reply.class, Duration.ofSeconds(20));
    }

    private static Failed expectFailed(Reply reply, Failure kind) {
        assertTrue(reply instanceof Failed, "expected a failure, got " + reply);
        Failed failed = (Failed) reply;
        assertEquals(kind, failed.failure(), failed.message());
        return failed;
    }

    /** No process left running in a sandbox (its working directory under the sandbox root). */
    private static void awaitNoProcessesInSandboxes() {
        String sandboxes = root.resolve("sandboxes").toString();
        kit.createTestProbe().awaitAssert(Duration.ofSeconds(10), () -> {
            List<String> left = ProcessHandle.allProcesses().filter(p -> {
                try {
                    return Files.readSymbolicLink(Path.of("/proc", Long.toString(p.pid()), "cwd")).toString()
                            .startsWith(sandboxes);
                } catch (Exception e) {
                    return false;
                }
            }).map(p -> p.pid() + " " + p.info().commandLine().orElse("?")).toList();
            assertEquals(List.of(), left, "processes left in sandboxes");
            return null;
        });
    }

    private static void awaitNoSandboxes() {
        kit.createTestProbe().awaitAssert(Duration.ofSeconds(10), () -> {
            try (var left = Files.list(root.resolve("sandboxes"))) {
                assertEquals(List.of(), left.toList(), "sandboxes are removed");
            }
            return null;
        });
    }

    @Test
    void runsStepsWithInputsAndBringsBackResults() {
        Reply reply = run("ok", List.of(
                        sh("mkdir -p out && tr a-z A-Z < src/in.txt > out/up.txt && echo made && echo warn >&2",
                                List.of("out/up.txt")),
                        sh("cat out/up.txt; exit 3", List.of())),
                List.of(new InputFile("src/in.txt", "hello".getBytes(StandardCharsets.UTF_8), false)), 0);
        assertTrue(reply instanceof Done, reply.toString());
        Done done = (Done) reply;
        assertEquals(2, done.results().size());
        assertEquals(0, done.results().get(0).exitCode());
        assertEquals("made\n", new String(done.results().get(0).stdout(), StandardCharsets.UTF_8));
        assertEquals("warn\n", new String(done.results().get(0).stderr(), StandardCharsets.UTF_8));
        assertEquals("out/up.txt", done.results().get(0).files().get(0).path());
        assertEquals("HELLO", new String(done.results().get(0).files().get(0).content(), StandardCharsets.UTF_8));
        assertEquals(3, done.results().get(1).exitCode());
        assertEquals("HELLO", new String(done.results().get(1).stdout(), StandardCharsets.UTF_8));
        assertEquals(address, done.load().worker());
        assertEquals(1, done.load().free(), "the answer counts its own slot as free: " + done.load());
        awaitNoSandboxes();
    }

    /** A preprocessed unit's kind of text: LZ4 packs it a few fold. */
    private static byte[] unit() {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 2000; i++) {
            text.append("extern int f").append(i * 7919 % 10007).append("(int x);\n");
        }
        return text.toString().getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aPackedInputIsUnpackedIntoTheSandbox() {
        byte[] raw = unit();
        byte[] block = io.troupe.booster.cas.Compression.pack(raw);
        assertTrue(block.length < raw.length / 2, "the test's input packs: " + block.length);
        Reply reply = run("packed", List.of(sh("cat src/unit.i", List.of())),
                List.of(InputFile.packed("src/unit.i", block, raw.length, false)), 0);
        assertTrue(reply instanceof Done, reply.toString());
        assertEquals(new String(raw, StandardCharsets.UTF_8),
                new String(((Done) reply).results().get(0).stdout(), StandardCharsets.UTF_8));
    }

    @Test
    void aDamagedPackedInputIsABadRequestNamingTheFile() {
        byte[] raw = unit();
        byte[] block = io.troupe.booster.cas.Compression.pack(raw);
        Failed shorter = expectFailed(run("packed-short", List.of(sh("true", List.of())),
                List.of(InputFile.packed("src/unit.i", java.util.Arrays.copyOf(block, block.length / 2), raw.length, false)), 0),
                Failure.BAD_REQUEST);
        assertTrue(shorter.message().contains("input file 'src/unit.i' does not decompress to its " + raw.length + " bytes"),
                shorter.message());
        Failed longer = expectFailed(run("packed-long", List.of(sh("true", List.of())),
                List.of(InputFile.packed("src/unit.i", block, raw.length + 1, false)), 0), Failure.BAD_REQUEST);
        assertTrue(longer.message().contains("input file 'src/unit.i'"), longer.message());
        awaitNoSandboxes();
    }

    @Test
    void aPackedInputClaimingMoreThanLz4CanHoldIsRefusedBeforeAnyAllocation() {
        Failed failed = expectFailed(run("packed-claim", List.of(sh("true", List.of())),
                List.of(InputFile.packed("src/unit.i", new byte[10], 900L * 1024 * 1024, false)), 0), Failure.BAD_REQUEST);
        assertEquals("input file 'src/unit.i' of sub-work packed-claim claims 943718400 bytes from a compressed block of 10",
                failed.message());
    }

    @Test
    void aLargeResultThatPacksComesBackPackedAndOneThatDoesNotByDigest() throws Exception {
        Reply reply = run("packed-results", List.of(sh("seq 1 100000 > seq.txt && head -c 300000 /dev/urandom > noise.bin",
                List.of("seq.txt", "noise.bin"))), List.of(), 0);
        assertTrue(reply instanceof Done, reply.toString());
        List<SubWorkExecutor.ResultFile> files = ((Done) reply).results().get(0).files();
        StringBuilder seq = new StringBuilder();
        for (int i = 1; i <= 100000; i++) {
            seq.append(i).append('\n');
        }
        SubWorkExecutor.ResultFile text = files.get(0);
        assertTrue(text.packed() != null && text.content() == null && text.digest() == null, "packed: " + text);
        assertEquals(seq.length(), text.size());
        assertEquals(seq.toString(), new String(text.bytes(), StandardCharsets.US_ASCII));
        SubWorkExecutor.ResultFile noise = files.get(1);
        assertTrue(!noise.inline() && io.troupe.booster.cas.Digests.valid(noise.digest()), "by digest: " + noise);
        assertEquals(300000, noise.size());

        // a booster that predates packing (its Execute lacks the flag: false) gets every larger file by digest
        TestProbe<Reply> probe = kit.createTestProbe();
        worker.tell(new Execute("unpacked-results", List.of(sh("seq 1 100000 > seq.txt", List.of("seq.txt"))), List.of(), 0,
                probe.getRef(), probe.getRef(), false));
        Reply old = probe.expectMessageClass(Reply.class, Duration.ofSeconds(20));
        SubWorkExecutor.ResultFile byDigest = ((Done) old).results().get(0).files().get(0);
        assertTrue(!byDigest.inline() && io.troupe.booster.cas.Digests.valid(byDigest.digest()), "by digest: " + byDigest);
    }

    @Test
    void aDamagedPackedResultNamesTheFile() {
        byte[] raw = unit();
        byte[] block = io.troupe.booster.cas.Compression.pack(raw);
        var damaged = new SubWorkExecutor.ResultFile("t.o", null, raw.length, null, java.util.Arrays.copyOf(block, block.length - 3), false);
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, damaged::bytes);
        assertTrue(e.getMessage().startsWith("result file 't.o' does not decompress to its " + raw.length + " bytes"), e.getMessage());
        var claim = new SubWorkExecutor.ResultFile("t.o", null, 1L << 30, null, new byte[16], false);
        assertEquals("result file 't.o' claims 1073741824 bytes from a compressed block of 16",
                org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, claim::bytes).getMessage());
        assertEquals(new String(raw, StandardCharsets.UTF_8), new String(
                new SubWorkExecutor.ResultFile("t.o", null, raw.length, null, block, false).bytes(), StandardCharsets.UTF_8));
    }

    @Test
    void refusesAbsoluteInputPath() {
        Failed failed = expectFailed(run("abs", List.of(sh("true", List.of())),
                List.of(new InputFile("/etc/evil", new byte[1], false)), 0), Failure.BAD_PATH);
        assertEquals("input file path '/etc/evil' is absolute; paths must be relative to the sandbox", failed.message());
    }

    @Test
    void refusesInputPathEscapingWithDotDot() {
        Failed failed = expectFailed(run("dots", List.of(sh("true", List.of())),
                List.of(new InputFile("src/../../evil", new byte[1], false)), 0), Failure.BAD_PATH);
        assertEquals("input file path 'src/../../evil' escapes the sandbox with '..'", failed.message());
    }

    @Test
    void refusesResultPathsEscapingTheSandbox() {
        Failed absolute = expectFailed(run("res-abs", List.of(sh("true", List.of("/etc/passwd"))), List.of(), 0),
                Failure.BAD_PATH);
        assertEquals("result file path '/etc/passwd' is absolute; paths must be relative to the sandbox", absolute.message());
        Failed dots = expectFailed(run("res-dots", List.of(sh("true", List.of("../x.o"))), List.of(), 0), Failure.BAD_PATH);
        assertEquals("result file path '../x.o' escapes the sandbox with '..'", dots.message());
    }

    @Test
    void refusesResultFileLinkedOutOfTheSandbox() throws Exception {
        Path outside = Files.writeString(root.resolve("secret.txt"), "secret");
        Failed failed = expectFailed(run("link", List.of(sh("ln -s " + outside + " out.txt", List.of("out.txt"))),
                List.of(), 0), Failure.BAD_PATH);
        assertEquals("result file path 'out.txt' resolves outside the sandbox (to " + outside.toRealPath() + ")",
                failed.message());
    }

    @Test
    void reportsMissingResultFile() {
        Failed failed = expectFailed(run("missing", List.of(sh("true", List.of("nope.o"))), List.of(), 0),
                Failure.MISSING_RESULT);
        assertEquals("result file 'nope.o' was not produced by 'sh' (exit code 0)", failed.message());
        awaitNoSandboxes();
    }

    @Test
    void refusesExecutableNotOnAllowlist() {
        Failed failed = expectFailed(run("rm", List.of(new Step("rm", null, List.of("-rf", "x"), List.of(), List.of())),
                List.of(), 0), Failure.NOT_ALLOWED);
        assertEquals("executable 'rm' is not on the worker allowlist (troupe.worker.allowlist on " + address + ")",
                failed.message());
        Failed path = expectFailed(run("binsh", List.of(new Step("sh", "/tmp/sh", List.of(), List.of(), List.of())),
                List.of(), 0), Failure.NOT_ALLOWED);
        assertEquals("executable '/tmp/sh' is not on the worker allowlist (troupe.worker.allowlist on " + address + ")",
                path.message());
    }

    @Test
    void refusesEnvironmentThatWouldBypassTheAllowlist() {
        Failed preload = expectFailed(run("env", List.of(new Step("cat", null, List.of("x"),
                List.of("LANG=C", "LD_PRELOAD=./evil.so"), List.of())), List.of(), 0), Failure.NOT_ALLOWED);
        assertEquals("environment variable 'LD_PRELOAD' may not be set by a sub-work (troupe.worker.env-denylist on "
                + address + ")", preload.message());
        Failed path = expectFailed(run("envpath", List.of(new Step("cat", null, List.of("x"),
                List.of("PATH=."), List.of())), List.of(), 0), Failure.NOT_ALLOWED);
        assertEquals("environment variable 'PATH' may not be set by a sub-work (troupe.worker.env-denylist on "
                + address + ")", path.message());
        Failed malformed = expectFailed(run("envbad", List.of(new Step("cat", null, List.of("x"),
                List.of("=x"), List.of())), List.of(), 0), Failure.BAD_REQUEST);
        assertEquals("environment entry '=x' of sub-work envbad is not NAME=value", malformed.message());
    }

    @Test
    void stepEnvironmentReachesTheProcess() {
        Reply reply = run("envok", List.of(new Step("sh", null, List.of("-c", "echo $GREETING"),
                List.of("GREETING=hi there"), List.of())), List.of(), 0);
        assertEquals("hi there\n", new String(((Done) reply).results().get(0).stdout(), StandardCharsets.UTF_8));
    }

    @Test
    void timeoutKillsTheWholeProcessTree() throws Exception {
        Path pidFile = root.resolve("timeout-child.pid");
        Failed failed = expectFailed(run("slow", List.of(sh("sleep 300 & echo $! > " + pidFile + "; wait", List.of())),
                List.of(), 1000), Failure.TIMEOUT);
        assertTrue(failed.message().matches("sub-work slow timed out after 1000 ms; killed process \\d+ and [1-9]\\d* descendant\\(s\\)"),
                failed.message());
        long child = Long.parseLong(Files.readString(pidFile).trim());
        kit.createTestProbe().awaitAssert(Duration.ofSeconds(10), () -> {
            assertFalse(ProcessHandle.of(child).map(ProcessHandle::isAlive).orElse(false), "grandchild sleep is killed");
            return null;
        });
        awaitNoSandboxes();
        awaitNoProcessesInSandboxes();
    }

    @Test
    void aCancelledRunIsKilledAndAnswersNothing() throws Exception {
        Path pidFile = root.resolve("cancel.pid");
        TestProbe<Reply> probe = kit.createTestProbe();
        worker.tell(new Execute("cancelled", List.of(sh("echo $$ > " + pidFile + "; exec sleep 300", List.of())), List.of(),
                0, probe.getRef(), probe.getRef()));
        kit.createTestProbe().awaitAssert(Duration.ofSeconds(10), () -> {
            assertTrue(Files.size(pidFile) > 0);
            return null;
        });
        long pid = Long.parseLong(Files.readString(pidFile).trim());
        worker.tell(new SubWorkExecutor.Cancel("cancelled"));
        kit.createTestProbe().awaitAssert(Duration.ofSeconds(10), () -> {
            assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "the cancelled run is killed");
            return null;
        });
        awaitNoSandboxes();
        probe.expectNoMessage(Duration.ofMillis(200)); // the booster gave it up: no answer
        Reply after = run("after-cancel", List.of(sh("echo free", List.of())), List.of(), 0);
        assertTrue(after instanceof Done, "the slot is free again: " + after);
    }

    @Test
    void eachRunAnswersOnceWhenItsTimeoutRacesItsEnd() {
        List<TestProbe<Reply>> probes = new java.util.ArrayList<>();
        for (int i = 0; i < 8; i++) {
            TestProbe<Reply> probe = kit.createTestProbe();
            probes.add(probe);
            // the process ends about when its 100 ms run out: either answer is right, never both
            worker.tell(new Execute("race" + i, List.of(sh("sleep 0.1; echo done", List.of())), List.of(), 100,
                    probe.getRef(), probe.getRef()));
            Reply reply = probe.expectMessageClass(Reply.class, Duration.ofSeconds(20));
            if (reply instanceof Failed failed) {
                assertEquals(Failure.TIMEOUT, failed.failure(), failed.message());
                assertTrue(failed.message().startsWith("sub-work race" + i + " timed out after 100 ms; "), failed.message());
            } else {
                assertTrue(reply instanceof Done, reply.toString());
                assertEquals("done\n", new String(((Done) reply).results().get(0).stdout(), StandardCharsets.UTF_8));
            }
        }
        probes.forEach(probe -> probe.expectNoMessage(Duration.ofMillis(100)));
        awaitNoSandboxes();
    }

    @Test
    void answersBusyPastTheQueueAndStopsRunsWhoseRequesterDied() throws Exception {
        Path pidFile = root.resolve("busy.pid");
        TestProbe<Reply> first = kit.createTestProbe();
        TestProbe<Reply> second = kit.createTestProbe();
        TestProbe<Reply> third = kit.createTestProbe();
        worker.tell(new Execute("b1", List.of(sh("echo $$ > " + pidFile + "; exec sleep 300", List.of())), List.of(), 0,
                first.getRef(), first.getRef()));
        kit.createTestProbe().awaitAssert(Duration.ofSeconds(10), () -> {
            assertTrue(Files.size(pidFile) > 0);
            return null;
        });
        worker.tell(new Execute("b2", List.of(sh("sleep 300", List.of())), List.of(), 0, second.getRef(), second.getRef()));
        worker.tell(new Execute("b3", List.of(sh("true", List.of())), List.of(), 0, third.getRef(), third.getRef()));
        Failed busy = expectFailed(third.expectMessageClass(Reply.class, Duration.ofSeconds(10)), Failure.BUSY);
        assertEquals("worker " + address + " is busy: 1 sub-works running, 1 queued (troupe.worker.queue-size = 1)",
                busy.message());

        long pid = Long.parseLong(Files.readString(pidFile).trim());
        first.stop(); // the booster side of b1 died: its run is killed and cleaned up, b2 starts
        second.stop(); // and b2's requester is gone too
        kit.createTestProbe().awaitAssert(Duration.ofSeconds(10), () -> {
            assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "b1's process is killed");
            return null;
        });
        awaitNoSandboxes();
        awaitNoProcessesInSandboxes();
        Reply after = run("after", List.of(sh("echo free", List.of())), List.of(), 0);
        assertTrue(after instanceof Done, "the slot is free again: " + after);
    }

    @Test
    void loadReportsSlotsAndQueue() {
        TestProbe<SubWorkExecutor.Load> probe = kit.createTestProbe();
        worker.tell(new SubWorkExecutor.GetLoad(probe.getRef()));
        SubWorkExecutor.Load load = probe.receiveMessage();
        assertEquals(1, load.slots());
        assertEquals(1, load.queueSize());
        assertEquals(address, load.worker());
    }

    @Test
    void anAnswerCountsItsSlotAsTakenByTheQueuedSubWork() throws Exception {
        Path gate = root.resolve("queued.gate");
        TestProbe<Reply> first = kit.createTestProbe();
        TestProbe<Reply> second = kit.createTestProbe();
        worker.tell(new Execute("q1", List.of(sh("while [ ! -e " + gate + " ]; do sleep 0.02; done", List.of())), List.of(),
                0, first.getRef(), first.getRef()));
        worker.tell(new Execute("q2", List.of(sh("true", List.of())), List.of(), 0, second.getRef(), second.getRef()));
        TestProbe<SubWorkExecutor.Load> loads = kit.createTestProbe();
        SubWorkExecutor.Load waiting;
        try {
            waiting = loads.awaitAssert(Duration.ofSeconds(10), () -> {
                worker.tell(new SubWorkExecutor.GetLoad(loads.getRef()));
                SubWorkExecutor.Load load = loads.receiveMessage();
                assertEquals(List.of(1, 1), List.of(load.running(), load.queued()), load.toString());
                return load;
            });
        } finally {
            Files.createFile(gate); // also on a failure: q1 would hold the slot for every later test
        }
        Reply one = first.expectMessageClass(Reply.class, Duration.ofSeconds(20));
        assertTrue(one instanceof Done, one.toString());
        assertEquals(List.of(1, 0), List.of(one.load().running(), one.load().queued()),
                "q2 takes q1's slot: " + one.load());
        Reply two = second.expectMessageClass(Reply.class, Duration.ofSeconds(20));
        assertEquals(List.of(0, 0), List.of(two.load().running(), two.load().queued()), two.load().toString());
        // each answer counts its own run's end, so a report composed before it reads as older
        long freedBefore = waiting.freed();
        assertEquals(List.of(freedBefore + 1, freedBefore + 2), List.of(one.load().freed(), two.load().freed()));
        loads.awaitAssert(Duration.ofSeconds(10), () -> {
            worker.tell(new SubWorkExecutor.GetLoad(loads.getRef()));
            assertEquals(freedBefore + 2, loads.receiveMessage().freed(), "the executor counts the two ends once each");
            return null;
        });
    }
}
