package io.troupe.booster.gateway;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The gateway's listening Unix socket, in plain Java: the booster binds it before its actor system exists, so
 * the work command starts at once; booster-exec clients that connect before the {@link ExecutorGateway} accepts
 * wait in the listen backlog (booster-exec has no connect or read timeout).
 */
public final class GatewaySocket {

    /** Room for a build's first burst of sub-works while the actor system starts. */
    static final int BACKLOG = 1024;

    private GatewaySocket() {}

    /**
     * Binds {@code socketPath} owner-only, removing a stale socket file and refusing a live one.
     *
     * @throws IOException with a message naming the path
     */
    public static ServerSocketChannel bind(Path socketPath) throws IOException {
        Files.createDirectories(socketPath.getParent());
        if (Files.exists(socketPath, LinkOption.NOFOLLOW_LINKS)) {
            removeStale(socketPath);
        }
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            server.bind(UnixDomainSocketAddress.of(socketPath), BACKLOG);
            // only this user's processes may hand the booster work
            Files.setPosixFilePermissions(socketPath, PosixFilePermissions.fromString("rw-------"));
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
        return server;
    }

    private static void removeStale(Path socketPath) throws IOException {
        BasicFileAttributes attributes =
                Files.readAttributes(socketPath, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (!attributes.isOther()) {
            throw new IOException(socketPath + " exists and is not a socket");
        }
        boolean live;
        try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(socketPath))) {
            live = probe.isConnected();
        } catch (IOException refused) {
            live = false;
        }
        if (live) {
            throw new IOException("another booster is already listening on " + socketPath);
        }
        Files.deleteIfExists(socketPath); // nobody listens: left over from a killed booster
    }

    /** Closes {@code server} and removes its socket file; returns what went wrong, or null. */
    public static String close(ServerSocketChannel server, Path socketPath) {
        String problem = null;
        try {
            server.close();
        } catch (IOException e) {
            problem = "closing executor gateway socket " + socketPath + ": " + e;
        }
        try {
            Files.deleteIfExists(socketPath);
        } catch (IOException e) {
            problem = "cannot remove socket file " + socketPath + ": " + e;
        }
        return problem;
    }
}
