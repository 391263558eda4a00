package io.troupe.booster.gateway;

import io.troupe.booster.gateway.ExecutorGateway.SubWorkArrived;
import io.troupe.booster.gateway.ExecutorGateway.SubWorkReply;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * One booster-exec connection: reads the request, hands it to the sink as a {@link SubWorkArrived},
 * writes the reply back and stops, closing the connection. Socket calls on the actor's thread are
 * non-blocking only; whatever would wait (a slow client) waits on the blocking dispatcher.
 * If the sink dies first, the connection is closed without a reply and booster-exec runs the command
 * locally.
 */
final class GatewayConnection {

    interface Command {}

    private record RequestRead(GatewayProtocol.Request request) implements Command, NoSerializationVerificationNeeded {}

    private record ReadFailed(Throwable cause) implements Command, NoSerializationVerificationNeeded {}

    private record ReplyArrived(SubWorkReply reply) implements Command, NoSerializationVerificationNeeded {}

    private record WriteDone(Throwable error) implements Command, NoSerializationVerificationNeeded {}

    private final ActorContext<Command> context;
    private final SocketChannel channel;
    private final ActorRef<SubWorkArrived> sink;
    private final Executor blockingExecutor;
    /** the protocol version of the request: the reply is written in the same one */
    private int version = 1;

    private GatewayConnection(ActorContext<Command> context, SocketChannel channel, ActorRef<SubWorkArrived> sink,
            Executor blockingExecutor) {
        this.context = context;
        this.channel = channel;
        this.sink = sink;
        this.blockingExecutor = blockingExecutor;
    }

    static Behavior<Command> create(SocketChannel channel, ActorRef<SubWorkArrived> sink, Executor blockingExecutor) {
        return Behaviors.setup(context -> new GatewayConnection(context, channel, sink, blockingExecutor).start());
    }

    /**
     * booster-exec writes its whole request right after connecting, so it is usually there already: one
     * non-blocking read takes it without a thread hop. Otherwise the rest is read on the blocking dispatcher.
     */
    private Behavior<Command> start() {
        ByteBuffer head = ByteBuffer.allocate(1 << 16);
        try {
            channel.configureBlocking(false);
            channel.read(head);
            channel.configureBlocking(true);
        } catch (IOException e) {
            return onReadFailed(new ReadFailed(e));
        }
        byte[] prefix = Arrays.copyOf(head.array(), head.position());
        try {
            return onRequestRead(new RequestRead(GatewayProtocol.readRequest(new ByteArrayInputStream(prefix))));
        } catch (IOException incompleteOrBad) {
            // read again with the rest of the stream; a malformed request fails there with its reason
        }
        CompletableFuture<GatewayProtocol.Request> read = CompletableFuture.supplyAsync(() -> read(prefix), blockingExecutor);
        context.pipeToSelf(read, (request, error) -> error == null ? new RequestRead(request) : new ReadFailed(error));
        return reading();
    }

    private Behavior<Command> reading() {
        return Behaviors.receive(Command.class)
                .onMessage(RequestRead.class, this::onRequestRead)
                .onMessage(ReadFailed.class, this::onReadFailed)
                .onSignal(PostStop.class, signal -> closeChannel())
                .build();
    }

    private Behavior<Command> awaitingReply() {
        return Behaviors.receive(Command.class)
                .onMessage(ReplyArrived.class, this::onReplyArrived)
                .onSignal(Terminated.class, this::onSinkTerminated)
                .onSignal(PostStop.class, signal -> closeChannel())
                .build();
    }

    private Behavior<Command> writing() {
        return Behaviors.receive(Command.class)
                .onMessage(WriteDone.class, this::onWriteDone)
                .onSignal(PostStop.class, signal -> closeChannel())
                .build();
    }

    private Behavior<Command> onRequestRead(RequestRead read) {
        GatewayProtocol.Request request = read.request();
        ActorRef<SubWorkReply> replyTo = context.messageAdapter(SubWorkReply.class, ReplyArrived::new);
        context.watch(sink);
        version = request.version();
        sink.tell(new SubWorkArrived(request.argv(), request.cwd(), request.env(),
                new ExecutorGateway.Stdin(request.stdinKind(), request.stdin(), request.stdinId()), replyTo));
        return awaitingReply();
    }

    private Behavior<Command> onReadFailed(ReadFailed failed) {
        Throwable cause = failed.cause() instanceof CompletionException && failed.cause().getCause() != null
                ? failed.cause().getCause()
                : failed.cause();
        if (cause instanceof EOFException) {
            context.getLog().debug("booster-exec connection closed without a request: {}", cause.getMessage());
        } else {
            context.getLog().warn("booster-exec sent a bad request, closing: {}", cause.toString());
        }
        return Behaviors.stopped();
    }

    private Behavior<Command> onReplyArrived(ReplyArrived arrived) {
        context.unwatch(sink);
        SubWorkReply reply = arrived.reply();
        ByteBuffer bytes = ByteBuffer.wrap(version >= 2
                ? GatewayProtocol.encodeReply(reply.exitCode(), reply.stdout(), reply.stderr(), reply.runLocally())
                : GatewayProtocol.encodeReply(reply.exitCode(), reply.stdout(), reply.stderr()));
        // a reply that fits the socket buffer (almost all) is written with one non-blocking write, right here;
        // only the rest waits for booster-exec to read, on the blocking dispatcher
        try {
            channel.configureBlocking(false);
            channel.write(bytes);
            if (!bytes.hasRemaining()) {
                return Behaviors.stopped();
            }
            channel.configureBlocking(true);
        } catch (IOException e) {
            return onWriteDone(new WriteDone(e));
        }
        CompletableFuture<Void> write = CompletableFuture.runAsync(() -> writeRest(bytes), blockingExecutor);
        // a non-null value: a null one reaching this actor after it stopped fails Pekko's dead-letter listener
        context.pipeToSelf(write.handle((ok, error) -> new WriteDone(error)), (done, error) -> done);
        return writing();
    }

    private Behavior<Command> onSinkTerminated(Terminated terminated) {
        context.getLog().warn("the booster's sub-work sink stopped; booster-exec will run the command locally");
        return Behaviors.stopped();
    }

    private Behavior<Command> onWriteDone(WriteDone done) {
        if (done.error() != null) {
            // booster-exec was killed (say, make was interrupted) before its answer came
            context.getLog().debug("booster-exec went away before its reply: {}", done.error().toString());
        }
        return Behaviors.stopped();
    }

    private GatewayProtocol.Request read(byte[] prefix) {
        try {
            InputStream rest = new BufferedInputStream(Channels.newInputStream(channel), 1 << 16);
            return GatewayProtocol.readRequest(new SequenceInputStream(new ByteArrayInputStream(prefix), rest));
        } catch (IOException e) {
            throw new CompletionException(e);
        }
    }

    private void writeRest(ByteBuffer bytes) {
        try {
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
        } catch (IOException e) {
            throw new CompletionException(e);
        }
    }

    private Behavior<Command> closeChannel() {
        try {
            channel.close();
        } catch (IOException e) {
            context.getLog().debug("closing booster-exec connection: {}", e.toString());
        }
        return Behaviors.same();
    }
}
