package io.troupe.booster.gateway;

import io.troupe.api.CborSerializable;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Listens on a Unix domain socket for booster-exec clients; each connection carries one intercepted
 * sub-work, handed to {@code sink} by a child {@link GatewayConnection}; the reply goes back to the client.
 *
 * <p>The accept loop runs on a dedicated thread and the per-connection reads and writes on the blocking
 * dispatcher ({@code troupe.blocking-dispatcher}, else Pekko's default blocking-io dispatcher), never on
 * the actor dispatcher. The socket file is created owner-only and removed when the gateway stops.
 */
public final class ExecutorGateway {

    public interface Command {}

    /** Lifecycle events sent to the owner. */
    public interface Event {}

    /** The socket is bound and accepting. */
    public record Bound(Path socket) implements Event, CborSerializable {}

    /** The socket could not be bound. */
    public record BindFailed(String reason) implements Event, CborSerializable {}

    /** One intercepted sub-work as booster-exec sent it. */
    public record SubWorkArrived(
            List<String> argv, String cwd, Map<String, String> env, Stdin stdin, ActorRef<SubWorkReply> replyTo)
            implements CborSerializable {

        /** A sub-work whose stdin is not known (a version-1 client, or made in-process): treated as empty. */
        public SubWorkArrived(List<String> argv, String cwd, Map<String, String> env, ActorRef<SubWorkReply> replyTo) {
            this(argv, cwd, env, Stdin.UNKNOWN, replyTo);
        }
    }

    /**
     * What the sub-work's stdin is, as booster-exec saw it.
     *
     * @param bytes the file's content when {@code kind} is {@link GatewayProtocol.StdinKind#FILE}, else empty
     * @param id which file it is ({@code st_dev:st_ino}, {@link StdinIdentity}), or ""
     */
    public record Stdin(GatewayProtocol.StdinKind kind, byte[] bytes, String id) implements CborSerializable {
        public static final Stdin UNKNOWN = new Stdin(GatewayProtocol.StdinKind.UNKNOWN, new byte[0], "");

        public Stdin {
            bytes = bytes == null ? new byte[0] : bytes;
            id = id == null ? "" : id;
        }

        public Stdin(GatewayProtocol.StdinKind kind, byte[] bytes) {
            this(kind, bytes, "");
        }
    }

    /**
     * What booster-exec prints and exits with; or, when {@code runLocally}, that it is to run the command itself
     * (inheriting its stdin), {@code stderr} then holding the reason.
     */
    public record SubWorkReply(int exitCode, byte[] stdout, byte[] stderr, boolean runLocally) implements CborSerializable {

        public SubWorkReply(int exitCode, byte[] stdout, byte[] stderr) {
            this(exitCode, stdout, stderr, false);
        }

        /** "Run it yourself": only booster-exec's own process can give the command its stdin. */
        public static SubWorkReply runLocally(String reason) {
            return new SubWorkReply(0, new byte[0], reason.getBytes(java.nio.charset.StandardCharsets.UTF_8), true);
        }
    }

    private record Opened(ServerSocketChannel server) implements Command, NoSerializationVerificationNeeded {}

    private record OpenFailed(Throwable cause) implements Command, NoSerializationVerificationNeeded {}

    private record Accepted(SocketChannel channel) implements Command, NoSerializationVerificationNeeded {}

    private record AcceptStopped(IOException cause) implements Command, NoSerializationVerificationNeeded {}

    private static final Logger LOG = LoggerFactory.getLogger(ExecutorGateway.class);

    private final ActorContext<Command> context;
    private final Path socketPath;
    private final ActorRef<SubWorkArrived> sink;
    private final ActorRef<Event> owner;
    private final Executor blockingExecutor;
    private final CompletableFuture<ServerSocketChannel> binding;
    private long connections;

    private ExecutorGateway(ActorContext<Command> context, Path socketPath, ActorRef<SubWorkArrived> sink,
            ActorRef<Event> owner, ServerSocketChannel bound) {
        this.context = context;
        this.socketPath = socketPath.toAbsolutePath();
        this.sink = sink;
        this.owner = owner;
        this.blockingExecutor = blockingExecutor(context);
        if (bound != null) {
            this.binding = CompletableFuture.completedFuture(bound);
            return;
        }
        this.binding = CompletableFuture.supplyAsync(this::open, blockingExecutor);
        context.pipeToSelf(binding, (server, error) -> error == null ? new Opened(server) : new OpenFailed(error));
    }

    public static Behavior<Command> create(Path socketPath, ActorRef<SubWorkArrived> sink, ActorRef<Event> owner) {
        return Behaviors.setup(context -> new ExecutorGateway(context, socketPath, sink, owner, null).opening());
    }

    /**
     * A gateway on a socket already bound by {@link GatewaySocket#bind} (the booster binds it before its actor
     * system starts): accepts at once, the clients that connected meanwhile first, and tells {@code owner}
     * {@link Bound}. The gateway closes it and removes the file when it stops.
     */
    public static Behavior<Command> adopt(ServerSocketChannel bound, Path socketPath, ActorRef<SubWorkArrived> sink,
            ActorRef<Event> owner) {
        return Behaviors.setup(context -> {
            ExecutorGateway gateway = new ExecutorGateway(context, socketPath, sink, owner, bound);
            return gateway.onOpened(new Opened(bound));
        });
    }

    /** The dispatcher for blocking socket I/O: Troupe's own when configured, else Pekko's blocking-io one. */
    static Executor blockingExecutor(ActorContext<?> context) {
        DispatcherSelector selector = context.getSystem().settings().config().hasPath("troupe.blocking-dispatcher")
                ? DispatcherSelector.fromConfig("troupe.blocking-dispatcher")
                : DispatcherSelector.blocking();
        return context.getSystem().dispatchers().lookup(selector);
    }

    private Behavior<Command> opening() {
        return Behaviors.receive(Command.class)
                .onMessage(Opened.class, this::onOpened)
                .onMessage(OpenFailed.class, this::onOpenFailed)
                .onSignal(PostStop.class, signal -> closeWhenOpened())
                .build();
    }

    private Behavior<Command> serving(ServerSocketChannel server) {
        return Behaviors.receive(Command.class)
                .onMessage(Accepted.class, this::onAccepted)
                .onMessage(AcceptStopped.class, this::onAcceptStopped)
                .onSignal(PostStop.class, signal -> close(server))
                .build();
    }

    private Behavior<Command> onOpened(Opened opened) {
        Thread acceptor = new Thread(() -> acceptLoop(opened.server(), context.getSelf()),
                "troupe-gateway-accept " + socketPath.getFileName());
        acceptor.setDaemon(true);
        acceptor.start();
        context.getLog().info("executor gateway listening on {}", socketPath);
        owner.tell(new Bound(socketPath));
        return serving(opened.server());
    }

    private Behavior<Command> onOpenFailed(OpenFailed failed) {
        Throwable cause = failed.cause().getCause() != null ? failed.cause().getCause() : failed.cause();
        owner.tell(new BindFailed("executor gateway cannot listen on " + socketPath + ": " + cause.getMessage()));
        return Behaviors.stopped();
    }

    private Behavior<Command> onAccepted(Accepted accepted) {
        connections++;
        context.spawn(GatewayConnection.create(accepted.channel(), sink, blockingExecutor), "conn-" + connections);
        return Behaviors.same();
    }

    private Behavior<Command> onAcceptStopped(AcceptStopped stopped) {
        context.getLog().error("executor gateway on {} stopped accepting: {}", socketPath, stopped.cause().toString());
        return Behaviors.stopped();
    }

    /** Runs on the dedicated accept thread until the server channel is closed. */
    private static void acceptLoop(ServerSocketChannel server, ActorRef<Command> self) {
        while (true) {
            try {
                self.tell(new Accepted(server.accept()));
            } catch (ClosedChannelException closed) {
                return; // the gateway stopped
            } catch (IOException e) {
                self.tell(new AcceptStopped(e));
                return;
            }
        }
    }

    /** Binds the socket (on the blocking executor): removes a stale socket file, refuses a live one. */
    private ServerSocketChannel open() {
        try {
            return GatewaySocket.bind(socketPath);
        } catch (IOException e) {
            throw new IllegalStateException(e.getMessage() == null ? e.toString() : e.getMessage(), e);
        }
    }

    private Behavior<Command> closeWhenOpened() {
        binding.thenAccept(this::closeQuietly);
        return Behaviors.same();
    }

    private Behavior<Command> close(ServerSocketChannel server) {
        closeQuietly(server);
        return Behaviors.same();
    }

    /** Also called from a future's thread, hence the plain logger. */
    private void closeQuietly(ServerSocketChannel server) {
        String problem = GatewaySocket.close(server, socketPath);
        if (problem != null) {
            LOG.warn(problem);
        }
    }
}
