package io.troupe.module.compress;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.aayushatharva.brotli4j.decoder.BrotliInputStream;
import io.troupe.api.proxy.BodyTransform;
import io.troupe.api.proxy.Response;
import io.troupe.api.proxy.config.ConfigFileException;
import io.troupe.module.testing.FakeRequest;
import io.troupe.module.testing.Recorder;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CompressTest {
    @TempDir
    Path dir;

    private static byte[] body() {
        return "hello compressed world, ".repeat(500).getBytes(StandardCharsets.UTF_8);
    }

    /** Feeds the body in pieces, as the data plane does, and checks that output appears before the end. */
    private static byte[] run(BodyTransform t, byte[] in) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int piece = 1000;
        boolean earlyOutput = false;
        for (int i = 0; i < in.length; i += piece) {
            byte[] chunk = java.util.Arrays.copyOfRange(in, i, Math.min(in.length, i + piece));
            byte[] o = t.transform(chunk, false);
            earlyOutput |= i > 0 && o.length > 0;
            out.write(o);
        }
        out.write(t.transform(new byte[0], true));
        assertTrue(earlyOutput, "FlushSize makes output flow before the end");
        return out.toByteArray();
    }

    @Test
    void gzipRoundTrips() throws Exception {
        byte[] z = run(new GzipTransform(9, 512), body());
        assertTrue(z.length < body().length / 5);
        assertArrayEquals(body(), new GZIPInputStream(new ByteArrayInputStream(z)).readAllBytes());
        byte[] huff = run(new GzipTransform(-2, 64), body());
        assertArrayEquals(body(), new GZIPInputStream(new ByteArrayInputStream(huff)).readAllBytes());
    }

    @Test
    void brotliRoundTrips() throws Exception {
        assertTrue(Brotli.available(), Brotli.unavailableReason());
        byte[] br = run(new Brotli(5, 512), body());
        assertArrayEquals(body(), new BrotliInputStream(new ByteArrayInputStream(br)).readAllBytes());
    }

    @Test
    void abortReleasesAHalfDoneTransform() throws Exception {
        GzipTransform g = new GzipTransform(6, 512);
        g.transform(body(), false);
        g.abort();
        assertThrows(NullPointerException.class, () -> g.transform(body(), false), "the deflater is gone");
        Brotli b = new Brotli(5, 512);
        b.transform(body(), false);
        b.abort();
        assertThrows(java.io.IOException.class, () -> b.transform(body(), false), "the encoder is closed");
    }

    @Test
    void badFilesAreRejectedNamingFileAndField() throws Exception {
        String ok = "{\"Cond\":\"default_t()\",\"Action\":{\"Cmd\":\"GZIP\",\"Quality\":9,\"FlushSize\":512}}";
        String[][] cases = {
                {"{\"Version\":\"1\",\"Config\":{\"p\":[" + ok.replace("GZIP", "ZSTD") + "]}}", "Config.p[0].Action.Cmd"},
                {"{\"Version\":\"1\",\"Config\":{\"p\":[" + ok.replace("9", "10") + "]}}", "Config.p[0].Action.Quality"},
                {"{\"Version\":\"1\",\"Config\":{\"p\":[" + ok.replace("512", "32") + "]}}", "Config.p[0].Action.FlushSize"},
                {"{\"Version\":\"1\",\"Config\":{\"p\":[" + ok.replace(",\"FlushSize\":512", "") + "]}}", "Config.p[0].Action.FlushSize"},
                {"{\"Version\":\"1\",\"Config\":{\"p\":[" + ok.replace("GZIP\",\"Quality\":9", "BROTLI\",\"Quality\":12") + "]}}", "Config.p[0].Action.Quality"},
                {"{\"Config\":{}}", "Version"},
        };
        for (String[] c : cases) {
            Path f = dir.resolve("compress_rule.data");
            Files.writeString(f, c[0]);
            ConfigFileException e = assertThrows(ConfigFileException.class, () -> CompressRules.load(f), c[1]);
            assertTrue(e.getMessage().startsWith(f.toString()) && e.getMessage().contains(c[1]), e.getMessage());
        }
    }

    /** One response of {@code status} (with {@code contentEncoding} unless null) to a request for example.org. */
    private static Response handled(ModCompress m, String method, String accept, int status, String contentEncoding) {
        FakeRequest r = new FakeRequest(method, "/", "example_product", "1.2.3.4").header("Host", "example.org");
        if (accept != null) {
            r.header("Accept-Encoding", accept);
        }
        Response res = Response.of(status, "body");
        res.setHeader("Content-Length", "4");
        if (contentEncoding != null) {
            res.setHeader("Content-Encoding", contentEncoding);
        }
        m.compressHandler(r, res);
        return res;
    }

    @Test
    void shippedRulesEncodeWhatAcceptingClientsGetAsBfeDoes() throws Exception {
        Recorder rec = new Recorder();
        ModCompress m = new ModCompress();
        m.init(rec, rec, Path.of("../conf"));
        Response res = handled(m, "GET", "br;q=0, gzip", 200, null);
        assertEquals("gzip", res.header("Content-Encoding"));
        assertNull(res.header("Content-Length"));
        assertNull(handled(m, "GET", null, 200, null).header("Content-Encoding"), "the client accepts no encoding");
        // as BFE: any status with a body, and Content-Encoding: identity, are compressed
        assertEquals("gzip", handled(m, "GET", "gzip", 404, "identity").header("Content-Encoding"));
        // already encoded, or no body: left alone
        assertEquals("br", handled(m, "GET", "gzip", 200, "br").header("Content-Encoding"));
        assertNull(handled(m, "HEAD", "gzip", 304, null).header("Content-Encoding"));

        assertFalse(io.troupe.module.support.AcceptEncoding.has("gzip;q=0", "gzip"));
        // BFE's ModuleCompressState: REQ_TOTAL counts accepting clients whose response is not encoded yet
        assertEquals(4, m.counter("REQ_SUPPORT_COMPRESS"));
        assertEquals(3, m.counter("REQ_TOTAL"));
        assertEquals(3, m.counter("REQ_MATCH_COMPRESS_RULE"));
        assertEquals(2, m.counter("RES_ENCODE_GZIP_COMPRESS"));
        assertEquals(0, m.counter("RES_ENCODE_BR_COMPRESS"));
        assertEquals(2, m.counter("RES_ENCODE_COMPRESS"));
    }
}
