package io.troupe.module.authbasic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.api.proxy.FilterResult;
import io.troupe.api.proxy.ReturnCode;
import io.troupe.api.proxy.config.ConfigFileException;
import io.troupe.module.testing.FakeRequest;
import io.troupe.module.testing.Recorder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuthBasicTest {
    static final Path CONF = Path.of("../conf");
    @TempDir
    Path dir;

    @Test
    void shippedUserFileChecksApr1ShaAndBcrypt() throws Exception {
        UserFile u = UserFile.load(CONF.resolve("mod_auth_basic/userfile"));
        assertEquals(3, u.size());
        for (String user : new String[] {"user1", "user2", "user3"}) {
            assertTrue(u.check(user, "123456"), user);
            assertFalse(u.check(user, "1234567"), user);
        }
        assertTrue(u.check("user3", "123456"), "bcrypt again, from the verified cache");
        assertEquals(UserFile.Scheme.MD5, u.scheme("user1"));
        assertEquals(UserFile.Scheme.SHA, u.scheme("user2"));
        assertEquals(UserFile.Scheme.BCRYPT, u.scheme("user3"));
        assertFalse(u.check("nobody", "123456"));
    }

    @Test
    void badUserFileLineNamesFileAndLine() throws Exception {
        Path f = dir.resolve("users");
        Files.writeString(f, "ok:{SHA}x\nbroken\n");
        ConfigFileException e = assertThrows(ConfigFileException.class, () -> UserFile.load(f));
        assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("line 2"), e.getMessage());
    }

    @Test
    void badRuleFilesAreRejectedNamingFileAndField() throws Exception {
        Files.writeString(dir.resolve("users"), "u:{SHA}fEqNCco3Yq9h5ZUglD3CZJT4lBs=\n");
        String[][] cases = {
                {"{\"Config\":{\"p\":[{\"Cond\":\"default_t()\",\"UserFile\":\"users\"}]}}", "Version"},
                {"{\"Version\":\"1\"}", "Config"},
                {"{\"Version\":\"1\",\"Config\":{\"p\":null}}", "Config.p"},
                {"{\"Version\":\"1\",\"Config\":{\"p\":[{\"UserFile\":\"users\"}]}}", "Config.p[0].Cond"},
                {"{\"Version\":\"1\",\"Config\":{\"p\":[{\"Cond\":\"default_t()\"}]}}", "Config.p[0].UserFile"},
                {"{\"Version\":\"1\",\"Config\":{\"p\":[{\"Cond\":\"nope(\",\"UserFile\":\"users\"}]}}", "Config.p[0].Cond"},
                {"{\"Version\":\"1\",\"Config\":{\"p\":[{\"Cond\":\"default_t()\",\"UserFile\":\"missing\"}]}}", "Config.p[0].UserFile"},
        };
        for (String[] c : cases) {
            Path f = dir.resolve("rules.data");
            Files.writeString(f, c[0]);
            ConfigFileException e = assertThrows(ConfigFileException.class, () -> AuthBasicRules.load(f, dir), c[1]);
            assertTrue(e.getMessage().startsWith(f.toString()) && e.getMessage().contains(c[1]), e.getMessage());
        }
    }

    @Test
    void filterAsksForCredentialsAndCounts() throws Exception {
        Recorder rec = new Recorder();
        ModAuthBasic m = new ModAuthBasic();
        m.init(rec, rec, CONF);
        FilterResult none = m.authBasicHandler(new FakeRequest("GET", "/", "example_product", "1.2.3.4")
                .header("Host", "www.example.org"));
        assertEquals(ReturnCode.RESPONSE, none.code());
        assertEquals(401, none.response().status());
        assertEquals("Basic realm=\"example_product\"", none.response().header("WWW-Authenticate"));
        String good = "Basic " + Base64.getEncoder().encodeToString("user2:123456".getBytes(StandardCharsets.UTF_8));
        assertSame(FilterResult.GO_ON, m.authBasicHandler(new FakeRequest("GET", "/", "example_product", "1.2.3.4")
                .header("Host", "www.example.org").header("Authorization", good)));
        assertSame(FilterResult.GO_ON, m.authBasicHandler(new FakeRequest("GET", "/", "example_product", "1.2.3.4")
                .header("Host", "other.example.org")));
        assertEquals(2, m.counter("AUTH_BASIC_RULE_HIT"));
        assertEquals(1, m.counter("AUTH_BASIC_NOT_AUTHENTICATED"));
        assertEquals(1, m.counter("AUTH_BASIC_AUTHENTICATED"));
        assertEquals(1, m.counter("AUTH_BASIC_PASSWD_SHA"));
        assertEquals("init version", rec.reloads.get("mod_auth_basic").reload(java.util.Map.of()));
    }

    @Test
    void aBcryptCheckIsHandedOffTheEventLoopOncePerCredential() throws Exception {
        Recorder rec = new Recorder();
        ModAuthBasic m = new ModAuthBasic();
        m.init(rec, rec, CONF);
        String bcryptUser = "Basic " + Base64.getEncoder().encodeToString("user3:123456".getBytes(StandardCharsets.UTF_8));
        FilterResult first = m.authBasicHandler(new FakeRequest("GET", "/", "example_product", "1.2.3.4")
                .header("Host", "www.example.org").header("Authorization", bcryptUser));
        assertEquals(ReturnCode.BLOCKING, first.code(), "bcrypt runs as blocking work, not in the filter");
        assertEquals(0, m.counter("AUTH_BASIC_AUTHENTICATED"), "nothing decided before the work ran");
        assertSame(FilterResult.GO_ON, first.settled());
        assertEquals(1, m.counter("AUTH_BASIC_AUTHENTICATED"));
        // the answer is cached: the same credentials are decided at once
        assertSame(FilterResult.GO_ON, m.authBasicHandler(new FakeRequest("GET", "/", "example_product", "1.2.3.4")
                .header("Host", "www.example.org").header("Authorization", bcryptUser)));
        String wrong = "Basic " + Base64.getEncoder().encodeToString("user3:nope".getBytes(StandardCharsets.UTF_8));
        FilterResult bad = m.authBasicHandler(new FakeRequest("GET", "/", "example_product", "1.2.3.4")
                .header("Host", "www.example.org").header("Authorization", wrong));
        assertEquals(ReturnCode.BLOCKING, bad.code());
        assertEquals(401, bad.settled().response().status());
    }
}
