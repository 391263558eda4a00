package io.troupe.proxy.modules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import at.favre.lib.crypto.bcrypt.BCrypt;
import io.troupe.module.authbasic.ModAuthBasic;
import io.troupe.module.staticfile.ModStatic;
import io.troupe.proxy.RawHttp;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Modules' blocking work (mod_auth_basic's bcrypt, mod_static's file reads) runs off the event loop: with one
 * event loop, a request that waits for it does not hold up another connection's request.
 */
class ModuleWorkOffLoopTest {
    @TempDir
    Path root;

    /** Whether some thread is inside code that {@code frame} matches now. */
    private static boolean someThreadIn(Predicate<StackTraceElement> frame) {
        for (StackTraceElement[] st : Thread.getAllStackTraces().values()) {
            for (StackTraceElement e : st) {
                if (frame.test(e)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean inBcrypt(StackTraceElement e) {
        return e.getClassName().startsWith("at.favre.lib.crypto.bcrypt.");
    }

    private static RawHttp.Resp get(int port, String host, String path, String headers) throws Exception {
        try (RawHttp c = new RawHttp(port)) {
            return c.send("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n" + headers + "\r\n").read();
        }
    }

    @Test
    void aSlowBcryptCheckDoesNotHoldUpTheEventLoop() throws Exception {
        BuiltinHarness.copyShipped("mod_auth_basic", root);
        Path data = root.resolve("mod_auth_basic/auth_basic_rule.data");
        Files.writeString(data, Files.readString(data).replace("www.example.org", "example.org"));
        // a high cost factor: the check takes about a second (it doubles per step)
        String hash = BCrypt.withDefaults().hashToString(13, "slow-secret".toCharArray());
        Files.writeString(root.resolve("mod_auth_basic/userfile"), "slow:" + hash + "\n");
        String auth = "Authorization: Basic "
                + Base64.getEncoder().encodeToString("slow:slow-secret".getBytes(StandardCharsets.UTF_8)) + "\r\n";
        try (BuiltinHarness h = new BuiltinHarness(new ModAuthBasic(), root, "event-loops = 1")) {
            CompletableFuture<RawHttp.Resp> slow = CompletableFuture.supplyAsync(() -> {
                try {
                    return get(h.port(), "example.org", "/secret", auth);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            BuiltinHarness.await(() -> someThreadIn(ModuleWorkOffLoopTest::inBcrypt), "the bcrypt check to start");
            RawHttp.Resp other = get(h.port(), "other.org", "/open", "");
            assertEquals(200, other.status());
            assertTrue(someThreadIn(ModuleWorkOffLoopTest::inBcrypt) && !slow.isDone(),
                    "the other request was answered while the bcrypt check still ran");
            assertEquals(200, slow.get(30, TimeUnit.SECONDS).status(), "the credentials are right");
            assertEquals(401, get(h.port(), "example.org", "/secret", "").status());
        }
    }

    @Test
    void aStaticFileThatIsSlowToReadDoesNotHoldUpTheEventLoop() throws Exception {
        BuiltinHarness.copyShipped("mod_static", root);
        // a named pipe stands for a file on a slow disk: reading its first bytes (content detection) waits for a writer
        Path pipe = root.resolve("mod_static/html/slowfile");
        Process mkfifo = new ProcessBuilder("mkfifo", pipe.toString()).inheritIO().start();
        assertEquals(0, mkfifo.waitFor(), "mkfifo");
        try (BuiltinHarness h = new BuiltinHarness(new ModStatic(), root, "event-loops = 1")) {
            CompletableFuture<RawHttp.Resp> slow = CompletableFuture.supplyAsync(() -> {
                try {
                    return get(h.port(), "example.org", "/slowfile", "");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            BuiltinHarness.await(() -> someThreadIn(e -> e.getClassName().equals(ModStatic.class.getName())
                    && e.getMethodName().equals("contentType")), "the file read to start");
            RawHttp.Resp index = get(h.port(), "example.org", "/", "");
            assertEquals(200, index.status(), "another file is served meanwhile");
            assertTrue(index.body().contains("<html") || index.body().length() > 0, index.body());
            assertTrue(!slow.isDone(), "the slow file is still being read");
            try (OutputStream w = Files.newOutputStream(pipe)) {
                w.write("plain text, now readable".getBytes(StandardCharsets.UTF_8));
            }
            RawHttp.Resp r = slow.get(30, TimeUnit.SECONDS);
            assertEquals(200, r.status());
            assertEquals("text/plain; charset=utf-8", r.header("Content-Type"));
        }
    }
}
