package io.troupe.module.prison;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.api.proxy.FilterResult;
import io.troupe.api.proxy.ReturnCode;
import io.troupe.api.proxy.config.ConfigFileException;
import io.troupe.module.testing.FakeRequest;
import io.troupe.module.testing.Recorder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PrisonTest {
    static final long S = 1_000_000_000L;
    @TempDir
    Path dir;

    private static String rule(String name, String cmd, String extra) {
        return "{\"Name\":\"" + name + "\",\"Cond\":\"req_path_prefix_in(\\\"/prison\\\", false)\","
                + "\"AccessSignConf\":{\"UseSocketIP\":true" + extra + "},"
                + "\"Action\":{\"Cmd\":\"" + cmd + "\",\"Params\":[]},"
                + "\"CheckPeriod\":10,\"StayPeriod\":5,\"Threshold\":2,\"AccessDictSize\":100,\"PrisonDictSize\":100}";
    }

    @Test
    void shippedFileLoadsWithLowerCaseKeys() throws Exception {
        PrisonRules r = PrisonRules.load(Path.of("../conf/mod_prison/prison.data"), System::nanoTime);
        assertEquals("20190101000000", r.version());
        PrisonRule p = r.byProduct().get("example_product").get(0);
        assertEquals("example_prison", p.name);
        assertEquals("CLOSE", p.cmd);
        assertEquals(List.of("UID"), p.sign.cookie());
        assertEquals(5, p.threshold);
    }

    @Test
    void badFilesAreRejectedNamingFileAndField() throws Exception {
        String good = rule("r1", "CLOSE", "");
        String[][] cases = {
                {"{\"Version\":\"1\",\"Config\":{\"p\":[" + good.replace(",\"Threshold\":2", "") + "]}}", "Config.p[0].Threshold"},
                {"{\"Version\":\"1\",\"Config\":{\"p\":[" + good.replace("CLOSE", "DENY") + "]}}", "Config.p[0].Action.Cmd"},
                {"{\"Version\":\"1\",\"Config\":{\"p\":[" + good + "," + good + "]}}", "Config.p[1].Name"},
                {"{\"Version\":\"1\",\"Config\":{\"p\":[" + rule("r", "CLOSE", ",\"UrlRegexp\":\"/a.*\"") + "]}}", "UrlRegexp"},
                {"{\"Version\":\"1\",\"Config\":{\"p\":[" + good.replace("\"CheckPeriod\":10", "\"CheckPeriod\":0") + "]}}", "Config.p[0].CheckPeriod"},
                {"{\"Version\":\"1\",\"Config\":{\"p\":[" + good.replace("\"Params\":[]", "\"Params\":[\"x\"]") + "]}}", "Config.p[0].Action.Params"},
                {"{\"Version\":\"1\",\"Config\":{\"p\":[" + good.replace("\"AccessDictSize\":100", "\"AccessDictSize\":0") + "]}}", "Config.p[0].AccessDictSize"},
                {"{\"Version\":\"1\",\"Config\":{\"p\":null}}", "Config.p"},
                {"{\"Version\":\"1\",\"Config\":{\"p\":[" + good.replace("req_path_prefix_in", "no_such_primitive") + "]}}", "Config.p[0].Cond"},
        };
        for (String[] c : cases) {
            Path f = dir.resolve("prison.data");
            Files.writeString(f, c[0]);
            ConfigFileException e = assertThrows(ConfigFileException.class, () -> PrisonRules.load(f, System::nanoTime), c[1]);
            assertTrue(e.getMessage().startsWith(f.toString()) && e.getMessage().contains(c[1]), e.getMessage());
        }
    }

    @Test
    void ruleNamesAreUniquePerProductOnly() throws Exception {
        Path f = dir.resolve("prison.data");
        Files.writeString(f, "{\"Version\":\"1\",\"Config\":{\"p\":[" + rule("r1", "CLOSE", "") + "],\"q\":["
                + rule("r1", "PASS", "") + "," + rule("r2", "CLOSE", "") + "]}}");
        PrisonRules r = PrisonRules.load(f, System::nanoTime);
        assertEquals("r1", r.byProduct().get("p").get(0).name);
        assertEquals(List.of("r1", "r2"), r.byProduct().get("q").stream().map(x -> x.name).toList());
    }

    private ModPrison module(AtomicLong clock, String rulesJson) throws Exception {
        Files.createDirectories(dir.resolve("mod_prison"));
        Files.writeString(dir.resolve("mod_prison/mod_prison.conf"), "[Basic]\nProductRulePath = mod_prison/prison.data\n");
        Files.writeString(dir.resolve("mod_prison/prison.data"), rulesJson);
        ModPrison m = new ModPrison(clock::get);
        Recorder rec = new Recorder();
        m.init(rec, rec, dir);
        return m;
    }

    private static FakeRequest req(String ip) {
        return new FakeRequest("GET", "/prison/x", "p", ip);
    }

    @Test
    void closeAfterThresholdThenFreeAfterStay() throws Exception {
        AtomicLong clock = new AtomicLong(1000 * S);
        ModPrison m = module(clock, "{\"Version\":\"v1\",\"Config\":{\"p\":[" + rule("r1", "CLOSE", "") + "]}}");
        assertSame(FilterResult.GO_ON, m.prisonHandler(req("10.0.0.1")));
        assertSame(FilterResult.GO_ON, m.prisonHandler(req("10.0.0.1")));
        assertSame(FilterResult.CLOSE, m.prisonHandler(req("10.0.0.1")), "third request within the window");
        assertSame(FilterResult.GO_ON, m.prisonHandler(req("10.0.0.2")), "another sign is not affected");
        clock.addAndGet(3 * S);
        FakeRequest jailed = req("10.0.0.1");
        assertSame(FilterResult.CLOSE, m.prisonHandler(jailed), "still in prison");
        assertEquals("r1", ((PrisonInfo) jailed.getContext(ModPrison.PRISON_INFO)).prisonName());
        // jailed for StayPeriod (5 s) plus the rest of the 10 s window
        clock.addAndGet(13 * S);
        assertSame(FilterResult.GO_ON, m.prisonHandler(req("10.0.0.1")), "free again");
        assertEquals(2, m.counter("ALL_PRISON"));
        assertEquals(6, m.counter("ALL_CHECKED"));
    }

    @Test
    void slidingWindowCountsThePreviousWindowsShare() throws Exception {
        AtomicLong clock = new AtomicLong(1000 * S);
        ModPrison m = module(clock, "{\"Version\":\"v1\",\"Config\":{\"p\":[" + rule("r1", "FINISH", "") + "]}}");
        m.prisonHandler(req("10.0.0.1"));
        m.prisonHandler(req("10.0.0.1"));
        // 11 s later the first window (2 hits) still weighs 90%: 1.8 + 1 > 2
        clock.addAndGet(11 * S);
        FilterResult r = m.prisonHandler(req("10.0.0.1"));
        assertEquals(ReturnCode.FINISH, r.code());
        assertEquals(200, r.response().status());
        assertEquals(0, r.response().body().length);
    }

    @Test
    void reloadKeepsCountsOfRulesWithTheSameName() throws Exception {
        AtomicLong clock = new AtomicLong(1000 * S);
        ModPrison m = module(clock, "{\"Version\":\"v1\",\"Config\":{\"global\":[" + rule("r1", "CLOSE", "") + "]}}");
        m.prisonHandler(req("10.0.0.1"));
        m.prisonHandler(req("10.0.0.1"));
        Files.writeString(dir.resolve("mod_prison/prison.data"),
                "{\"Version\":\"v2\",\"Config\":{\"global\":[" + rule("r1", "CLOSE", "") + "]}}");
        assertEquals("prison.data=v2", m.reload(Map.of()));
        assertSame(FilterResult.CLOSE, m.prisonHandler(req("10.0.0.1")), "counts survived the reload");
    }
}
