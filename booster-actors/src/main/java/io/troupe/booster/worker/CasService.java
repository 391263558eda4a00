package io.troupe.booster.worker;

import io.troupe.booster.cas.CasStreams;
import io.troupe.booster.cas.ContentStore;
import io.troupe.booster.cas.Digests;
import io.troupe.booster.cas.Piece;
import io.troupe.booster.cas.PieceReceiver;
import io.troupe.booster.worker.SubWorkExecutor.Blob;
import io.troupe.booster.worker.SubWorkExecutor.DownloadFrom;
import io.troupe.booster.worker.SubWorkExecutor.Fetch;
import io.troupe.booster.worker.SubWorkExecutor.InputFile;
import io.troupe.booster.worker.SubWorkExecutor.Offer;
import io.troupe.booster.worker.SubWorkExecutor.UploadTo;
import io.troupe.booster.worker.SubWorkExecutor.Uploaded;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.SinkRef;
import org.apache.pekko.stream.SourceRef;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.javadsl.StreamRefs;

/**
 * The worker's side of moving files: its {@link ContentStore}, a stream ref to upload missing blobs into, and a
 * stream ref to download result blobs from. Used by the {@link SubWorkExecutor} on its own thread; the streams
 * do their file I/O on the blocking dispatchers.
 */
final class CasService {

    private final ContentStore store;
    private final Materializer materializer;
    private final Executor blocking;
    private final long maxFileBytes;
    /** result downloads under way (their streams end on other threads): a draining worker waits for them */
    private final java.util.concurrent.atomic.AtomicInteger fetching = new java.util.concurrent.atomic.AtomicInteger();

    private CasService(ContentStore store, Materializer materializer, Executor blocking, long maxFileBytes) {
        this.store = store;
        this.materializer = materializer;
        this.blocking = blocking;
        this.maxFileBytes = maxFileBytes;
    }

    /** Opens the store once at start-up (a directory listing). */
    static CasService open(ActorContext<?> context, WorkerSettings settings, Executor blocking) {
        try {
            ContentStore store = ContentStore.open(settings.casDir(), settings.casMaxBytes());
            return new CasService(store, Materializer.matFromSystem(context.getSystem()), blocking, settings.maxFileBytes());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the worker's content store in " + settings.casDir()
                    + " (troupe.worker.cas.dir): " + e.getMessage(), e);
        }
    }

    ContentStore store() {
        return store;
    }

    /** Digests of inputs sent by digest that the store lacks. */
    List<String> missing(List<InputFile> inputs) {
        List<String> digests = new ArrayList<>();
        for (InputFile input : inputs) {
            if (!input.inline()) {
                digests.add(input.digest());
            }
        }
        return digests.isEmpty() ? List.of() : store.missing(digests);
    }

    void offer(Offer offer) {
        Map<String, Long> sizes = new HashMap<>();
        for (Blob blob : offer.blobs()) {
            if (!Digests.valid(blob.digest())) {
                offer.replyTo().tell(new UploadTo(offer.subWorkId(), null, "'" + blob.digest() + "' is not a SHA-256 digest"));
                return;
            }
            if (blob.size() > maxFileBytes) {
                offer.replyTo().tell(new UploadTo(offer.subWorkId(), null, "blob " + blob.digest() + " is " + blob.size()
                        + " bytes, more than troupe.worker.max-file-size = " + maxFileBytes));
                return;
            }
            sizes.put(blob.digest(), blob.size());
        }
        PieceReceiver receiver = new PieceReceiver(List.copyOf(sizes.keySet()),
                digest -> store.writer(digest, sizes.get(digest)));
        var materialized = StreamRefs.<Piece>sinkRef()
                .toMat(CasStreams.into(receiver, blocking), org.apache.pekko.stream.javadsl.Keep.both())
                .run(materializer);
        SinkRef<Piece> sink = materialized.first();
        materialized.second().whenComplete((done, error) -> offer.replyTo().tell(new Uploaded(offer.subWorkId(),
                error == null ? null : "upload to " + store.dir() + " failed: " + io.troupe.booster.Failures.messageOf(error))));
        offer.replyTo().tell(new UploadTo(offer.subWorkId(), sink, null));
    }

    /** Result downloads still streaming. */
    int fetching() {
        return fetching.get();
    }

    void fetch(Fetch fetch) {
        List<String> absent = new ArrayList<>();
        for (Blob blob : fetch.blobs()) {
            if (!store.contains(blob.digest())) {
                absent.add(blob.digest());
            }
        }
        if (!absent.isEmpty()) {
            fetch.replyTo().tell(new DownloadFrom(fetch.subWorkId(), null, "the worker's content store no longer holds " + absent));
            return;
        }
        fetching.incrementAndGet();
        SourceRef<Piece> source = Source.from(fetch.blobs())
                .flatMapConcat(blob -> CasStreams.ofBlob(blob.digest(), () -> store.open(blob.digest())))
                .watchTermination((notUsed, ended) -> ended.whenComplete((done, error) -> fetching.decrementAndGet()))
                .runWith(StreamRefs.sourceRef(), materializer);
        fetch.replyTo().tell(new DownloadFrom(fetch.subWorkId(), source, null));
    }
}
