package io.troupe.booster.worker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.booster.TestClusters;
import io.troupe.booster.cas.BlobWriter;
import io.troupe.booster.cas.CasStreams;
import io.troupe.booster.cas.Digests;
import io.troupe.booster.cas.PieceReceiver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.stream.Materializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The worker's side of moving files, in one actor system: NeedInputs, upload, run, result by digest, fetch. */
@Tag("multinode")
class CasServiceTest {

    @TempDir
    Path tmp;

    private ActorTestKit kit;

    @AfterEach
    void stop() {
        if (kit != null) {
            kit.shutdownTestKit();
        }
    }

    @Test
    void missingInputsAreAskedForUploadedAndLargeResultsFetchedByDigest() throws Exception {
        var node = TestClusters.worker(tmp.resolve("sandboxes"), List.of("sh"),
                "troupe.worker.max-file-size = 4 MiB\ntroupe.worker.heartbeat-interval = 0s");
        kit = node.kit();
        var worker = node.worker();
        byte[] input = new byte[300_000];
        new Random(1).nextBytes(input);
        String digest = Digests.of(input);
        Path local = Files.write(tmp.resolve("in.bin"), input);
        var step = new SubWorkExecutor.Step("sh", null, List.of("-c", "cat in.bin in.bin > out.bin"), List.of(),
                List.of("out.bin"));
        TestProbe<SubWorkExecutor.Reply> replies = kit.createTestProbe();
        var execute = new SubWorkExecutor.Execute("s#1", List.of(step),
                List.of(SubWorkExecutor.InputFile.byDigest("in.bin", digest, input.length, false)), 0,
                replies.getRef(), replies.getRef());

        worker.tell(execute);
        assertEquals(List.of(digest), replies.expectMessageClass(SubWorkExecutor.NeedInputs.class).missing());

        TestProbe<SubWorkExecutor.OfferReply> offers = kit.createTestProbe();
        worker.tell(new SubWorkExecutor.Offer("s#1", List.of(new SubWorkExecutor.Blob(digest, input.length)), offers.getRef()));
        var to = offers.expectMessageClass(SubWorkExecutor.UploadTo.class);
        CasStreams.ofFiles(List.of(new CasStreams.LocalBlob(digest, local)))
                .runWith(to.sink().getSink(), Materializer.matFromSystem(kit.system()));
        assertNull(offers.expectMessageClass(SubWorkExecutor.Uploaded.class, Duration.ofSeconds(20)).error());

        worker.tell(execute);
        var done = replies.expectMessageClass(SubWorkExecutor.Done.class, Duration.ofSeconds(20));
        var result = done.results().get(0).files().get(0);
        assertNull(result.content(), "600 KB is past troupe.worker.cas.inline-bytes: by digest");
        assertEquals(2L * input.length, result.size());

        TestProbe<SubWorkExecutor.DownloadFrom> downloads = kit.createTestProbe();
        worker.tell(new SubWorkExecutor.Fetch("s#1", List.of(new SubWorkExecutor.Blob(result.digest(), result.size())),
                downloads.getRef()));
        var from = downloads.expectMessageClass(SubWorkExecutor.DownloadFrom.class);
        assertNotNull(from.source(), from.error());
        Path target = tmp.resolve("client/out.bin");
        PieceReceiver receiver = new PieceReceiver(List.of(result.digest()),
                d -> BlobWriter.toFile(d, result.size(), target));
        from.source().getSource().runWith(CasStreams.into(receiver, Runnable::run), Materializer.matFromSystem(kit.system()))
                .toCompletableFuture().get(20, java.util.concurrent.TimeUnit.SECONDS);
        byte[] expected = new byte[2 * input.length];
        System.arraycopy(input, 0, expected, 0, input.length);
        System.arraycopy(input, 0, expected, input.length, input.length);
        assertArrayEquals(expected, Files.readAllBytes(target));

        // a second run with the same input is accepted at once
        worker.tell(new SubWorkExecutor.Execute("s#2", List.of(step), execute.inputs(), 0, replies.getRef(), replies.getRef()));
        replies.expectMessageClass(SubWorkExecutor.Done.class, Duration.ofSeconds(20));

        // an input over troupe.worker.max-file-size is refused naming it and the limit
        worker.tell(new SubWorkExecutor.Execute("s#3", List.of(step), List.of(SubWorkExecutor.InputFile.byDigest("huge.bin",
                digest, 5L << 20, false)), 0, replies.getRef(), replies.getRef()));
        var refused = replies.expectMessageClass(SubWorkExecutor.Failed.class);
        assertEquals(SubWorkExecutor.Failure.TOO_LARGE, refused.failure());
        assertTrue(refused.message().contains("input file 'huge.bin' is 5242880 bytes, more than troupe.worker.max-file-size = 4194304"),
                refused.message());
    }
}
