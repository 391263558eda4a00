package io.troupe.examples.hello;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.api.proxy.CallbackPoint;
import io.troupe.api.proxy.Callbacks;
import io.troupe.api.proxy.ForwardFilter;
import io.troupe.api.proxy.RequestFilter;
import io.troupe.api.proxy.Response;
import io.troupe.api.proxy.ResponseFilter;
import io.troupe.api.proxy.ReturnCode;
import io.troupe.api.proxy.SessionFilter;
import io.troupe.api.proxy.WebHandlers;
import io.troupe.api.proxy.config.ConfigFileException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** mod_hello's loader, its filter and its reload, without a proxy (the proxy run is cluster-node's ModHelloProcessIT). */
class ModHelloTest {
    @TempDir
    Path conf;

    private Path rule(String json) throws Exception {
        Path dir = Files.createDirectories(conf.resolve("mod_hello"));
        Files.writeString(dir.resolve("mod_hello.conf"), "[Basic]\nDataPath = mod_hello/hello_rule.data\n");
        return Files.writeString(dir.resolve("hello_rule.data"), json);
    }

    @Test
    void loadsHeaderAndValue() throws Exception {
        HelloRule r = HelloRule.load(rule("{\"Version\": \"v1\", \"Config\": {\"header\": \"X-Hello\", \"Value\": \"hi\"}}"));
        assertEquals(new HelloRule("v1", "X-Hello", "hi"), r); // keys case-insensitive, like BFE's Go decoder
    }

    @Test
    void badFilesNameTheFileAndField() throws Exception {
        ConfigFileException missing = assertThrows(ConfigFileException.class,
                () -> HelloRule.load(rule("{\"Version\": \"v1\", \"Config\": {\"Header\": \"X-Hello\"}}")));
        assertTrue(missing.getMessage().contains("hello_rule.data: Config.Value: missing"), missing.getMessage());
        ConfigFileException badName = assertThrows(ConfigFileException.class,
                () -> HelloRule.load(rule("{\"Version\": \"v1\", \"Config\": {\"Header\": \"X Hello\", \"Value\": \"x\"}}")));
        assertTrue(badName.getMessage().contains("hello_rule.data: Config.Header: not a header name"), badName.getMessage());
        ConfigFileException split = assertThrows(ConfigFileException.class,
                () -> HelloRule.load(rule("{\"Version\": \"v1\", \"Config\": {\"Header\": \"X-Hello\", \"Value\": \"a\\r\\nb: c\"}}")));
        assertTrue(split.getMessage().contains("hello_rule.data: Config.Value: contains a control character"),
                split.getMessage());
        ConfigFileException notText = assertThrows(ConfigFileException.class,
                () -> HelloRule.load(rule("{\"Version\": \"v1\", \"Config\": {\"Header\": \"X-Hello\", \"Value\": 3}}")));
        assertTrue(notText.getMessage().contains("Config.Value: must be a string"), notText.getMessage());
    }

    @Test
    void initRegistersTheFilterCountsAndReloads() throws Exception {
        rule("{\"Version\": \"v1\", \"Config\": {\"Header\": \"X-Hello\", \"Value\": \"one\"}}");
        Recorder rec = new Recorder();
        ModHello m = new ModHello();
        m.init(rec, rec, conf);
        assertEquals("v1", rec.versions.get(ModHello.RULE_TABLE));
        assertTrue(rec.monitors.containsKey("mod_hello"), rec.monitors.keySet().toString());

        Response resp = new Response.Simple(200, new byte[0]);
        assertEquals(ReturnCode.GO_ON, rec.readResponse.filter(null, resp));
        assertEquals("one", resp.header("x-hello"));

        // a bad reload keeps the old header and answers the error
        rule("{\"Version\": \"v2\", \"Config\": {\"Header\": \"\", \"Value\": \"two\"}}");
        Exception bad = assertThrows(Exception.class, () -> rec.reloads.get(ModHello.RULE_TABLE).reload(Map.of()));
        assertTrue(bad.getMessage().contains("Config.Header"), bad.getMessage());
        rec.readResponse.filter(null, resp);
        assertEquals("one", resp.header("X-Hello"));

        rule("{\"Version\": \"v3\", \"Config\": {\"Header\": \"X-Hello\", \"Value\": \"three\"}}");
        assertEquals("v3", rec.reloads.get(ModHello.RULE_TABLE).reload(Map.of()));
        rec.readResponse.filter(null, resp);
        assertEquals(List.of("three"), resp.headers("X-Hello"));
        assertEquals("v3", rec.versions.get(ModHello.RULE_TABLE));

        String kv = rec.monitors.get("mod_hello").render(Map.of("format", List.of("kv")));
        assertTrue(kv.contains("mod_hello_REQ_TOTAL: 3"), kv);
        assertTrue(kv.contains("mod_hello_HEADER_SET: 3"), kv);
    }

    @Test
    void aConfKeyItDoesNotKnowFailsInit() throws Exception {
        rule("{\"Version\": \"v1\", \"Config\": {\"Header\": \"X-Hello\", \"Value\": \"one\"}}");
        Files.writeString(conf.resolve("mod_hello/mod_hello.conf"), "[Basic]\nDataFile = x\n");
        Recorder rec = new Recorder();
        Exception e = assertThrows(Exception.class, () -> new ModHello().init(rec, rec, conf));
        assertTrue(e.getMessage().contains("mod_hello.conf: [Basic] DataFile: unknown key"), e.getMessage());
    }

    /** Callbacks and WebHandlers that keep what the module registers. */
    static final class Recorder implements Callbacks, WebHandlers {
        ResponseFilter readResponse;
        final Map<String, MonitorHandler> monitors = new HashMap<>();
        final Map<String, ReloadHandler> reloads = new HashMap<>();
        final Map<String, String> versions = new HashMap<>();

        @Override public void addFilter(CallbackPoint point, SessionFilter filter) { throw new AssertionError(point); }
        @Override public void addFilter(CallbackPoint point, RequestFilter filter) { throw new AssertionError(point); }
        @Override public void addFilter(CallbackPoint point, ForwardFilter filter) { throw new AssertionError(point); }

        @Override
        public void addFilter(CallbackPoint point, ResponseFilter filter) {
            assertEquals(CallbackPoint.READ_RESPONSE, point);
            readResponse = filter;
        }

        @Override public void registerMonitor(String name, MonitorHandler handler) { monitors.put(name, handler); }
        @Override public void registerReload(String name, ReloadHandler handler) { reloads.put(name, handler); }
        @Override public void dataVersion(String reloadName, String version) { versions.put(reloadName, version); }
    }
}
