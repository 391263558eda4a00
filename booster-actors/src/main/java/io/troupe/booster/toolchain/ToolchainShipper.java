package io.troupe.booster.toolchain;

import io.troupe.booster.Failures;
import io.troupe.booster.cas.CasStreams;
import io.troupe.booster.cas.Digests;
import io.troupe.booster.worker.SubWorkExecutor;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import org.apache.pekko.Done;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.UniqueKillSwitch;
import org.apache.pekko.stream.javadsl.Keep;

/**
 * Ships one toolchain to one worker (TBS's {@code --search_toolchain}): makes the compiler's {@link ToolchainBundle}
 * (once per key in this JVM, again when one of its files has changed since), asks the worker to install it, streams
 * the files its content store lacks as a sub-work's inputs are streamed, asks again, and tells {@link Shipped} how it
 * ended. Then it stops.
 */
public final class ToolchainShipper extends AbstractBehavior<ToolchainShipper.Command> {

    public interface Command extends NoSerializationVerificationNeeded {}

    /** How the shipping ended: {@code error} is null when the worker holds {@code key} now. */
    public record Shipped(ActorRef<SubWorkExecutor.Command> worker, String key, String error)
            implements NoSerializationVerificationNeeded {}

    private record BundleMade(ToolchainBundle bundle, Throwable error) implements Command {}

    private record InstallAnswered(SubWorkExecutor.InstallReply reply) implements Command {}

    private record UploadAnswered(SubWorkExecutor.OfferReply reply) implements Command {}

    private record StreamEnded(Throwable error) implements Command {}

    private enum TimedOut implements Command { INSTANCE }

    /** bundles by key: hashing a compiler's 80 MB once per booster (or controller), not once per worker */
    private static final Map<String, CompletableFuture<Gathered>> BUNDLES = new ConcurrentHashMap<>();

    /**
     * A bundle and what its files were when hashed. A controller lives for days, and an upgrade in place (binutils'
     * {@code as}, the C library) changes a file but not the driver, whose digest the key names.
     */
    private record Gathered(ToolchainBundle bundle, Map<Path, Digests.Stamp> stamps) {
        static Gathered of(Path compiler) throws IOException {
            Map<Path, Digests.Stamp> stamps = new HashMap<>();
            ToolchainBundle bundle = ToolchainBundle.of(compiler, stamps);
            return new Gathered(bundle, stamps);
        }

        boolean unchanged() {
            try {
                for (Map.Entry<Path, Digests.Stamp> file : stamps.entrySet()) {
                    if (!Digests.Stamp.of(file.getKey()).equals(file.getValue())) {
                        return false;
                    }
                }
                return true;
            } catch (IOException e) {
                return false; // gone: gathering again says why
            }
        }
    }

    private final ActorRef<SubWorkExecutor.Command> worker;
    private final String key;
    private final ActorRef<Shipped> replyTo;
    private final String installId;
    private final ActorRef<SubWorkExecutor.InstallReply> installReplies;
    private final ActorRef<SubWorkExecutor.OfferReply> uploadReplies;
    private final Duration timeout;
    private ToolchainBundle bundle;
    private List<String> missing = List.of();
    private int uploads;
    /** the files' stream while one runs: aborted when the shipping ends first, so a timed-out upload stops */
    private UniqueKillSwitch upload;

    /**
     * @param compiler this machine's compiler with that key
     * @param timeout longest the whole shipping may take
     */
    public static Behavior<Command> create(ActorRef<SubWorkExecutor.Command> worker, String key, Path compiler,
            Duration timeout, ActorRef<Shipped> replyTo) {
        return Behaviors.setup(context -> Behaviors.withTimers(timers -> {
            timers.startSingleTimer(TimedOut.INSTANCE, timeout);
            return new ToolchainShipper(context, worker, key, compiler, timeout, replyTo);
        }));
    }

    private ToolchainShipper(ActorContext<Command> context, ActorRef<SubWorkExecutor.Command> worker, String key,
            Path compiler, Duration timeout, ActorRef<Shipped> replyTo) {
        super(context);
        this.worker = worker;
        this.key = key;
        this.replyTo = replyTo;
        this.timeout = timeout;
        this.installId = "toolchain-" + context.getSelf().path().name();
        this.installReplies = context.messageAdapter(SubWorkExecutor.InstallReply.class, InstallAnswered::new);
        this.uploadReplies = context.messageAdapter(SubWorkExecutor.OfferReply.class, UploadAnswered::new);
        Executor blocking = context.getSystem().dispatchers().lookup(DispatcherSelector.fromConfig(CasStreams.BLOCKING_DISPATCHER));
        context.pipeToSelf(bundle(key, compiler, blocking), BundleMade::new);
    }

    /** The key's bundle: the one made before if its files are as they were then, else made again (once). */
    static CompletableFuture<ToolchainBundle> bundle(String key, Path compiler, Executor blocking) {
        CompletableFuture<Gathered> cached = cachedOrMade(key, null, compiler, blocking);
        return cached.thenComposeAsync(made -> made.unchanged() ? CompletableFuture.completedFuture(made)
                : cachedOrMade(key, cached, compiler, blocking), blocking).thenApply(Gathered::bundle);
    }

