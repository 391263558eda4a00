package io.troupe.booster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class FailuresTest {

    @Test
    void theMessageIsTheCausesUnderTheFuturesWrappers() {
        CompletableFuture<Void> failed = CompletableFuture.failedFuture(new ConnectException("connection refused"));
        Throwable seen = failed.thenApply(v -> v).handle((v, e) -> e).join();
        assertEquals(CompletionException.class, seen.getClass());
        assertEquals("connection refused", Failures.messageOf(seen));
        assertEquals("disk full",
                Failures.messageOf(new CompletionException(new UncheckedIOException(new IOException("disk full")))));
    }

    @Test
    void aCauseWithoutMessageIsNamedByItsClass() {
        assertEquals("java.lang.IllegalStateException",
                Failures.messageOf(new CompletionException(new IllegalStateException())));
        assertEquals("plain", Failures.messageOf(new IOException("plain")));
    }
}
