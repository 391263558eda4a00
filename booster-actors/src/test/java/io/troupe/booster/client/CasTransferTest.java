package io.troupe.booster.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.api.booster.Command;
import io.troupe.api.booster.DistCommand;
import io.troupe.api.booster.FileDesc;
import io.troupe.api.booster.Handler;
import io.troupe.booster.TestClusters;
import io.troupe.booster.cas.CasStreams;
import io.troupe.booster.cas.ContentStore;
import io.troupe.booster.cas.Digests;
import io.troupe.booster.gateway.ExecutorGateway;
import io.troupe.booster.worker.SubWorkExecutor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Files by digest between two actor systems: a booster and a worker. Inputs and results over 8 MiB go and come
 * back intact, an input sent once is not sent again, a file over the limit runs locally, a corrupted upload is
 * refused.
 */
@Tag("multinode")
class CasTransferTest {

    private static final int MIB = 1024 * 1024;
    private static Path root;
    private static ActorTestKit worker;
    private static ActorTestKit booster;
    private static ActorRef<SubWorkExecutor.Command> executor;
    private static final Map<String, String> ENV = Map.of("PATH", System.getenv("PATH"));

    @BeforeAll
    static void start() throws Exception {
        root = Files.createTempDirectory("troupe-cas-test-");
        worker = ActorTestKit.create("troupe", TestClusters.node("worker", root.resolve("w"), List.of("sh", "gcc"),
                "troupe.worker.slots = 2\ntroupe.worker.max-file-size = 20 MiB"));
        booster = ActorTestKit.create("troupe", TestClusters.node("booster", root.resolve("b"), List.of(),
                "troupe.booster.max-file-size = 12 MiB"));
        worker.spawn(SubWorkExecutor.create(), "worker");
        var seed = Cluster.get(worker.system()).selfMember().address();
        for (ActorTestKit kit : List.of(worker, booster)) {
            Cluster.get(kit.system()).manager().tell(Join.create(seed));
        }
        TestProbe<Receptionist.Listing> listing = booster.createTestProbe();
        listing.awaitAssert(Duration.ofSeconds(20), () -> {
            Cluster.get(booster.system()).state().getMembers().forEach(m -> assertEquals(MemberStatus.up(), m.status()));
            booster.system().receptionist().tell(Receptionist.find(SubWorkExecutor.KEY, listing.getRef()));
            var found = listing.receiveMessage().getServiceInstances(SubWorkExecutor.KEY);
            assertEquals(1, found.size());
            executor = found.iterator().next();
            return null;
        });
    }

    @AfterAll
    static void stop() {
        booster.shutdownTestKit();
        worker.shutdownTestKit();
    }

    /** Runs {@code sh -c script} as one sub-work, remotely when it can, with the given input and result. */
    private static Handler shell(String script, String input, String result) {
        return new Handler() {
            @Override
            public DistCommand preExecute(List<String> command) {
                return DistCommand.of(new Command(null, "sh", null, List.of("-c", script),
                        List.of(FileDesc.of(input)), List.of(result), List.of()));
            }
        };
    }

    private record Outcome(ExecutorGateway.SubWorkReply reply, WorkActor.Summary summary) {
        String stderr() {
            return new String(reply.stderr(), StandardCharsets.UTF_8);
        }
    }

    private static Outcome runOne(Path dir, boolean noLocal, Handler handler, String script) {
        return runOne(dir, noLocal, 0, handler, script);
    }

    private static Outcome runOne(Path dir, boolean noLocal, int retries, Handler handler, String script) {
        WorkSettings settings = new WorkSettings("custom", "cas", "cas", null, false, null, false, noLocal, retries, 2, 0, 60,
                List.of(), dir, ENV, null);
        TestProbe<WorkActor.Event> events = booster.createTestProbe();
        var work = booster.spawn(WorkActor.create(settings, handler, WorkActor.Launch.EXTERNAL, events.getRef()));
        events.expectMessageClass(WorkActor.Ready.class, Duration.ofSeconds(20));
        TestProbe<ExecutorGateway.SubWorkReply> reply = booster.createTestProbe();
        work.tell(new WorkActor.SubWork(new ExecutorGateway.SubWorkArrived(List.of("sh", "-c", script), dir.toString(),
                ENV, reply.getRef())));
        ExecutorGateway.SubWorkReply answer = reply.expectMessageClass(ExecutorGateway.SubWorkReply.class,
                Duration.ofSeconds(60));
        work.tell(new WorkActor.WorkCommandExited(0));
        return new Outcome(answer, events.expectMessageClass(WorkActor.Finished.class, Duration.ofSeconds(20)).summary());
    }

