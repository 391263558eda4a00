package io.troupe.booster.gateway;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** A controller's clients' stdins: one shared by two works stays a build's input until both ended. */
class StdinIdentityTest {

    @Test
    void aClientStdinSharedByTwoWorksStaysABuildsInputUntilBothEnded() {
        String pipe = "pipe:[StdinIdentityTest-" + System.nanoTime() + "]";
        assertFalse(StdinIdentity.isOwn(pipe));
        StdinIdentity.addClient(pipe);
        StdinIdentity.addClient(pipe); // a second build started from the same pipe
        assertTrue(StdinIdentity.isOwn(pipe));
        StdinIdentity.removeClient(pipe);
        assertTrue(StdinIdentity.isOwn(pipe), "the second build still runs with it");
        StdinIdentity.removeClient(pipe);
        assertFalse(StdinIdentity.isOwn(pipe));
        StdinIdentity.removeClient(pipe); // once more changes nothing
        assertFalse(StdinIdentity.isOwn(pipe));
    }
}
