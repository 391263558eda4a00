package io.troupe.node.admin;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;

/**
 * Who may make changing calls (reload): with a configured token, whoever sends
 * {@code Authorization: Bearer <token>}; without one, only callers on a loopback address. Either way not a
 * browser request another site started ({@link #crossSite}).
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

    /**
     * Whether a request is a browser's, started by a page of another origin: a link, image or form of any web
     * page a browser on the node shows would otherwise reload as a loopback caller. curl and other clients send
     * neither header, so they are never refused here.
     *
     * @param origin    the {@code Origin} header, if sent
     * @param host      the {@code Host} header ({@code host[:port]}), if sent
     * @param fetchSite the {@code Sec-Fetch-Site} header, if sent
     */
    public static boolean crossSite(Optional<String> origin, Optional<String> host, Optional<String> fetchSite) {
        if (fetchSite.isPresent() && !fetchSite.get().equals("same-origin") && !fetchSite.get().equals("none")) {
            return true;
        }
        // the admin API serves plain HTTP: the dashboard's own origin is http://<Host header>
        return origin.isPresent() && !origin.get().equalsIgnoreCase("http://" + host.orElse(""));
    }
}
