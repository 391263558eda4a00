package io.troupe.node.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetAddress;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The rule for changing calls, including peers this test cannot reach over a real socket. */
class AdminAccessTest {
    private static final Optional<InetAddress> LOOPBACK = Optional.of(InetAddress.getLoopbackAddress());
    private static final Optional<InetAddress> REMOTE = Optional.of(address("10.1.2.3"));

    @Test
    void withoutTokenOnlyLoopbackPeersMayChange() {
        AdminAccess access = new AdminAccess("");
        assertEquals(AdminAccess.Verdict.ALLOWED, access.check(LOOPBACK, Optional.empty()));
        assertEquals(AdminAccess.Verdict.ALLOWED, access.check(Optional.of(address("::1")), Optional.empty()));
        assertEquals(AdminAccess.Verdict.LOOPBACK_ONLY, access.check(REMOTE, Optional.empty()));
        assertEquals(AdminAccess.Verdict.LOOPBACK_ONLY, access.check(Optional.empty(), Optional.empty()));
        assertEquals(AdminAccess.Verdict.LOOPBACK_ONLY, access.check(REMOTE, Optional.of("Bearer anything")));
    }

    @Test
    void withTokenEveryPeerNeedsIt() {
        AdminAccess access = new AdminAccess("s3cret");
        assertEquals(AdminAccess.Verdict.ALLOWED, access.check(REMOTE, Optional.of("Bearer s3cret")));
        assertEquals(AdminAccess.Verdict.NEEDS_TOKEN, access.check(LOOPBACK, Optional.empty()));
        assertEquals(AdminAccess.Verdict.NEEDS_TOKEN, access.check(REMOTE, Optional.of("Bearer s3cre")));
        assertEquals(AdminAccess.Verdict.NEEDS_TOKEN, access.check(REMOTE, Optional.of("Basic s3cret")));
    }

    @Test
    void aBrowserRequestFromAnotherSiteIsCrossSite() {
        Optional<String> host = Optional.of("127.0.0.1:8421");
        Optional<String> none = Optional.empty();
        assertEquals(false, AdminAccess.crossSite(none, host, none), "curl sends neither header");
        assertEquals(false, AdminAccess.crossSite(Optional.of("http://127.0.0.1:8421"), host,
                Optional.of("same-origin")), "the dashboard's own fetch");
        assertEquals(false, AdminAccess.crossSite(none, host, Optional.of("none")), "typed into the address bar");
        assertEquals(true, AdminAccess.crossSite(none, host, Optional.of("cross-site")), "an <img> of another site");
        assertEquals(true, AdminAccess.crossSite(none, host, Optional.of("same-site")), "another port of the host");
        assertEquals(true, AdminAccess.crossSite(Optional.of("http://evil.example"), host, none), "an older browser's form");
        assertEquals(true, AdminAccess.crossSite(Optional.of("null"), host, none), "a sandboxed page");
    }

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
