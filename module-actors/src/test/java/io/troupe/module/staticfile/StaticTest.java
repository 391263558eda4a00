package io.troupe.module.staticfile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.api.proxy.FilterResult;
import io.troupe.api.proxy.config.ConfigFileException;
import io.troupe.module.testing.FakeRequest;
import io.troupe.module.testing.Recorder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StaticTest {
    @TempDir
    Path dir;

    @Test
    void byteRanges() {
        assertEquals(new ByteRange(0, 9), ByteRange.parse("bytes=0-9", 100));
        assertEquals(new ByteRange(90, 99), ByteRange.parse("bytes=90-", 100));
        assertEquals(new ByteRange(95, 99), ByteRange.parse("bytes=-5", 100));
        assertEquals(new ByteRange(50, 99), ByteRange.parse("bytes=50-500", 100));
        assertSame(ByteRange.UNSATISFIABLE, ByteRange.parse("bytes=100-", 100));
        assertNull(ByteRange.parse("bytes=0-1,5-6", 100));
        assertNull(ByteRange.parse("bytes=x-1", 100));
        assertNull(ByteRange.parse("bytes=5-1", 100));
        assertNull(ByteRange.parse(null, 100));
    }

    @Test
    void badFilesAreRejectedNamingFileAndField() throws Exception {
        Files.createDirectories(dir.resolve("www"));
        Files.writeString(dir.resolve("www/index.html"), "hi");
        String[][] cases = {
                {"{\"Version\":\"1\",\"Config\":{\"p\":[{\"Cond\":\"default_t()\",\"Action\":{\"Cmd\":\"LIST\",\"Params\":[\"www\",\"\"]}}]}}", "Config.p[0].Action.Cmd"},
                {"{\"Version\":\"1\",\"Config\":{\"p\":[{\"Cond\":\"default_t()\",\"Action\":{\"Cmd\":\"BROWSE\",\"Params\":[\"www\"]}}]}}", "Config.p[0].Action.Params"},
                {"{\"Version\":\"1\",\"Config\":{\"p\":[{\"Cond\":\"default_t()\",\"Action\":{\"Cmd\":\"BROWSE\",\"Params\":[\"nodir\",\"\"]}}]}}", "Config.p[0].Action.Params[0]"},
                {"{\"Version\":\"1\",\"Config\":{\"p\":[{\"Cond\":\"default_t()\",\"Action\":{\"Cmd\":\"BROWSE\",\"Params\":[\"www\",\"nofile.html\"]}}]}}", "Config.p[0].Action.Params[1]"},
                {"{\"Version\":\"1\",\"Config\":{\"p\":[{\"Action\":{\"Cmd\":\"BROWSE\",\"Params\":[\"www\",\"\"]}}]}}", "Config.p[0].Cond"},
        };
        for (String[] c : cases) {
            Path f = dir.resolve("static_rule.data");
            Files.writeString(f, c[0]);
            ConfigFileException e = assertThrows(ConfigFileException.class, () -> StaticRules.load(f, dir), c[1]);
            assertTrue(e.getMessage().startsWith(f.toString()) && e.getMessage().contains(c[1]), e.getMessage());
        }
        Path mime = dir.resolve("mime_type.data");
        Files.writeString(mime, "{\"Version\":\"1\",\"Config\":{\"avi\":\"video/x-msvideo\"}}");
        ConfigFileException e = assertThrows(ConfigFileException.class, () -> MimeTypes.load(mime));
        assertTrue(e.getMessage().contains("Config.avi"), e.getMessage());
    }

    @Test
    void shippedFilesServeTheIndexAndStayInsideTheRoot() throws Exception {
        Recorder rec = new Recorder();
        ModStatic m = new ModStatic();
        m.init(rec, rec, Path.of("../conf"));
        FilterResult lookup = m.staticFileHandler(new FakeRequest("GET", "/", "example_product", "1.2.3.4").header("Host", "example.org"));
        assertEquals(io.troupe.api.proxy.ReturnCode.BLOCKING, lookup.code(), "the file lookup runs off the event loop");
        FilterResult r = lookup.settled();
        FileResponse f = assertInstanceOf(FileResponse.class, r.response());
        assertEquals(200, f.status());
        assertEquals("index.html", f.file().getFileName().toString());
        assertTrue(f.header("Content-Type").startsWith("text/html"));
        FilterResult escape = m.staticFileHandler(new FakeRequest("GET", "/../mod_static/mod_static.conf", "example_product",
                "1.2.3.4").header("Host", "example.org")).settled();
        assertTrue(escape.response().status() == 404 || escape.response() instanceof FileResponse fr
                && fr.file().startsWith(Path.of("../conf/mod_static/html").toAbsolutePath().normalize()), "never leaves the root");
        assertEquals(405, m.staticFileHandler(new FakeRequest("POST", "/", "example_product", "1.2.3.4")
                .header("Host", "example.org")).response().status());
        assertEquals("video/x-msvideo", new MimeTypes("1", java.util.Map.of(".avi", "video/x-msvideo")).lookup("a.AVI"));
    }

    @Test
    void pathsAreCleanedAsGoDoesAndMissingFilesFallBackToTheDefaultCounted() throws Exception {
        Path conf = java.nio.file.Files.createTempDirectory("static-conf");
        Path html = java.nio.file.Files.createDirectories(conf.resolve("mod_static/html"));
        java.nio.file.Files.writeString(html.resolve("index.html"), "<p>index</p>");
        java.nio.file.Files.writeString(html.resolve("a.txt"), "plain text");
        java.nio.file.Files.write(html.resolve("a.txt.gz"), new byte[] {0x1f, (byte) 0x8b, 8, 0});
        java.nio.file.Files.writeString(conf.resolve("mod_static/mod_static.conf"), "[Basic]\n"
                + "DataPath = mod_static/static_rule.data\nMimeTypePath = mod_static/mime_type.data\n"
                + "EnableCompress = true\n");
        java.nio.file.Files.writeString(conf.resolve("mod_static/static_rule.data"), "{\"Version\": \"1\", \"Config\":"
                + " {\"p\": [{\"Cond\": \"default_t()\", \"Action\": {\"Cmd\": \"BROWSE\","
                + " \"Params\": [\"mod_static/html\", \"index.html\"]}}]}}");
        java.nio.file.Files.writeString(conf.resolve("mod_static/mime_type.data"),
                "{\"Version\": \"1\", \"Config\": {\".txt\": \"text/plain\", \".html\": \"text/html\"}}");
        Recorder rec = new Recorder();
        ModStatic m = new ModStatic();
        m.init(rec, rec, conf);

        // Go's http.Dir cleans "/../a.txt" to "/a.txt" inside the root
        FileResponse climbed = assertInstanceOf(FileResponse.class, m.staticFileHandler(
                new FakeRequest("GET", "/../a.txt", "p", "1.2.3.4")).settled().response());
        assertEquals(html.resolve("a.txt").toRealPath(), climbed.file().toRealPath());
        assertNull(climbed.header("Content-Encoding"), "no Accept-Encoding: the file itself");

        // EnableCompress: the .gz made beforehand, typed by the file's own extension
        FileResponse gz = assertInstanceOf(FileResponse.class, m.staticFileHandler(
                new FakeRequest("GET", "/a.txt", "p", "1.2.3.4").header("Accept-Encoding", "br, gzip")).settled().response());
        assertEquals("a.txt.gz", gz.file().getFileName().toString());
        assertEquals("gzip", gz.header("Content-Encoding"));
        assertEquals("text/plain", gz.header("Content-Type"));

        FileResponse fallback = assertInstanceOf(FileResponse.class, m.staticFileHandler(
                new FakeRequest("GET", "/missing", "p", "1.2.3.4")).settled().response());
        assertEquals("index.html", fallback.file().getFileName().toString());
        assertEquals(1, m.counter("FILE_BROWSE_NOT_EXIST"));
        assertEquals(1, m.counter("FILE_BROWSE_FALLBACK_DEFAULT"));

        assertEquals("a/b", ModStatic.cleanRooted("/x/../../a/./b/"));
        assertEquals("", ModStatic.cleanRooted("/.."));
    }
}