    private static ContentStore.Stats casStats() {
        TestProbe<ContentStore.Stats> probe = booster.createTestProbe();
        executor.tell(new SubWorkExecutor.GetCasStats(probe.getRef()));
        return probe.receiveMessage(Duration.ofSeconds(10));
    }

    private static byte[] random(int size, int seed) {
        byte[] content = new byte[size];
        new Random(seed).nextBytes(content);
        return content;
    }

    @Test
    void largeInputAndResultGoRemoteIntactAndTheInputIsSentOnce() throws Exception {
        Path dir = Files.createDirectories(root.resolve("large"));
        byte[] input = random(9 * MIB, 1);
        Files.write(dir.resolve("big.bin"), input);
        String script = "cat big.bin big.bin > out.bin";
        Handler handler = shell(script, "big.bin", "out.bin");
        ContentStore.Stats before = casStats();

        Outcome first = runOne(dir, true, handler, script);
        assertEquals(0, first.reply().exitCode(), first.stderr());
        assertEquals(new WorkActor.Summary(1, 1, 0, 0, 1), first.summary());
        byte[] out = Files.readAllBytes(dir.resolve("out.bin"));
        assertEquals(18 * MIB, out.length);
        assertEquals(Digests.of(input), Digests.of(java.util.Arrays.copyOf(out, 9 * MIB)));
        assertEquals(Digests.of(input), Digests.of(java.util.Arrays.copyOfRange(out, 9 * MIB, 18 * MIB)));
        ContentStore.Stats afterFirst = casStats();
        assertEquals(before.receivedBlobs() + 1, afterFirst.receivedBlobs());
        assertEquals(before.receivedBytes() + 9 * MIB, afterFirst.receivedBytes());

        Files.delete(dir.resolve("out.bin"));
        Outcome second = runOne(dir, true, handler, script);
        assertEquals(0, second.reply().exitCode(), second.stderr());
        assertEquals(new WorkActor.Summary(1, 1, 0, 0, 1), second.summary());
        assertEquals(18 * MIB, Files.size(dir.resolve("out.bin")));
        assertEquals(afterFirst.receivedBytes(), casStats().receivedBytes(), "the second sub-work sent no input bytes");
    }

    @Test
    void anExecutableInputArrivesExecutableForEveryoneAndAnExecutableResultComesBackExecutable() throws Exception {
        Path dir = Files.createDirectories(root.resolve("modes"));
        Path tool = dir.resolve("tool.sh");
        Files.writeString(tool, "#!/bin/sh\necho built\n");
        Files.setPosixFilePermissions(tool, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        // the worker runs the input as a program and makes an executable of its own, as a code generator might
        String script = "stat -c %A tool.sh > mode.txt && ./tool.sh > made.sh && chmod 755 made.sh";
        Handler handler = new Handler() {
            @Override
            public DistCommand preExecute(List<String> command) {
                return DistCommand.of(new Command(null, "sh", null, List.of("-c", script),
                        List.of(FileDesc.of("tool.sh")), List.of("mode.txt", "made.sh"), List.of()));
            }
        };
        Outcome outcome = runOne(dir, true, handler, script);
        assertEquals(0, outcome.reply().exitCode(), outcome.stderr());
        assertEquals(new WorkActor.Summary(1, 1, 0, 0, 1), outcome.summary());
        assertEquals("-rwxr-xr-x", Files.readString(dir.resolve("mode.txt")).strip(), "the input's mode on the worker");
        assertTrue(Files.isExecutable(dir.resolve("made.sh")), "an executable result comes back executable");
        assertTrue(Files.getPosixFilePermissions(dir.resolve("made.sh"))
                .contains(java.nio.file.attribute.PosixFilePermission.OTHERS_EXECUTE), "for whoever may read it");
        assertFalse(Files.isExecutable(dir.resolve("mode.txt")), "and only that one");
    }

    /** Text that LZ4 packs well, as a preprocessed unit: lines that differ a little. */
    private static byte[] unitLike(int size) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; text.length() < size; i++) {
            text.append("extern int lua_function_").append(i).append(" (lua_State *L, int idx, const char *name);\n");
        }
        return text.substring(0, size).getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void inputsAndResultsOverTheInlineLimitThatPackUnderItTravelInsideTheMessages() throws Exception {
        Path dir = Files.createDirectories(root.resolve("packed"));
        byte[] input = unitLike(3 * MIB); // 12 x the 256 KiB inline limit; packed, well under the 1 MiB packed one
        Files.write(dir.resolve("unit.i"), input);
        String script = "cat unit.i > copy.i";
        ContentStore.Stats before = casStats();

        Outcome outcome = runOne(dir, true, shell(script, "unit.i", "copy.i"), script);
        assertEquals(0, outcome.reply().exitCode(), outcome.stderr());
        assertEquals(new WorkActor.Summary(1, 1, 0, 0, 1), outcome.summary());
        assertEquals(Digests.of(input), Digests.of(Files.readAllBytes(dir.resolve("copy.i"))));
        ContentStore.Stats after = casStats();
        assertEquals(before.receivedBlobs(), after.receivedBlobs(), "no blob was uploaded: the unit came inline");
        assertEquals(before.blobs(), after.blobs(), "nothing was stored: the copy went back packed in the answer");

        // as many bytes that do not pack go by digest, through the worker's store
        Files.write(dir.resolve("noise.bin"), random(3 * MIB, 7));
        String copyNoise = "cat noise.bin > noise.out";
        Outcome noise = runOne(dir, true, shell(copyNoise, "noise.bin", "noise.out"), copyNoise);
        assertEquals(0, noise.reply().exitCode(), noise.stderr());
        assertEquals(Digests.of(dir.resolve("noise.bin")), Digests.of(dir.resolve("noise.out")));
        assertEquals(before.receivedBlobs() + 1, casStats().receivedBlobs(), "the noise went by digest");
        assertEquals(after.blobs() + 1, casStats().blobs(), "and came back by digest (one blob: the same bytes)");
    }

