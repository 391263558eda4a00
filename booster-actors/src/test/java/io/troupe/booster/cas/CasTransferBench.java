package io.troupe.booster.cas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.troupe.api.CborSerializable;
import io.troupe.booster.TestClusters;
import io.troupe.booster.worker.SubWorkExecutor;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Sink;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Measures moving files between two actor systems on loopback: StreamRefs (what the product uses) against
 * Artery's large-message stream and its ordinary stream with a windowed chunk protocol. Figures go into
 * docs/performance.md. Run: {@code mvn -pl booster-actors -am test -Dtest=CasTransferBench -Dtroupe.bench=true
 * -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@EnabledIfSystemProperty(named = "troupe.bench", matches = "true")
class CasTransferBench {

    @TempDir
    Path tmp;

    /** A chunk over plain Artery messages; acknowledged after it is written. */
    public record Chunk(long seq, Piece piece, ActorRef<Ack> replyTo) implements CborSerializable {}

    public record Ack(long seq, String error) implements CborSerializable {}

    private static Behavior<Chunk> sink(Path dir) {
        return Behaviors.setup(context -> {
            var state = new Object() {
                PieceReceiver receiver;
            };
            return Behaviors.receiveMessage(chunk -> {
                String error = null;
                try {
                    if (state.receiver == null || chunk.seq() == 0) {
                        state.receiver = new PieceReceiver(List.of(chunk.piece().digest()),
                                d -> BlobWriter.toFile(d, Long.MAX_VALUE, dir.resolve(d)));
                    }
                    if (!chunk.piece().last()) {
                        state.receiver.accept(chunk.piece());
                    }
                } catch (Exception e) {
                    error = e.toString();
                }
                chunk.replyTo().tell(new Ack(chunk.seq(), error));
                return Behaviors.same();
            });
        });
    }

    @Test
    void measure() throws Exception {
        String largeDest = "pekko.remote.artery.large-message-destinations = [\"/user/large-sink\"]\n"
                + "pekko.actor.serialize-messages = off\npekko.remote.artery.advanced.maximum-large-frame-size = 4 MiB";
        ActorTestKit worker = ActorTestKit.create("troupe", TestClusters.node("worker", tmp.resolve("w"), List.of("sh"), largeDest));
        ActorTestKit booster = ActorTestKit.create("troupe", TestClusters.node("booster", tmp.resolve("b"), List.of(), largeDest));
        try {
            worker.spawn(SubWorkExecutor.create(), "worker");
            worker.spawn(sink(Files.createDirectories(tmp.resolve("large-in"))), "large-sink");
            worker.spawn(sink(Files.createDirectories(tmp.resolve("plain-in"))), "plain-sink");
            var seed = Cluster.get(worker.system()).selfMember().address();
            Cluster.get(worker.system()).manager().tell(Join.create(seed));
            Cluster.get(booster.system()).manager().tell(Join.create(seed));
            TestProbe<Receptionist.Listing> listing = booster.createTestProbe();
            ActorRef<SubWorkExecutor.Command>[] executor = new ActorRef[1];
            listing.awaitAssert(Duration.ofSeconds(30), () -> {
                booster.system().receptionist().tell(Receptionist.find(SubWorkExecutor.KEY, listing.getRef()));
                var found = listing.receiveMessage().getServiceInstances(SubWorkExecutor.KEY);
                assertEquals(1, found.size());
                executor[0] = found.iterator().next();
                return null;
            });
            String remote = Cluster.get(worker.system()).selfMember().address().toString();
            // resolved to refs: messages to a selection never take the large-message stream
            var largeSink = booster.system().classicSystem().actorSelection(remote + "/user/large-sink")
                    .resolveOne(Duration.ofSeconds(10)).toCompletableFuture().get();
            var plainSink = booster.system().classicSystem().actorSelection(remote + "/user/plain-sink")
                    .resolveOne(Duration.ofSeconds(10)).toCompletableFuture().get();

            List<Path> big = List.of(file("random-64m", 64 << 20, true), file("text-64m", 64 << 20, false));
            List<Path> small = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                small.add(file("small-" + i, 4096 + i, false));
            }
            for (int round = 0; round < 2; round++) {
                for (Path file : big) {
                    report("streamrefs " + file.getFileName(), List.of(file), () -> viaStreamRefs(booster, executor[0], List.of(file)));
                    report("artery-large " + file.getFileName(), List.of(file), () -> viaChunks(booster, largeSink, List.of(file)));
                    report("artery-plain " + file.getFileName(), List.of(file), () -> viaChunks(booster, plainSink, List.of(file)));
                }
                report("streamrefs 1000 small (one offer)", small, () -> viaStreamRefs(booster, executor[0], small));
                report("artery-large 1000 small", small, () -> viaChunks(booster, largeSink, small));
            }
        } finally {
            booster.shutdownTestKit();
            worker.shutdownTestKit();
        }
    }

    /** Median time of a sub-work whose one small input is new to the worker, by digest or inline. */
    @Test
    void smallNewInputLatency() throws Exception {
        ActorTestKit worker = ActorTestKit.create("troupe", TestClusters.node("worker", tmp.resolve("w"), List.of("sh"),
                "troupe.worker.slots = 2"));
        ActorTestKit byDigest = ActorTestKit.create("troupe", TestClusters.node("booster", tmp.resolve("b1"), List.of(),
                "troupe.booster.inline-input-bytes = 0\ntroupe.booster.inline-packed-bytes = 0"));
        ActorTestKit inline = ActorTestKit.create("troupe", TestClusters.node("booster", tmp.resolve("b2"), List.of(),
                "troupe.booster.inline-input-bytes = 256 KiB"));
        try {
            worker.spawn(SubWorkExecutor.create(), "worker");
            var seed = Cluster.get(worker.system()).selfMember().address();
            for (ActorTestKit kit : List.of(worker, byDigest, inline)) {
                Cluster.get(kit.system()).manager().tell(Join.create(seed));
            }
            for (int round = 0; round < 2; round++) {
                for (int size : new int[] {20 * 1024, 200 * 1024}) {
                    System.out.printf("[bench] new %d KiB input, by digest: median %.1f ms%n", size / 1024,
                            medianSubWork(byDigest, size, round));
                    System.out.printf("[bench] new %d KiB input, inline:    median %.1f ms%n", size / 1024,
                            medianSubWork(inline, size, round));
                }
            }
        } finally {
            inline.shutdownTestKit();
            byDigest.shutdownTestKit();
            worker.shutdownTestKit();
        }
    }

    /**
     * Bytes sent for one work of 10 sub-works over two workers, each with a shared 4 MiB input and its own
     * 300 KiB one, with and without the holder preference.
     */
    @Test
    void holderPreference() throws Exception {
        for (String prefer : new String[] {"0", "1 MiB"}) {
            ActorTestKit w1 = ActorTestKit.create("troupe", TestClusters.node("worker", tmp.resolve("p1-" + prefer.length()),
                    List.of("sh"), "troupe.worker.slots = 2"));
            ActorTestKit w2 = ActorTestKit.create("troupe", TestClusters.node("worker", tmp.resolve("p2-" + prefer.length()),
                    List.of("sh"), "troupe.worker.slots = 2"));
            ActorTestKit booster = ActorTestKit.create("troupe", TestClusters.node("booster", tmp.resolve("pb"), List.of(),
                    "troupe.booster.prefer-holder-bytes = " + prefer));
            try {
                var e1 = w1.spawn(SubWorkExecutor.create(), "worker");
                var e2 = w2.spawn(SubWorkExecutor.create(), "worker");
                var seed = Cluster.get(w1.system()).selfMember().address();
                for (ActorTestKit kit : List.of(w1, w2, booster)) {
                    Cluster.get(kit.system()).manager().tell(Join.create(seed));
                }
                TestProbe<Receptionist.Listing> listing = booster.createTestProbe();
                listing.awaitAssert(Duration.ofSeconds(30), () -> {
                    booster.system().receptionist().tell(Receptionist.find(SubWorkExecutor.KEY, listing.getRef()));
                    assertEquals(2, listing.receiveMessage().getServiceInstances(SubWorkExecutor.KEY).size());
                    return null;
                });
                Path dir = Files.createDirectories(tmp.resolve("pref-" + prefer.length()));
                List<String> names = new ArrayList<>();
                byte[] shared = new byte[4 << 20];
                new Random(99).nextBytes(shared);
                Files.write(dir.resolve("shared.bin"), shared);
                for (int i = 0; i < 10; i++) {
                    byte[] content = new byte[300 << 10];
                    new Random(i).nextBytes(content);
                    Files.write(dir.resolve("in" + i), content);
                    names.add("in" + i);
                }
                long start = System.nanoTime();
                runAll(booster, dir, names);
                long millis = (System.nanoTime() - start) / 1_000_000;
                System.out.printf("[bench] prefer-holder-bytes = %s: sent %.1f MiB (worker 1 %.1f, worker 2 %.1f) in %d ms%n",
                        prefer, (received(w1, e1) + received(w2, e2)) / 1048576.0, received(w1, e1) / 1048576.0,
                        received(w2, e2) / 1048576.0, millis);
            } finally {
                booster.shutdownTestKit();
                w2.shutdownTestKit();
                w1.shutdownTestKit();
            }
        }
    }

    private static long received(ActorTestKit kit, ActorRef<SubWorkExecutor.Command> executor) {
        TestProbe<ContentStore.Stats> probe = kit.createTestProbe();
        executor.tell(new SubWorkExecutor.GetCasStats(probe.getRef()));
        return probe.receiveMessage(Duration.ofSeconds(10)).receivedBytes();
    }

    private void runAll(ActorTestKit booster, Path dir, List<String> names) {
        var handler = new io.troupe.api.booster.Handler() {
            @Override
            public io.troupe.api.booster.DistCommand preExecute(List<String> command) {
                return io.troupe.api.booster.DistCommand.of(new io.troupe.api.booster.Command(null, "sh", null,
                        List.of("-c", "wc -c < " + command.get(1) + " > " + command.get(1) + ".n"),
                        List.of(io.troupe.api.booster.FileDesc.of(command.get(1)), io.troupe.api.booster.FileDesc.of("shared.bin")),
                        List.of(command.get(1) + ".n"), List.of()));
            }
        };
        var settings = new io.troupe.booster.client.WorkSettings("custom", "bench", "bench", null, false, null, false, true,
                0, 2, 0, 60, List.of(), dir, java.util.Map.of("PATH", System.getenv("PATH")), null);
        TestProbe<io.troupe.booster.client.WorkActor.Event> events = booster.createTestProbe();
        var work = booster.spawn(io.troupe.booster.client.WorkActor.create(settings, handler,
                io.troupe.booster.client.WorkActor.Launch.EXTERNAL, events.getRef()));
        events.expectMessageClass(io.troupe.booster.client.WorkActor.Ready.class, Duration.ofSeconds(30));
        TestProbe<io.troupe.booster.gateway.ExecutorGateway.SubWorkReply> reply = booster.createTestProbe();
        for (String name : names) {
            work.tell(new io.troupe.booster.client.WorkActor.SubWork(new io.troupe.booster.gateway.ExecutorGateway.SubWorkArrived(
                    List.of("count", name), dir.toString(), java.util.Map.of("PATH", System.getenv("PATH")), reply.getRef())));
            var answer = reply.expectMessageClass(io.troupe.booster.gateway.ExecutorGateway.SubWorkReply.class, Duration.ofSeconds(30));
            assertEquals(0, answer.exitCode(), new String(answer.stderr()));
        }
        work.tell(new io.troupe.booster.client.WorkActor.WorkCommandExited(0));
        events.expectMessageClass(io.troupe.booster.client.WorkActor.Finished.class, Duration.ofSeconds(30));
    }

    private double medianSubWork(ActorTestKit booster, int size, int round) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("lat-" + System.nanoTime()));
        var handler = new io.troupe.api.booster.Handler() {
            @Override
            public io.troupe.api.booster.DistCommand preExecute(List<String> command) {
                return io.troupe.api.booster.DistCommand.of(new io.troupe.api.booster.Command(null, "sh", null,
                        List.of("-c", "wc -c < " + command.get(1) + " > " + command.get(1) + ".n"),
                        List.of(io.troupe.api.booster.FileDesc.of(command.get(1))), List.of(command.get(1) + ".n"), List.of()));
            }
        };
        var settings = new io.troupe.booster.client.WorkSettings("custom", "bench", "bench", null, false, null, false, true,
                0, 2, 0, 60, List.of(), dir, java.util.Map.of("PATH", System.getenv("PATH")), null);
        TestProbe<io.troupe.booster.client.WorkActor.Event> events = booster.createTestProbe();
        var work = booster.spawn(io.troupe.booster.client.WorkActor.create(settings, handler,
                io.troupe.booster.client.WorkActor.Launch.EXTERNAL, events.getRef()));
        events.expectMessageClass(io.troupe.booster.client.WorkActor.Ready.class, Duration.ofSeconds(30));
        TestProbe<io.troupe.booster.gateway.ExecutorGateway.SubWorkReply> reply = booster.createTestProbe();
        List<Long> times = new ArrayList<>();
        Random random = new Random(round * 31L + size);
        for (int i = 0; i < 40; i++) {
            byte[] content = new byte[size];
            random.nextBytes(content);
            Files.write(dir.resolve("in" + i), content);
            long start = System.nanoTime();
            work.tell(new io.troupe.booster.client.WorkActor.SubWork(new io.troupe.booster.gateway.ExecutorGateway.SubWorkArrived(
                    List.of("count", "in" + i), dir.toString(), java.util.Map.of("PATH", System.getenv("PATH")), reply.getRef())));
            var answer = reply.expectMessageClass(io.troupe.booster.gateway.ExecutorGateway.SubWorkReply.class, Duration.ofSeconds(30));
            assertEquals(0, answer.exitCode(), new String(answer.stderr()));
            if (i >= 10) {
                times.add(System.nanoTime() - start); // the first ten warm up
            }
        }
        work.tell(new io.troupe.booster.client.WorkActor.WorkCommandExited(0));
        events.expectMessageClass(io.troupe.booster.client.WorkActor.Finished.class, Duration.ofSeconds(30));
        times.sort(Long::compare);
        return times.get(times.size() / 2) / 1e6;
    }

    private interface Run {
        void run() throws Exception;
    }

    private static void report(String what, List<Path> files, Run run) throws Exception {
        long bytes = 0;
        for (Path f : files) {
            bytes += Files.size(f);
        }
        long start = System.nanoTime();
        run.run();
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("[bench] %-40s %8.1f ms %8.1f MiB/s%n", what, seconds * 1000, bytes / seconds / (1 << 20));
    }

    private Path file(String name, int size, boolean random) throws Exception {
        byte[] content = new byte[size];
        if (random) {
            new Random(name.hashCode()).nextBytes(content);
        } else {
            byte[] line = "static int counter_%d = 0; /* generated source text, compressible */\n".getBytes();
            Random r = new Random(name.hashCode());
            for (int i = 0; i < size; i++) {
                content[i] = i % line.length == 7 ? (byte) ('0' + r.nextInt(10)) : line[i % line.length];
            }
        }
        return Files.write(tmp.resolve(name), content);
    }

    private static void viaStreamRefs(ActorTestKit booster, ActorRef<SubWorkExecutor.Command> executor, List<Path> files)
            throws Exception {
        List<SubWorkExecutor.Blob> blobs = new ArrayList<>();
        List<CasStreams.LocalBlob> local = new ArrayList<>();
        for (Path f : files) {
            String digest = Digests.of(f);
            blobs.add(new SubWorkExecutor.Blob(digest, Files.size(f)));
            local.add(new CasStreams.LocalBlob(digest, f));
        }
        TestProbe<SubWorkExecutor.OfferReply> replies = booster.createTestProbe();
        executor.tell(new SubWorkExecutor.Offer("bench", blobs, replies.getRef()));
        var to = replies.expectMessageClass(SubWorkExecutor.UploadTo.class, Duration.ofSeconds(30));
        CasStreams.ofFiles(local).runWith(to.sink().getSink(), Materializer.matFromSystem(booster.system()));
        assertNull(replies.expectMessageClass(SubWorkExecutor.Uploaded.class, Duration.ofSeconds(120)).error());
    }

    private static void viaChunks(ActorTestKit booster, org.apache.pekko.actor.ActorRef target, List<Path> files)
            throws Exception {
        int window = 16;
        Semaphore permits = new Semaphore(window);
        List<String> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
        ActorRef<Ack> acks = booster.spawn(Behaviors.receiveMessage(ack -> {
            if (ack.error() != null) {
                errors.add(ack.error());
            }
            permits.release();
            return Behaviors.same();
        }));
        for (Path f : files) {
            String digest = Digests.of(f);
            List<Piece> pieces = CasStreams.ofBlob(digest, () -> FileChannel.open(f, StandardOpenOption.READ))
                    .runWith(Sink.seq(), Materializer.matFromSystem(booster.system())).toCompletableFuture().get();
            long seq = 0;
            for (Piece piece : pieces) {
                if (!permits.tryAcquire(60, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("no ack");
                }
                target.tell(new Chunk(seq++, piece, acks), org.apache.pekko.actor.ActorRef.noSender());
            }
        }
        if (!permits.tryAcquire(window, 60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("acks missing");
        }
        booster.stop(acks);
        assertEquals(List.of(), errors);
    }
}
