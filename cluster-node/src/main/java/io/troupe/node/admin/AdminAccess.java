package io.troupe.node.admin;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;

/**
 * Who may make changing calls (reload): with a configured token, whoever sends
 * {@code Authorization: Bearer <token>}; without one, only callers on a loopback address.
 */
public final class AdminAccess {

    /** The outcome of a check; {@code reason} is shown to a refused caller. */
    public enum Verdict { ALLOWED, NEEDS_TOKEN, LOOPBACK_ONLY }

    private final byte[] token;

    /** @param token {@code troupe.admin.token}; empty = loopback only */
    public AdminAccess(String token) {
        this.token = token.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * @param peer          the connection's peer address (never a forwarded header), if known
     * @param authorization the {@code Authorization} header, if sent
     */
    public Verdict check(Optional<InetAddress> peer, Optional<String> authorization) {
        if (token.length > 0) {
            byte[] presented = authorization
                    .filter(value -> value.startsWith("Bearer "))
                    .map(value -> value.substring("Bearer ".length()).trim().getBytes(StandardCharsets.UTF_8))
                    .orElse(new byte[0]);
            // constant-time comparison: the token must not leak through response timing
            return MessageDigest.isEqual(presented, token) ? Verdict.ALLOWED : Verdict.NEEDS_TOKEN;
        }
        return peer.map(InetAddress::isLoopbackAddress).orElse(false) ? Verdict.ALLOWED : Verdict.LOOPBACK_ONLY;
    }
}
