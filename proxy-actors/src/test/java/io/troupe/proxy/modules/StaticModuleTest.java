package io.troupe.proxy.modules;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.module.staticfile.ModStatic;
import io.troupe.proxy.RawHttp;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Random;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** mod_static with BFE's static_rule.data and mime_type.data: files, types, ranges, HEAD, TLS. */
class StaticModuleTest {
    @TempDir
    Path root;

    private byte[] big;

    private Path setUp() throws Exception {
        BuiltinHarness.copyShipped("mod_static", root);
        big = new byte[300_000];
        new Random(7).nextBytes(big);
        Files.write(root.resolve("mod_static/html/big.avi"), big);
        Files.createDirectories(root.resolve("mod_static/html/docs"));
        Files.writeString(root.resolve("mod_static/html/docs/a.txt"), "0123456789");
        return root;
    }

    /** Reads one response with a Content-Length body as raw bytes. */
    private static byte[][] rawResponse(InputStream in) throws Exception {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != -1) {
            head.write(c);
            byte[] h = head.toByteArray();
            int n = h.length;
            if (n >= 4 && h[n - 4] == '\r' && h[n - 3] == '\n' && h[n - 2] == '\r' && h[n - 1] == '\n') {
                break;
            }
        }
        String headText = head.toString(StandardCharsets.ISO_8859_1);
        int len = 0;
        for (String line : headText.split("\r\n")) {
            if (line.toLowerCase().startsWith("content-length:")) {
                len = Integer.parseInt(line.substring(15).trim());
            }
        }
        return new byte[][] {head.toByteArray(), in.readNBytes(len)};
    }

    @Test
    void servesFilesRangesAndDefaults() throws Exception {
        try (BuiltinHarness h = new BuiltinHarness(new ModStatic(), setUp())) {
            try (RawHttp c = new RawHttp(h.port())) {
                c.send("GET / HTTP/1.1\r\nHost: example.org\r\n\r\n");
                RawHttp.Resp index = c.read();
                assertEquals(200, index.status());
                assertTrue(index.header("Content-Type").startsWith("text/html"), index.header("Content-Type"));
                assertTrue(index.body().contains("Served by Troupe mod_static"), index.body());
                assertTrue(index.header("Last-Modified").endsWith("GMT"));
                c.send("GET /docs/a.txt HTTP/1.1\r\nHost: example.org\r\nRange: bytes=2-5\r\n\r\n");
                RawHttp.Resp part = c.read();
                assertEquals(206, part.status());
                assertEquals("2345", part.body());
                assertEquals("bytes 2-5/10", part.header("Content-Range"));
                c.send("GET /docs/a.txt HTTP/1.1\r\nHost: example.org\r\nRange: bytes=20-\r\n\r\n");
                RawHttp.Resp bad = c.read();
                assertEquals(416, bad.status());
                assertEquals("bytes */10", bad.header("Content-Range"));
                c.send("HEAD /docs/a.txt HTTP/1.1\r\nHost: example.org\r\n\r\n");
                RawHttp.Resp head = c.read(true);
                assertEquals(200, head.status());
                assertEquals("10", head.header("Content-Length"));
                c.send("GET /missing.html HTTP/1.1\r\nHost: example.org\r\n\r\n");
                assertEquals(200, c.read().status(), "a missing file falls back to the default file");
                c.send("GET /docs/a.txt HTTP/1.1\r\nHost: other.org\r\n\r\n");
                assertTrue(c.read().body().contains("backend=b"), "another product goes to the backend");
            }
            // a large file with the type from mime_type.data, sent with sendfile, on a keep-alive connection
            try (java.net.Socket s = new java.net.Socket("127.0.0.1", h.port())) {
                s.setSoTimeout(10_000);
                OutputStream out = s.getOutputStream();
                out.write("GET /big.avi HTTP/1.1\r\nHost: example.org\r\n\r\nGET /big.avi HTTP/1.1\r\nHost: example.org\r\nRange: bytes=-1000\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                byte[][] first = rawResponse(s.getInputStream());
                String head = new String(first[0], StandardCharsets.ISO_8859_1);
                assertTrue(head.contains("Content-Type: video/x-msvideo"), head);
                assertArrayEquals(big, first[1]);
                byte[][] second = rawResponse(s.getInputStream());
                assertTrue(new String(second[0], StandardCharsets.ISO_8859_1).startsWith("HTTP/1.1 206"));
                assertArrayEquals(Arrays.copyOfRange(big, big.length - 1000, big.length), second[1]);
            }
            String m = h.monitor("mod_static");
            assertTrue(m.contains("\"FILE_BROWSE_COUNT\":7"), m);
        }
    }

    @Test
    @Tag("process")
    void overTlsTheFileIsReadInChunks() throws Exception {
        Path ks = root.resolve("ks.p12");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "k", "-keyalg", "EC", "-dname", "CN=example.org", "-validity", "2",
                "-storetype", "PKCS12", "-keystore", ks.toString(), "-storepass", "secret1", "-keypass", "secret1")
                .redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        assertEquals(0, p.waitFor());
        try (BuiltinHarness h = new BuiltinHarness(new ModStatic(), setUp(), "https-port = 0, tls.certificates = ["
                + "{ server-names = [\"example.org\"], keystore = \"" + ks + "\", password = secret1 }]")) {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {new X509TrustManager() {
                public void checkClientTrusted(X509Certificate[] c, String a) {}
                public void checkServerTrusted(X509Certificate[] c, String a) {}
                public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
            }}, null);
            try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", h.proxy.server.httpsPort())) {
                s.setSoTimeout(10_000);
                s.getOutputStream().write("GET /big.avi HTTP/1.1\r\nHost: example.org\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                byte[][] r = rawResponse(s.getInputStream());
                assertTrue(new String(r[0], StandardCharsets.ISO_8859_1).startsWith("HTTP/1.1 200"));
                assertArrayEquals(big, r[1]);
            }
        }
    }
}
