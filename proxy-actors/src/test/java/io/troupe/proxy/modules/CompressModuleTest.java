package io.troupe.proxy.modules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.aayushatharva.brotli4j.decoder.BrotliInputStream;
import io.troupe.module.compress.ModCompress;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** mod_compress with BFE's compress_rule.data (GZIP, Quality 9, FlushSize 512) and a BROTLI rule. */
class CompressModuleTest {
    @TempDir
    Path root;

    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private HttpResponse<byte[]> get(int port, String host, String path, String acceptEncoding) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).header("Host", host);
        if (acceptEncoding != null) {
            b.header("Accept-Encoding", acceptEncoding);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    @Test
    void gzipsStreamedBodiesForClientsThatAcceptIt() throws Exception {
        BuiltinHarness.copyShipped("mod_compress", root);
        try (BuiltinHarness h = new BuiltinHarness(new ModCompress(), root)) {
            HttpResponse<byte[]> z = get(h.port(), "example.org", "/big?n=200000", "gzip, deflate");
            assertEquals(200, z.statusCode());
            assertEquals("gzip", z.headers().firstValue("Content-Encoding").orElse(null));
            byte[] plain = new GZIPInputStream(new ByteArrayInputStream(z.body())).readAllBytes();
            assertEquals(200000, plain.length);
            assertTrue(z.body().length < 20000, "zeros compress well: " + z.body().length);
            HttpResponse<byte[]> text = get(h.port(), "example.org", "/hello", "gzip");
            String body = new String(new GZIPInputStream(new ByteArrayInputStream(text.body())).readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(body.contains("uri=/hello"), body);
            HttpResponse<byte[]> none = get(h.port(), "example.org", "/hello", null);
            assertNull(none.headers().firstValue("Content-Encoding").orElse(null));
            assertTrue(new String(none.body(), StandardCharsets.UTF_8).contains("uri=/hello"));
            HttpResponse<byte[]> notOk = get(h.port(), "example.org", "/status/404", "gzip");
            assertEquals(404, notOk.statusCode());
            assertEquals("gzip", notOk.headers().firstValue("Content-Encoding").orElse(null), "BFE compresses any status");
            new GZIPInputStream(new ByteArrayInputStream(notOk.body())).readAllBytes();
            HttpResponse<byte[]> other = get(h.port(), "other.org", "/hello", "gzip");
            assertNull(other.headers().firstValue("Content-Encoding").orElse(null), "no rule for that product");
            String m = h.monitor("mod_compress");
            // BFE's counts: REQ_TOTAL only for clients that accept an encoding
            assertTrue(m.contains("\"RES_ENCODE_COMPRESS\":3") && m.contains("\"RES_ENCODE_GZIP_COMPRESS\":3")
                    && m.contains("\"REQ_TOTAL\":4") && m.contains("\"REQ_SUPPORT_COMPRESS\":4"), m);
        }
    }

    @Test
    void brotliWhereTheRuleAsksForIt() throws Exception {
        BuiltinHarness.copyShipped("mod_compress", root);
        Path data = root.resolve("mod_compress/compress_rule.data");
        Files.writeString(data, Files.readString(data).replace("\"GZIP\"", "\"BROTLI\"").replace("\"Quality\": 9", "\"Quality\": 5"));
        try (BuiltinHarness h = new BuiltinHarness(new ModCompress(), root)) {
            HttpResponse<byte[]> br = get(h.port(), "example.org", "/big?n=100000", "gzip, br");
            assertEquals("br", br.headers().firstValue("Content-Encoding").orElse(null));
            assertEquals(100000, new BrotliInputStream(new ByteArrayInputStream(br.body())).readAllBytes().length);
            HttpResponse<byte[]> gz = get(h.port(), "example.org", "/hello", "gzip");
            assertNull(gz.headers().firstValue("Content-Encoding").orElse(null), "a BROTLI rule needs br in Accept-Encoding");
        }
    }
}