    /** The key's entry, made anew when there is none or it is {@code stale}; one that fails leaves the map. */
    private static CompletableFuture<Gathered> cachedOrMade(String key, CompletableFuture<Gathered> stale, Path compiler,
            Executor blocking) {
        CompletableFuture<Gathered> entry = BUNDLES.compute(key, (k, now) -> now == null || now == stale
                ? CompletableFuture.supplyAsync(() -> {
                    try {
                        return Gathered.of(compiler);
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }, blocking)
                : now);
        // registered outside compute: a future failed already runs this at once, which must not touch the map in it
        entry.whenComplete((done, error) -> {
            if (error != null) {
                BUNDLES.remove(key, entry); // the next attempt tries again
            }
        });
        return entry;
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(BundleMade.class, this::onBundleMade)
                .onMessage(InstallAnswered.class, this::onInstallAnswered)
                .onMessage(UploadAnswered.class, this::onUploadAnswered)
                .onMessage(StreamEnded.class, this::onStreamEnded)
                .onMessageEquals(TimedOut.INSTANCE, this::onTimedOut)
                .build();
    }

    private Behavior<Command> onBundleMade(BundleMade made) {
        if (made.error() != null) {
            return end("cannot gather the files of toolchain " + key + ": " + Failures.messageOf(made.error()));
        }
        bundle = made.bundle();
        getContext().getLog().info("shipping toolchain {} ({} files, {} bytes) to worker {}", key, bundle.files().size(),
                bundle.bytes(), worker.path().address());
        return install();
    }

    private Behavior<Command> install() {
        worker.tell(new SubWorkExecutor.InstallToolchain(installId, key, bundle.driver(), bundle.interpreter(),
                bundle.files(), installReplies));
        return this;
    }

    private Behavior<Command> onInstallAnswered(InstallAnswered answered) {
        if (answered.reply() instanceof SubWorkExecutor.ToolchainNeeds needs && needs.installId().equals(installId)) {
            if (++uploads > 2) {
                return end("worker " + worker.path().address() + " lost the toolchain's files again after they were sent");
            }
            List<SubWorkExecutor.Blob> blobs = new ArrayList<>();
            for (String digest : needs.missing()) {
                if (!bundle.localFiles().containsKey(digest)) {
                    return end("worker " + worker.path().address() + " asked for blob " + digest
                            + ", which is not a file of the toolchain");
                }
                long size = bundle.files().stream().filter(f -> digest.equals(f.digest())).findFirst().orElseThrow().size();
                blobs.add(new SubWorkExecutor.Blob(digest, size));
            }
            missing = needs.missing();
            worker.tell(new SubWorkExecutor.Offer(installId, blobs, uploadReplies));
        } else if (answered.reply() instanceof SubWorkExecutor.ToolchainInstalled installed
                && installed.installId().equals(installId)) {
            return end(installed.error());
        }
        return this;
    }

    private Behavior<Command> onUploadAnswered(UploadAnswered answered) {
        if (answered.reply() instanceof SubWorkExecutor.UploadTo to && to.subWorkId().equals(installId)) {
            if (to.sink() == null) {
                return end("worker " + worker.path().address() + " refused the toolchain's files: " + to.error());
            }
            List<CasStreams.LocalBlob> blobs = new ArrayList<>();
            for (String digest : missing) {
                blobs.add(new CasStreams.LocalBlob(digest, bundle.localFiles().get(digest)));
            }
            Pair<UniqueKillSwitch, CompletionStage<Done>> running = CasStreams.ofFiles(blobs)
                    .viaMat(KillSwitches.single(), Keep.right())
                    .watchTermination(Keep.both())
                    .to(to.sink().getSink())
                    .run(Materializer.matFromSystem(getContext().getSystem()));
            upload = running.first();
            getContext().pipeToSelf(running.second(), (done, error) -> new StreamEnded(error));
        } else if (answered.reply() instanceof SubWorkExecutor.Uploaded uploaded && uploaded.subWorkId().equals(installId)) {
            if (uploaded.error() != null) {
                return end("worker " + worker.path().address() + ": " + uploaded.error());
            }
            return install();
        }
        return this;
    }

    private Behavior<Command> onStreamEnded(StreamEnded ended) {
        upload = null;
        if (ended.error() == null) {
            return this; // success is confirmed by the worker's Uploaded
        }
        return end("sending the toolchain's files to worker " + worker.path().address() + " failed: "
                + Failures.messageOf(ended.error()));
    }

    private Behavior<Command> onTimedOut() {
        return end("worker " + worker.path().address() + " had not installed toolchain " + key + " after " + timeout.toSeconds() + " s");
    }

    private Behavior<Command> end(String error) {
        if (upload != null) {
            // the worker's sink fails with this, and drops what it received of the files
            upload.abort(new java.util.concurrent.CancellationException("shipping toolchain " + key + " ended: " + error));
        }
        replyTo.tell(new Shipped(worker, key, error));
        return Behaviors.stopped();
    }
}
