package io.troupe.proxy.modules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.module.authbasic.ModAuthBasic;
import io.troupe.proxy.RawHttp;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** mod_auth_basic with BFE's auth_basic_rule.data and users file (apr1, {SHA} and bcrypt users). */
class AuthBasicModuleTest {
    @TempDir
    Path root;

    private static String basic(String user, String pw) {
        return Base64.getEncoder().encodeToString((user + ":" + pw).getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void asksForCredentialsAndLetsGoodOnesThrough() throws Exception {
        BuiltinHarness.copyShipped("mod_auth_basic", root);
        // BFE's rule names www.example.org; the harness routes example.org
        Path data = root.resolve("mod_auth_basic/auth_basic_rule.data");
        Files.writeString(data, Files.readString(data).replace("www.example.org", "example.org"));
        try (BuiltinHarness h = new BuiltinHarness(new ModAuthBasic(), root); RawHttp c = new RawHttp(h.port())) {
            c.send("GET /secret HTTP/1.1\r\nHost: example.org\r\n\r\n");
            RawHttp.Resp none = c.read();
            assertEquals(401, none.status());
            assertEquals("Basic realm=\"example_product\"", none.header("WWW-Authenticate"));
            for (String user : new String[] {"user1", "user2", "user3"}) {
                c.send("GET /secret HTTP/1.1\r\nHost: example.org\r\nAuthorization: Basic " + basic(user, "123456") + "\r\n\r\n");
                RawHttp.Resp ok = c.read();
                assertEquals(200, ok.status(), user);
                assertTrue(ok.body().contains("uri=/secret"), ok.body());
            }
            c.send("GET /secret HTTP/1.1\r\nHost: example.org\r\nAuthorization: Basic " + basic("user3", "wrong") + "\r\n\r\n");
            assertEquals(401, c.read().status());
            c.send("GET /open HTTP/1.1\r\nHost: other.org\r\n\r\n");
            assertEquals(200, c.read().status(), "another product has no rule");
            String m = h.monitor("mod_auth_basic");
            assertTrue(m.contains("\"AUTH_BASIC_AUTHENTICATED\":3") && m.contains("\"AUTH_BASIC_NOT_AUTHENTICATED\":2"), m);
        }
    }
}
