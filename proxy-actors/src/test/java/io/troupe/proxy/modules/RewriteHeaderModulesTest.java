package io.troupe.proxy.modules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.module.header.HeaderModule;
import io.troupe.module.redirect.RedirectModule;
import io.troupe.module.rewrite.RewriteModule;
import io.troupe.module.trustclientip.TrustClientIpModule;
import io.troupe.proxy.RawHttp;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * mod_trust_clientip, mod_redirect, mod_rewrite and mod_header in one real proxy, in BFE's module order, loaded
 * from the shipped {@code conf/} (BFE's example files, product {@code example_product}). Tests that need other
 * rules reload them with {@code ?path=} and the shipped files come back after each test.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RewriteHeaderModulesTest {
    private static final Path CONF = Path.of("../conf");
    private ModuleHarness h;
    @TempDir
    Path dir;

    @BeforeAll
    void start() throws Exception {
        h = new ModuleHarness(List.of("mod_trust_clientip", "mod_redirect", "mod_rewrite", "mod_header"));
        h.load(new TrustClientIpModule(), CONF).load(new RedirectModule(), CONF)
                .load(new RewriteModule(), CONF).load(new HeaderModule(), CONF);
    }

    @AfterAll
    void stop() {
        h.close();
    }

    @AfterEach
    void shippedRulesBack() throws Exception {
        for (String name : List.of("mod_trust_clientip", "mod_redirect", "mod_rewrite", "mod_header")) {
            assertEquals("20190101000000", h.reloads.get(name).reload(Map.of()));
        }
    }

    private RawHttp.Resp get(String target, String headers) throws Exception {
        try (RawHttp c = new RawHttp(h.port())) {
            return c.send("GET " + target + " HTTP/1.1\r\nHost: a.test\r\n" + headers + "\r\n").read();
        }
    }

    private RawHttp.Resp get(String target) throws Exception {
        return get(target, "");
    }

    private void reload(String module, String json) throws Exception {
        Path f = Files.writeString(dir.resolve(module + ".data"), json);
        h.reloads.get(module).reload(Map.of("path", List.of(f.toString())));
    }

    // ---- BFE's example files as shipped

    @Test
    void shippedRedirectExample() throws Exception {
        RawHttp.Resp r = get("/redirect/x");
        assertEquals(301, r.status());
        assertEquals("https://example.org", r.header("Location"));
    }

    @Test
    void shippedRewriteExample() throws Exception {
        RawHttp.Resp r = get("/rewrite/x?a=1");
        assertEquals("GET /bfe/rewrite/x?a=1", EchoBackend.line(r.body()));
    }

    @Test
    void shippedHeaderExample() throws Exception {
        RawHttp.Resp r = get("/header/x");
        assertEquals("127.0.0.1", EchoBackend.seen(r.body(), "x-bfe-vip"));
        assertEquals("bfe", r.header("X-Proxied-By"));
        // BFE's default headers
        assertEquals("a.test", EchoBackend.seen(r.body(), "x-forwarded-host"));
        assertEquals("127.0.0.1", EchoBackend.seen(r.body(), "x-bfe-ip"));
        assertTrue(EchoBackend.seen(r.body(), "x-real-port").matches("\\d+"));
        RawHttp.Resp other = get("/other");
        assertNull(other.header("X-Proxied-By"));
        assertNull(EchoBackend.seen(other.body(), "x-bfe-vip"));
    }

    @Test
    void shippedTrustExampleDoesNotTrustLoopback() throws Exception {
        reload("mod_header", headerRules("global", "[\"REQ_HEADER_SET\", \"X-Cip\", \"%bfe_client_ip\"]"));
        RawHttp.Resp r = get("/x", "X-Real-Ip: 10.1.2.3\r\n");
        assertEquals("127.0.0.1", EchoBackend.seen(r.body(), "x-cip"));
        assertEquals("127.0.0.1", EchoBackend.seen(r.body(), "x-real-ip"));
    }

    // ---- mod_trust_clientip

    @Test
    void trustedPeerGivesClientIpFromHeadersToConditionsAndVariables() throws Exception {
        reload("mod_trust_clientip", "{\"Version\": \"t1\", \"Config\": {\"lo\": [{\"Begin\": \"127.0.0.0\", \"End\": \"127.255.255.255\"}]}}");
        reload("mod_redirect", "{\"Version\": \"r1\", \"Config\": {\"example_product\": [{\"Cond\": "
                + "\"req_cip_range(\\\"10.0.0.0\\\", \\\"10.255.255.255\\\")\", \"Actions\": [{\"Cmd\": \"URL_SET\", "
                + "\"Params\": [\"/from-ten\"]}], \"Status\": 302}]}}");
        reload("mod_header", headerRules("example_product", "[\"REQ_HEADER_SET\", \"X-Cip\", \"%bfe_client_ip:%bfe_client_port\"]"));
        RawHttp.Resp r = get("/x", "X-Real-Ip: 192.0.2.9\r\nX-Real-Port: 4444\r\n");
        assertEquals("192.0.2.9:4444", EchoBackend.seen(r.body(), "x-cip"));
        assertEquals("192.0.2.9", EchoBackend.seen(r.body(), "x-real-ip"));
        RawHttp.Resp ten = get("/x", "X-Forwarded-For: 10.0.0.5, 192.0.2.1\r\n");
        assertEquals(302, ten.status());
        assertEquals("/from-ten", ten.header("Location"));
        String monitor = h.monitors.get("mod_trust_clientip").render(Map.of("format", List.of("kv")));
        assertTrue(monitor.contains("CONN_TRUST_CLIENTIP"), monitor);
        assertTrue(monitor.contains("CONN_TOTAL"), monitor);
    }

    @Test
    void badTrustReloadKeepsOldTable() throws Exception {
        Path bad = Files.writeString(dir.resolve("bad.data"), "{\"Version\": \"x\", \"Config\": {\"l\": [{\"Begin\": \"1.2.3\", \"End\": \"1.2.3.4\"}]}}");
        Exception e = assertThrows(Exception.class,
                () -> h.reloads.get("mod_trust_clientip").reload(Map.of("path", List.of(bad.toString()))));
        assertTrue(e.getMessage().contains(bad.toString()) && e.getMessage().contains("Config.l[0].Begin"), e.getMessage());
        assertEquals(200, get("/x").status());
    }

    // ---- mod_redirect

    @Test
    void redirectActions() throws Exception {
        reload("mod_redirect", "{\"Version\": \"r2\", \"Config\": {\"example_product\": ["
                + rule("req_path_prefix_in(\\\"/s\\\", false)", "SCHEME_SET", "https", 308)
                + "," + rule("req_path_prefix_in(\\\"/p\\\", false)", "URL_PREFIX_ADD", "http://new.test", 302)
                + "," + rule("req_path_prefix_in(\\\"/q\\\", false)", "URL_FROM_QUERY", "to", 307)
                + "," + rule("req_path_prefix_in(\\\"/rel\\\", false)", "URL_SET", "next", 302)
                + "]}}");
        RawHttp.Resp s = get("/s/x?y=1");
        assertEquals(308, s.status());
        assertEquals("https://a.test/s/x?y=1", s.header("Location"));
        assertEquals("http://new.test/p/a?b=2", get("/p/a?b=2").header("Location"));
        RawHttp.Resp q = get("/q?to=https%3A%2F%2Fx.test%2Fz");
        assertEquals(307, q.status());
        assertEquals("https://x.test/z", q.header("Location"));
        // relative to the request path's directory, as Go's http.Redirect
        assertEquals("/rel/dir/next", get("/rel/dir/file").header("Location"));
        assertEquals(200, get("/none").status());
    }

    private static String rule(String cond, String cmd, String param, int status) {
        return "{\"Cond\": \"" + cond + "\", \"Actions\": [{\"Cmd\": \"" + cmd + "\", \"Params\": [\"" + param
                + "\"]}], \"Status\": " + status + "}";
    }

    // ---- mod_rewrite

    @Test
    void rewriteActionsAndLast() throws Exception {
        reload("mod_rewrite", "{\"Version\": \"w2\", \"Config\": {\"example_product\": ["
                + "{\"Cond\": \"req_path_prefix_in(\\\"/h\\\", false)\", \"Actions\": [{\"Cmd\": \"HOST_SET_FROM_PATH_PREFIX\"}], \"Last\": true},"
                + "{\"Cond\": \"req_path_prefix_in(\\\"/old\\\", false)\", \"Actions\": [{\"Cmd\": \"PATH_PREFIX_TRIM\", \"Params\": [\"/old\"]},"
                + " {\"Cmd\": \"QUERY_DEL\", \"Params\": [\"secret\"]}, {\"Cmd\": \"QUERY_RENAME\", \"Params\": [\"a\", \"b\"]},"
                + " {\"Cmd\": \"QUERY_ADD\", \"Params\": [\"k\", \"v\"]}], \"Last\": false},"
                // runs after the rule above: it sees the rewritten path
                + "{\"Cond\": \"req_path_in(\\\"/new\\\", false)\", \"Actions\": [{\"Cmd\": \"PATH_SET\", \"Params\": [\"/newest\"]}], \"Last\": true},"
                + "{\"Cond\": \"default_t()\", \"Actions\": [{\"Cmd\": \"HOST_SET\", \"Params\": [\"never.test\"]}], \"Last\": true}"
                + "]}}");
        RawHttp.Resp r = get("/old/new?a=1&secret=2");
        assertEquals("GET /newest?b=1&k=v", EchoBackend.line(r.body()));
        assertEquals("a.test", EchoBackend.seen(r.body(), "host"));
        RawHttp.Resp h2 = get("/h/back.test/rest?x=1");
        // HOST_SET_FROM_PATH_PREFIX on /h/back.test/rest: host "h", path "/back.test/rest"
        assertEquals("GET /back.test/rest?x=1", EchoBackend.line(h2.body()));
        assertEquals("h", EchoBackend.seen(h2.body(), "host"));
        RawHttp.Resp all = get("/z");
        assertEquals("never.test", EchoBackend.seen(all.body(), "host"));
    }

    // ---- mod_header

    @Test
    void headerSetAddDelWithVariablesOnBothSides() throws Exception {
        reload("mod_header", "{\"Version\": \"h2\", \"Config\": {"
                + "\"global\": [{\"Cond\": \"default_t()\", \"Actions\": ["
                + "{\"Cmd\": \"REQ_HEADER_SET\", \"Params\": [\"X-Client\", \"ip=%bfe_client_ip user=%http_x_user_id 100%%\"]},"
                + "{\"Cmd\": \"REQ_HEADER_DEL\", \"Params\": [\"X-Drop\"]},"
                + "{\"Cmd\": \"RSP_HEADER_DEL\", \"Params\": [\"X-Backend-Header\"]}], \"Last\": false}],"
                + "\"example_product\": ["
                + "{\"Cond\": \"req_path_prefix_in(\\\"/a\\\", false)\", \"Actions\": ["
                + "{\"Cmd\": \"REQ_HEADER_ADD\", \"Params\": [\"X-Multi\", \"two\"]},"
                + "{\"Cmd\": \"RSP_HEADER_SET\", \"Params\": [\"X-Cluster\", \"%bfe_cluster\"]},"
                + "{\"Cmd\": \"RSP_HEADER_ADD\", \"Params\": [\"X-Host\", \"%bfe_request_host\"]}], \"Last\": true},"
                + "{\"Cond\": \"default_t()\", \"Actions\": [{\"Cmd\": \"REQ_HEADER_SET\", \"Params\": [\"X-Never\", \"1\"]}], \"Last\": true}"
                + "]}}");
        RawHttp.Resp r = get("/a", "X-User-Id: u7\r\nX-Drop: 1\r\nX-Multi: one\r\n");
        assertEquals("ip=127.0.0.1 user=u7 100%", EchoBackend.seen(r.body(), "x-client"));
        assertNull(EchoBackend.seen(r.body(), "x-drop"));
        assertEquals("one,two", EchoBackend.seen(r.body(), "x-multi"));
        assertNull(EchoBackend.seen(r.body(), "x-never"));
        assertNull(r.header("X-Backend-Header"));
        assertEquals("example_cluster", r.header("X-Cluster"));
        assertEquals("a.test", r.header("X-Host"));
        assertEquals("1", EchoBackend.seen(get("/b").body(), "x-never"));
    }

    @Test
    void headerRenameAndCookieActionsAsInBfe() throws Exception {
        reload("mod_header", "{\"Version\": \"h3\", \"Config\": {\"example_product\": [{\"Cond\": \"default_t()\", \"Actions\": ["
                + "{\"Cmd\": \"REQ_HEADER_RENAME\", \"Params\": [\"X-Old\", \"X-New\"]},"
                + "{\"Cmd\": \"REQ_HEADER_RENAME\", \"Params\": [\"X-Keep\", \"X-Taken\"]},"
                + "{\"Cmd\": \"REQ_COOKIE_SET\", \"Params\": [\"b\", \"%bfe_client_ip\"]},"
                + "{\"Cmd\": \"REQ_COOKIE_SET\", \"Params\": [\"c\", \"3\"]},"
                + "{\"Cmd\": \"REQ_COOKIE_DEL\", \"Params\": [\"a\"]},"
                + "{\"Cmd\": \"RSP_HEADER_RENAME\", \"Params\": [\"X-Backend-Header\", \"X-Renamed\"]},"
                + "{\"Cmd\": \"RSP_HEADER_ADD\", \"Params\": [\"Set-Cookie\", \"s1=old; Path=/\"]},"
                + "{\"Cmd\": \"RSP_HEADER_ADD\", \"Params\": [\"Set-Cookie\", \"s2=gone\"]},"
                + "{\"Cmd\": \"RSP_COOKIE_SET\", \"Params\": [\"s1\", \"new\", \"example.org\", \"/app\","
                + " \"Wed, 01 Jan 2031 00:00:00 GMT\", \"3600\", \"true\", \"false\"]},"
                + "{\"Cmd\": \"RSP_COOKIE_DEL\", \"Params\": [\"s2\", \"example.org\", \"/\"]}"
                + "], \"Last\": true}]}}");
        RawHttp.Resp r = get("/x", "X-Old: v\r\nX-Keep: k\r\nX-Taken: t\r\nCookie: a=1; b=2\r\n");
        assertEquals("v", EchoBackend.seen(r.body(), "x-new"));
        assertNull(EchoBackend.seen(r.body(), "x-old"));
        assertEquals("k", EchoBackend.seen(r.body(), "x-keep"), "not renamed over a header that is there");
        assertEquals("t", EchoBackend.seen(r.body(), "x-taken"));
        assertEquals("b=127.0.0.1; c=3", EchoBackend.seen(r.body(), "cookie"));
        assertNull(r.header("X-Backend-Header"));
        assertEquals("yes", r.header("X-Renamed"));
        // RawHttp keeps the last Set-Cookie: s1's replacement, s2's line dropped
        assertEquals("s1=new; Path=/app; Domain=example.org; Expires=Wed, 01 Jan 2031 00:00:00 GMT; Max-Age=3600; HttpOnly",
                r.header("Set-Cookie"));
    }

    @Test
    void badHeaderReloadKeepsOldRules() throws Exception {
        Path bad = Files.writeString(dir.resolve("bad.data"), headerRules("example_product", "[\"REQ_HEADER_SET\", \"X-A\"]"));
        Exception e = assertThrows(Exception.class, () -> h.reloads.get("mod_header").reload(Map.of("path", List.of(bad.toString()))));
        assertTrue(e.getMessage().contains("Config.example_product[0].Actions[0]") && e.getMessage().contains("num of params"), e.getMessage());
        assertEquals("bfe", get("/header").header("X-Proxied-By"));
    }

    /** A header_rule.data with one always-matching rule of one action, given as ["CMD", params...]. */
    private static String headerRules(String product, String cmdAndParams) {
        String inner = cmdAndParams.substring(1, cmdAndParams.length() - 1);
        int comma = inner.indexOf(',');
        String cmd = comma < 0 ? inner : inner.substring(0, comma);
        String params = comma < 0 ? "" : inner.substring(comma + 1);
        return "{\"Version\": \"hx\", \"Config\": {\"" + product + "\": [{\"Cond\": \"default_t()\", \"Actions\": "
                + "[{\"Cmd\": " + cmd + ", \"Params\": [" + params + "]}], \"Last\": true}]}}";
    }
}
