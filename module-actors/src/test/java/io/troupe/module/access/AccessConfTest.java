package io.troupe.module.access;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.api.proxy.config.ConfigFileException;
import io.troupe.module.testing.FakeRequest;
import io.troupe.module.testing.Recorder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AccessConfTest {
    @TempDir
    Path dir;

    private Path conf(String body) throws Exception {
        Path f = dir.resolve("mod_access.conf");
        Files.writeString(f, body);
        return f;
    }

    private static final String GOOD_LOG = "[Log]\nLogPrefix = access\nLogDir = log\nRotateWhen = NEXTHOUR\nBackupCount = 2\n";

    @Test
    void shippedConfLoads() throws Exception {
        AccessConf c = AccessConf.load(Path.of("../conf/mod_access/mod_access.conf"), Path.of("../conf"));
        assertEquals(Path.of("../log/access.log").normalize(), c.logFile().normalize());
        assertEquals(2, c.backupCount());
    }

    @Test
    void badFilesAreRejectedNamingFileAndField() throws Exception {
        String[][] cases = {
                {GOOD_LOG.replace("LogPrefix = access\n", ""), "Log.LogPrefix"},
                {GOOD_LOG.replace("NEXTHOUR", "WEEKLY"), "Log.RotateWhen"},
                {GOOD_LOG.replace("BackupCount = 2", "BackupCount = 0"), "Log.BackupCount"},
                {GOOD_LOG + "[Template]\nRequestTemplate = \"$nosuchvar\"\nSessionTemplate = \"$ses_clientip\"\n", "Template.RequestTemplate"},
                {GOOD_LOG + "[Template]\nRequestTemplate = \"$host\"\nSessionTemplate = \"$host\"\n", "Template.SessionTemplate"},
                {GOOD_LOG + "[Template]\nRequestTemplate = \"$req_header\"\nSessionTemplate = \"$time\"\n", "Template.RequestTemplate"},
                {GOOD_LOG + "[Template]\nRequestTemplate = \"${X\"\nSessionTemplate = \"$time\"\n", "Template.RequestTemplate"},
                {GOOD_LOG + "Colour = blue\n", "Colour"},
                {GOOD_LOG.replace("[Log]\n", "[Log]\nLogFile = /dev/stdout\n"), "Log.LogFile"},
        };
        for (String[] c : cases) {
            Path f = conf(c[0]);
            ConfigFileException e = assertThrows(ConfigFileException.class, () -> AccessConf.load(f, dir), c[1]);
            assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
            assertTrue(e.getMessage().contains(c[1]), e.getMessage());
        }
    }

    @Test
    void bfesLogToStdoutExampleLoadsAndIsNeverRotated() throws Exception {
        // BFE's mod_access.conf.md, "Save log to stdout": LogFile alone, the rotation keys left out
        AccessConf c = AccessConf.load(conf("[Log]\nLogFile = /dev/stdout\n\n[Template]\n"
                + "RequestTemplate = \"REQUEST_LOG $time clientip: $remote_addr serverip: $server_addr host: $host\"\n"
                + "SessionTemplate = \"SESSION_LOG $time clientip: $ses_clientip start_time: $ses_start_time\"\n"), dir);
        assertEquals(Path.of("/dev/stdout"), c.logFile());
        assertNull(c.rotateWhen());
        AccessConf relative = AccessConf.load(conf("[Log]\nLogFile = log/all.log\n[Template]\n"
                + "RequestTemplate = \"$host\"\nSessionTemplate = \"$time\"\n"), dir);
        assertEquals(dir.resolve("log/all.log"), relative.logFile(), "relative to the conf root, as BFE's ConfPathProc");
    }

    @Test
    void templateRendersBfeVariables() throws Exception {
        AccessConf c = AccessConf.load(conf(GOOD_LOG + "[Template]\n"
                + "RequestTemplate = \"$remote_addr $host ${User-Agent}req_header ${UID}req_cookie $product $status_code "
                + "${mod_block.block_info}req_ctx $res_len $request_line\"\nSessionTemplate = \"S $ses_clientip\"\n"), dir);
        FakeRequest r = new FakeRequest("GET", "/a?b=1", "p1", "10.1.2.3")
                .header("Host", "example.org").header("User-Agent", "ua/1").header("Cookie", "UID=42");
        r.setContext(io.troupe.module.block.ModBlock.CTX_BLOCK_INFO, new io.troupe.module.block.BlockInfo("rule-7"));
        String line = c.request().render(r, io.troupe.api.proxy.Response.of(403, "no"), 0);
        assertEquals("10.1.2.3 example.org ua/1 42 p1 403 rule-7 2 GET /a?b=1 HTTP/1.1", line);
        assertEquals("S 10.1.2.3", c.session().render(r.session(), System.currentTimeMillis()));
        // COMMON expands to BFE's common log format
        AccessConf common = AccessConf.load(conf(GOOD_LOG + "[Template]\nRequestTemplate = COMMON\nSessionTemplate = \"$time\"\n"), dir);
        assertTrue(common.request().render(r, null, 0).matches("example\\.org - - \\[.*\\] \"GET /a\\?b=1 HTTP/1\\.1\" - -"),
                common.request().render(r, null, 0));
    }

    @Test
    void everyRequestVariableHasItsValueAndOnlyTheUnfilledOnesPrintADash() {
        // BFE's variables that Troupe has no figure for; every other request variable must have a value of its own
        java.util.Set<String> unfilled = java.util.Set.of("cluster_duration", "connect_time", "error",
                "last_backend_duration", "log_id", "proxy_delay", "read_req_duration", "readwrite_serve_time",
                "req_nth", "response_duration", "retry_num", "subcluster", "write_serve_time");
        LogTemplate.VARIABLES.forEach((var, domain) -> {
            if (domain == LogTemplate.Domain.SESSION) {
                return;
            }
            LogTemplate.RequestValue v = LogTemplate.RequestValue.of(var);
            assertEquals(unfilled.contains(var), v == LogTemplate.RequestValue.DASH, var + " -> " + v);
        });
        assertEquals(LogTemplate.RequestValue.REQ_URI, LogTemplate.RequestValue.of("url"));
        assertEquals(LogTemplate.RequestValue.RES_LEN, LogTemplate.RequestValue.of("res_body_len"));
        assertEquals(LogTemplate.RequestValue.REQ_BODY_LEN, LogTemplate.RequestValue.of("req_body_len"));
    }

    @Test
    void linesRenderedOneAfterAnotherAreIndependent() throws Exception {
        // render reuses one builder per thread: an earlier line must not change, a huge value must not stay
        AccessConf c = AccessConf.load(conf(GOOD_LOG + "[Template]\n"
                + "RequestTemplate = \"$status_code ${X-V}req_header\"\nSessionTemplate = \"$time\"\n"), dir);
        FakeRequest a = new FakeRequest("GET", "/", "p1", "10.1.2.3").header("X-V", "é€");
        String big = "v".repeat(100_000);
        FakeRequest b = new FakeRequest("GET", "/", "p1", "10.1.2.3").header("X-V", big);
        String first = c.request().render(a, io.troupe.api.proxy.Response.of(200, ""), 0);
        String second = c.request().render(b, io.troupe.api.proxy.Response.of(502, ""), 0);
        String third = c.request().render(a, null, 0);
        assertEquals("200 é€", first);
        assertEquals("502 " + big, second);
        assertEquals("- é€", third);
    }

    @Test
    void moduleInitRegistersFiltersAndMonitor() throws Exception {
        Files.createDirectories(dir.resolve("mod_access"));
        Files.writeString(dir.resolve("mod_access/mod_access.conf"), GOOD_LOG
                + "[Template]\nRequestTemplate = \"$host\"\nSessionTemplate = \"$time\"\n");
        Recorder rec = new Recorder();
        try (ModAccess m = new ModAccess()) {
            m.init(rec, rec, dir);
            assertEquals(dir.resolve("log/access.log"), m.logFile());
            assertTrue(rec.monitors.get("mod_access").render(java.util.Map.of()).contains("\"LOG_DROP\":0"));
            assertTrue(rec.reloads.containsKey("mod_access"));
        }
    }
}
