package io.troupe.booster.toolchain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.troupe.booster.cas.Piece;
import io.troupe.booster.worker.SubWorkExecutor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.SinkRef;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.StreamRefs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** A shipping that runs out of time stops sending the toolchain's files, and the worker's side sees the upload end. */
@Tag("process")
class ToolchainShipperTest {

    private final ActorTestKit kit = ActorTestKit.create("troupe",
            ConfigFactory.parseString("pekko.actor.serialize-messages = on").withFallback(ConfigFactory.load()));

    @AfterEach
    void stop() {
        kit.shutdownTestKit();
    }

    @Test
    void aTimedOutShippingAbortsItsUpload() throws Exception {
        Path gcc = Path.of("/usr/bin/gcc");
        String key = Toolchains.keyOf(gcc).key();
        TestProbe<SubWorkExecutor.Command> worker = kit.createTestProbe();
        TestProbe<ToolchainShipper.Shipped> shipped = kit.createTestProbe();
        kit.spawn(ToolchainShipper.create(worker.getRef(), key, gcc, Duration.ofSeconds(10), shipped.getRef()), "ship");

        SubWorkExecutor.InstallToolchain install = worker.expectMessageClass(SubWorkExecutor.InstallToolchain.class,
                Duration.ofSeconds(60));
        // the largest file (cc1): more pieces than the stream's buffers hold, so its sending waits on the worker
        String digest = install.files().stream().max(java.util.Comparator.comparingLong(SubWorkExecutor.InputFile::size))
                .orElseThrow().digest();
        install.replyTo().tell(new SubWorkExecutor.ToolchainNeeds(install.installId(), List.of(digest)));
        SubWorkExecutor.Offer offer = worker.expectMessageClass(SubWorkExecutor.Offer.class, Duration.ofSeconds(20));

        // a worker that takes one piece and then no more, until the upload ends
        CompletableFuture<Throwable> receiverEnded = new CompletableFuture<>();
        SinkRef<Piece> sink = StreamRefs.<Piece>sinkRef()
                .to(Flow.<Piece>create()
                        .watchTermination((mat, done) -> {
                            done.whenComplete((ok, error) -> receiverEnded.complete(error));
                            return mat;
                        })
                        .mapAsync(1, piece -> new CompletableFuture<Piece>())
                        .to(Sink.ignore()))
                .run(Materializer.matFromSystem(kit.system()));
        offer.replyTo().tell(new SubWorkExecutor.UploadTo(offer.subWorkId(), sink, null));

        ToolchainShipper.Shipped ended = shipped.expectMessageClass(ToolchainShipper.Shipped.class, Duration.ofSeconds(30));
        assertTrue(ended.error() != null && ended.error().contains("had not installed toolchain"), String.valueOf(ended.error()));
        Throwable seen = receiverEnded.get(20, TimeUnit.SECONDS);
        assertNotNull(seen, "the upload ended as if complete");
    }

    /** A controller lives for days: a file of the toolchain replaced in place (an upgrade) is hashed again. */
    @Test
    void aBundleWhoseFileChangedIsMadeAgain(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        Path gcc = Files.copy(Path.of("/usr/bin/gcc").toRealPath(), tmp.resolve("gcc"));
        Files.setPosixFilePermissions(gcc, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        String key = "test " + tmp; // the bundles are kept per JVM
        java.util.concurrent.ExecutorService blocking = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            ToolchainBundle first = ToolchainShipper.bundle(key, gcc, blocking).get(60, TimeUnit.SECONDS);
            assertSame(first, ToolchainShipper.bundle(key, gcc, blocking).get(60, TimeUnit.SECONDS), "made once");

            // as a package upgrade does it: a new file renamed over the old one
            Path upgraded = Files.copy(gcc, tmp.resolve("gcc.new"));
            Files.write(upgraded, new byte[] {0}, java.nio.file.StandardOpenOption.APPEND);
            Files.move(upgraded, gcc, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            ToolchainBundle second = ToolchainShipper.bundle(key, gcc, blocking).get(60, TimeUnit.SECONDS);

            String driverDigest = second.files().stream().filter(f -> f.path().equals(second.driver())).findFirst()
                    .orElseThrow().digest();
            assertEquals(io.troupe.booster.cas.Digests.of(gcc), driverDigest, "the driver as it is now");
            assertSame(second, ToolchainShipper.bundle(key, gcc, blocking).get(60, TimeUnit.SECONDS), "made once again");
        } finally {
            blocking.shutdownNow();
        }
    }

    /** A bundle that could not be made is not kept: the next shipping tries again. */
    @Test
    void aBundleThatFailedIsTriedAgain(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        Path gcc = tmp.resolve("gcc");
        String key = "test " + tmp;
        // the task runs at once, in the caller: the failure is there before anything else can see it
        java.util.concurrent.Executor inCaller = Runnable::run;
        java.util.concurrent.ExecutionException failed = org.junit.jupiter.api.Assertions.assertThrows(
                java.util.concurrent.ExecutionException.class, () -> ToolchainShipper.bundle(key, gcc, inCaller).get());
        assertTrue(String.valueOf(failed.getCause()).contains(gcc.toString()), String.valueOf(failed.getCause()));

        Files.copy(Path.of("/usr/bin/gcc").toRealPath(), gcc);
        Files.setPosixFilePermissions(gcc, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        ToolchainBundle made = ToolchainShipper.bundle(key, gcc, inCaller).get(60, TimeUnit.SECONDS);
        assertTrue(made.localFiles().containsValue(gcc.toRealPath()), made.localFiles().toString());
    }
}