    /** Large files Must-show: a preprocessed unit over 8 MiB compiles remotely to an object over 8 MiB. */
    @Test
    void aPreprocessedUnitOver8MiBCompilesRemotelyToAnObjectOver8MiB() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(onPath("gcc"), "gcc is not installed");
        Path dir = Files.createDirectories(root.resolve("gcc"));
        StringBuilder unit = new StringBuilder("char data[9 << 20] = {1};\nconst char text[] =\n");
        String line = "\"" + "x".repeat(1000) + "\"\n";
        for (int i = 0; i < 9000; i++) {
            unit.append(line);
        }
        Files.writeString(dir.resolve("big.i"), unit.append(";\n"));
        assertTrue(Files.size(dir.resolve("big.i")) > 8 * MIB);
        Handler handler = new Handler() {
            @Override
            public DistCommand preExecute(List<String> command) {
                return DistCommand.of(new Command(null, "gcc", null, List.of("-c", "big.i", "-o", "big.o"),
                        List.of(FileDesc.of("big.i")), List.of("big.o"), List.of()));
            }
        };
        Outcome outcome = runOne(dir, true, handler, "gcc -c big.i -o big.o");
        assertEquals(0, outcome.reply().exitCode(), outcome.stderr());
        assertEquals(new WorkActor.Summary(1, 1, 0, 0, 1), outcome.summary());
        assertTrue(Files.size(dir.resolve("big.o")) > 8 * MIB, "object size " + Files.size(dir.resolve("big.o")));
        Process local = new ProcessBuilder("gcc", "-c", "big.i", "-o", "local.o").directory(dir.toFile())
                .inheritIO().start();
        assertEquals(0, local.waitFor());
        assertEquals(Digests.of(dir.resolve("local.o")), Digests.of(dir.resolve("big.o")), "same object as a local compile");
    }

    @Test
    void aResultOverTheWorkersLimitIsNotRetriedRemotely() throws Exception {
        Path dir = Files.createDirectories(root.resolve("result-limit"));
        String script = "head -c 22020096 /dev/zero > out.bin";
        Handler handler = new Handler() {
            @Override
            public DistCommand preExecute(List<String> command) {
                return DistCommand.of(new Command(null, "sh", null, List.of("-c", script), List.of(), List.of("out.bin"),
                        List.of()));
            }
        };
        Outcome outcome = runOne(dir, true, 3, handler, script);
        assertNotEquals(0, outcome.reply().exitCode());
        assertTrue(outcome.stderr().contains("failed remotely after 1 attempt(s): worker "), outcome.stderr());
        assertTrue(outcome.stderr().contains("result file 'out.bin' of sub-work ") && outcome.stderr().contains(
                " is 22020096 bytes, more than troupe.worker.max-file-size = 20971520"), outcome.stderr());
        assertTrue(!outcome.stderr().contains("retry on"), "no further remote attempt was sought: " + outcome.stderr());
    }

    @Test
    void anAbsoluteInputIsMappedIntoTheSandboxAndItsArgumentRewritten() throws Exception {
        Path dir = Files.createDirectories(root.resolve("abs"));
        Path script = Files.writeString(Files.createDirectories(root.resolve("elsewhere")).resolve("run.sh"),
                "echo \"ran $0\" > out.txt\n");
        Handler handler = new Handler() {
            @Override
            public DistCommand preExecute(List<String> command) {
                return DistCommand.of(new Command(null, "sh", null, List.of(script.toString()),
                        List.of(new FileDesc(script.toString(), script.toString(), 0)), List.of("out.txt"), List.of()));
            }
        };
        Outcome outcome = runOne(dir, true, handler, "sh " + script);
        assertEquals(0, outcome.reply().exitCode(), outcome.stderr());
        assertEquals(new WorkActor.Summary(1, 1, 0, 0, 1), outcome.summary());
        assertEquals("ran _abs" + script, Files.readString(dir.resolve("out.txt")).trim());
    }

    private static boolean onPath(String program) {
        for (String dir : System.getenv("PATH").split(":")) {
            if (Files.isExecutable(Path.of(dir.isEmpty() ? "." : dir, program))) {
                return true;
            }
        }
        return false;
    }

    @Test
    void fileOverTheLimitRunsLocallyNamingFileAndLimitWithoutRemoteAttempts() throws Exception {
        Path dir = Files.createDirectories(root.resolve("over"));
        Files.write(dir.resolve("huge.bin"), random(13 * MIB, 2));
        String script = "wc -c < huge.bin > size.txt";
        Handler handler = shell(script, "huge.bin", "size.txt");
        ContentStore.Stats before = casStats();

        Outcome refused = runOne(dir, true, handler, script); // --no_local shows the reason in the reply
        assertNotEquals(0, refused.reply().exitCode());
        assertTrue(refused.stderr().contains("could not run remotely: input file " + dir.resolve("huge.bin")
                + " is " + 13 * MIB + " bytes, over the limit of " + 12 * MIB + " bytes"), refused.stderr());

        Outcome local = runOne(dir, false, handler, script);
        assertEquals(0, local.reply().exitCode(), local.stderr());
        assertEquals(new WorkActor.Summary(1, 0, 1, 0, 0, Map.of(FallbackReason.TOO_LARGE, 1)), local.summary());
        assertEquals(Integer.toString(13 * MIB), Files.readString(dir.resolve("size.txt")).trim());
        assertEquals(before.receivedBlobs(), casStats().receivedBlobs(), "no byte of it went to the worker");
    }

    @Test
    void aCorruptedUploadIsRefusedAndNotStored() throws Exception {
        byte[] announced = random(2 * MIB, 3);
        String digest = Digests.of(announced);
        byte[] sent = announced.clone();
        sent[MIB] ^= 1;
        TestProbe<SubWorkExecutor.OfferReply> replies = booster.createTestProbe();
        executor.tell(new SubWorkExecutor.Offer("corrupt#1", List.of(new SubWorkExecutor.Blob(digest, sent.length)),
                replies.getRef()));
        var to = replies.expectMessageClass(SubWorkExecutor.UploadTo.class, Duration.ofSeconds(10));
        assertNotNull(to.sink(), to.error());
        Path file = Files.write(root.resolve("corrupt.bin"), sent);
        CasStreams.ofFiles(List.of(new CasStreams.LocalBlob(digest, file)))
                .runWith(to.sink().getSink(), Materializer.matFromSystem(booster.system()));
        var uploaded = replies.expectMessageClass(SubWorkExecutor.Uploaded.class, Duration.ofSeconds(20));
        assertNotNull(uploaded.error());
        assertTrue(uploaded.error().contains("corrupted in transfer"), uploaded.error());

        // a stream cut short (no end marker) is refused as partial
        executor.tell(new SubWorkExecutor.Offer("partial#1", List.of(new SubWorkExecutor.Blob(digest, announced.length)),
                replies.getRef()));
        var again = replies.expectMessageClass(SubWorkExecutor.UploadTo.class, Duration.ofSeconds(10));
        Source.single(io.troupe.booster.cas.Compression.piece(digest, announced, CasStreams.CHUNK))
                .runWith(again.sink().getSink(), Materializer.matFromSystem(booster.system()));
        var partial = replies.expectMessageClass(SubWorkExecutor.Uploaded.class, Duration.ofSeconds(20));
        assertTrue(partial.error() != null && partial.error().contains("partial transfer"), String.valueOf(partial.error()));

        TestProbe<ContentStore.Stats> stats = booster.createTestProbe();
        executor.tell(new SubWorkExecutor.GetCasStats(stats.getRef()));
        ContentStore.Stats now = stats.receiveMessage();
        TestProbe<SubWorkExecutor.Reply> execute = booster.createTestProbe();
        executor.tell(new SubWorkExecutor.Execute("check#1", List.of(new SubWorkExecutor.Step("sh", null,
                List.of("-c", "true"), List.of(), List.of())), List.of(SubWorkExecutor.InputFile.byDigest("in.bin",
                digest, announced.length, false)), 0, execute.getRef(), execute.getRef()));
        var need = execute.expectMessageClass(SubWorkExecutor.NeedInputs.class, Duration.ofSeconds(10));
        assertEquals(List.of(digest), need.missing(), "neither bad upload was stored; " + now);
    }
}
