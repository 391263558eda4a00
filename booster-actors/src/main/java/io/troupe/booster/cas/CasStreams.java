package io.troupe.booster.cas;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;

/**
 * File bytes as streams of {@link Piece}s: read in {@link #CHUNK} pieces, LZ4-compressed, one end marker per
 * blob. Reading runs on Pekko Streams' blocking-I/O dispatcher, writing on the given executor.
 */
public final class CasStreams {
    private CasStreams() {}

    /** Raw bytes per piece: large enough to amortize per-element cost, far below the Artery frame. */
    public static final int CHUNK = 512 * 1024;

    /** Where stream stages that write files run. */
    public static final String BLOCKING_DISPATCHER = "troupe.blocking-dispatcher";

    /** Opens a blob for reading; null when it is gone. */
    @FunctionalInterface
    public interface ChannelOpener {
        FileChannel open() throws IOException;
    }

    /** A local file to send as blob {@code digest}. */
    public record LocalBlob(String digest, Path path) {}

    /**
     * The pieces of several local files, one after another, from one resource (no sub-stream per file: a
     * thousand headers cost a thousand file opens, not a thousand materializations).
     */
    public static Source<Piece, NotUsed> ofFiles(List<LocalBlob> blobs) {
        return Source.<Piece, FileSequence>unfoldResource(() -> new FileSequence(blobs), FileSequence::next,
                FileSequence::close);
    }

    /** Reads the files in turn; an end marker after each. */
    private static final class FileSequence {
        private final List<LocalBlob> blobs;
        private int index = -1;
        private FileChannel channel;

        FileSequence(List<LocalBlob> blobs) {
            this.blobs = blobs;
        }

        Optional<Piece> next() throws IOException {
            if (channel == null) {
                if (++index >= blobs.size()) {
                    return Optional.empty();
                }
                channel = FileChannel.open(blobs.get(index).path(), StandardOpenOption.READ);
            }
            String digest = blobs.get(index).digest();
            Optional<Piece> piece = read(digest, channel);
            if (piece.isPresent()) {
                return piece;
            }
            channel.close();
            channel = null;
            return Optional.of(Piece.end(digest));
        }

        void close() throws IOException {
            if (channel != null) {
                channel.close();
            }
        }
    }

    /** The pieces of one blob and its end marker. */
    public static Source<Piece, NotUsed> ofBlob(String digest, ChannelOpener opener) {
        return Source.<Piece, FileChannel>unfoldResource(() -> {
                    FileChannel channel = opener.open();
                    if (channel == null) {
                        throw new IOException("blob " + digest + " is no longer stored");
                    }
                    return channel;
                }, channel -> read(digest, channel), FileChannel::close)
                .concat(Source.single(Piece.end(digest)));
    }

    private static Optional<Piece> read(String digest, FileChannel channel) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(CHUNK);
        while (buffer.hasRemaining()) {
            if (channel.read(buffer) < 0) {
                break;
            }
        }
        if (buffer.position() == 0) {
            return Optional.empty();
        }
        return Optional.of(Compression.piece(digest, buffer.array(), buffer.position()));
    }

    /**
     * A sink that hands each piece to {@code receiver} on {@code blocking}; its value completes when every
     * announced blob is verified and in place, or fails naming what went wrong.
     */
    public static Sink<Piece, CompletionStage<Done>> into(PieceReceiver receiver, Executor blocking) {
        return Flow.<Piece>create()
                .map(piece -> {
                    receiver.accept(piece);
                    return Done.getInstance();
                })
                // writing runs where the stream runs: give this island the blocking dispatcher (no hop per piece)
                .async(BLOCKING_DISPATCHER)
                .toMat(Sink.ignore(), Keep.right())
                .mapMaterializedValue(done -> done.handleAsync((ok, error) -> {
                    if (error != null) {
                        receiver.fail();
                        throw error instanceof CompletionException c ? c : new CompletionException(error);
                    }
                    try {
                        receiver.finish();
                    } catch (IOException e) {
                        throw new CompletionException(e);
                    }
                    return Done.getInstance();
                }, blocking));
    }
}
