package io.troupe.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 1 GiB upload and a 1 GiB download stream through a proxy running in its own JVM with a 256 MiB heap
 * (and 256 MiB of direct memory): any buffering of whole bodies would run it out of memory.
 */
@Tag("process")
class StreamingUploadProcessTest {
    private static final long GIB = 1L << 30;

    @TempDir
    Path conf;

    static void writeConf(Path conf, int backendPort) throws Exception {
        Path sd = Files.createDirectories(conf.resolve("server_data_conf"));
        Path cc = Files.createDirectories(conf.resolve("cluster_conf"));
        Files.writeString(sd.resolve("host_rule.data"), """
                {"Version": "1", "DefaultProduct": "p", "Hosts": {"t": ["up.test"]}, "HostTags": {"p": ["t"]}}""");
        Files.writeString(sd.resolve("route_rule.data"), """
                {"Version": "1", "BasicRule": {"p": [{"Path": ["*"], "ClusterName": "c"}]}}""");
        Files.writeString(sd.resolve("cluster_conf.data"), """
                {"Version": "1", "Config": {"c": {"BackendConf": {"MaxIdleConnsPerHost": 64}}}}""");
        Files.writeString(cc.resolve("cluster_table.data"), """
                {"Version": "1", "Config": {"c": {"s": [{"Name": "a", "Addr": "127.0.0.1", "Port": %d, "Weight": 1}]}}}"""
                .formatted(backendPort));
        Files.writeString(cc.resolve("gslb.data"), """
                {"Clusters": {"c": {"s": 100}}, "Hostname": "", "Ts": "1"}""");
    }

    @Test
    void oneGibUploadAndDownloadPassWithA256MibHeap() throws Exception {
        try (TestBackend backend = new TestBackend("big")) {
            writeConf(conf, backend.port());
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process p = new ProcessBuilder(List.of(java, "-Xmx256m", "-XX:MaxDirectMemorySize=256m",
                    "-Dtroupe.proxy.bind=127.0.0.1", "-Dtroupe.proxy.https-port=-1", "-Dtroupe.proxy.event-loops=1",
                    "-cp", System.getProperty("java.class.path"), "io.troupe.proxy.ProxyMain",
                    "--conf", conf.toString(), "--http-port", "0"))
                    .redirectError(conf.resolve("proxy.err").toFile()).start();
            try {
                BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                CompletableFuture<Integer> port = CompletableFuture.supplyAsync(() -> {
                    try {
                        String line;
                        while ((line = out.readLine()) != null) {
                            if (line.startsWith("PROXY_HTTP_PORT=")) {
                                return Integer.parseInt(line.substring(16));
                            }
                        }
                        return -1;
                    } catch (Exception e) {
                        return -1;
                    }
                });
                int proxyPort = port.get(60, TimeUnit.SECONDS);
                assertTrue(proxyPort > 0, "proxy did not start");

                try (RawHttp c = new RawHttp(proxyPort)) {
                    c.socket.setSoTimeout(120_000);
                    OutputStream os = c.socket.getOutputStream();
                    os.write(("POST /upload HTTP/1.1\r\nHost: up.test\r\nContent-Length: " + GIB + "\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    byte[] chunk = new byte[1 << 16];
                    for (long sent = 0; sent < GIB; sent += chunk.length) {
                        os.write(chunk);
                    }
                    os.flush();
                    RawHttp.Resp r = c.read();
                    assertNotNull(r);
                    assertEquals(200, r.status(), r.body());
                    assertTrue(r.body().contains("bytes=" + GIB), r.body());

                    c.send("GET /big?n=" + GIB + " HTTP/1.1\r\nHost: up.test\r\n\r\n");
                    long got = readChunkedLength(c.socket.getInputStream());
                    assertEquals(GIB, got);
                }
                System.out.println("proxy peak RSS: " + peakRss(p.pid()));
                assertTrue(p.isAlive(), "proxy died");
            } catch (Throwable t) {
                System.out.println("proxy stderr:\n" + Files.readString(conf.resolve("proxy.err")));
                throw t;
            } finally {
                p.destroy();
                if (!p.waitFor(20, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            }
        }
    }

    /** Reads a response head and then its body (chunked or Content-Length) without keeping it; returns its length. */
    private static long readChunkedLength(java.io.InputStream in) throws Exception {
        java.io.DataInputStream d = new java.io.DataInputStream(new java.io.BufferedInputStream(in, 1 << 16));
        String line = readLine(d);
        assertTrue(line.startsWith("HTTP/1.1 200"), line);
        boolean chunked = false;
        long length = -1;
        while (!(line = readLine(d)).isEmpty()) {
            String l = line.toLowerCase();
            if (l.startsWith("transfer-encoding:") && l.contains("chunked")) {
                chunked = true;
            } else if (l.startsWith("content-length:")) {
                length = Long.parseLong(l.substring(15).trim());
            }
        }
        byte[] buf = new byte[1 << 16];
        if (!chunked) {
            long left = length;
            while (left > 0) {
                int n = d.read(buf, 0, (int) Math.min(buf.length, left));
                if (n < 0) {
                    break;
                }
                left -= n;
            }
            return length - left;
        }
        long total = 0;
        while (true) {
            int size = Integer.parseInt(readLine(d).split(";")[0].trim(), 16);
            if (size == 0) {
                readLine(d);
                return total;
            }
            d.readFully(buf.length >= size ? buf : new byte[size], 0, size);
            total += size;
            readLine(d);
        }
    }

    private static String readLine(java.io.DataInputStream d) throws Exception {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = d.read()) != -1 && c != '\n') {
            if (c != '\r') {
                sb.append((char) c);
            }
        }
        return sb.toString();
    }

    private static String peakRss(long pid) {
        try {
            return Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream()
                    .filter(l -> l.startsWith("VmHWM")).findFirst().orElse("n/a");
        } catch (Exception e) {
            return "n/a";
        }
    }
}
