package io.troupe.proxy.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.FileInputStream;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.io.TempDir;
import io.troupe.proxy.route.Backend;
import io.troupe.proxy.route.ClusterConf;
import io.troupe.proxy.tls.BackendTls;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class HealthProbeTest {
    private HttpServer server;
    private final List<String> seen = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", ex -> {
            seen.add(ex.getRequestMethod() + " " + ex.getRequestURI() + " host=" + ex.getRequestHeaders().getFirst("Host"));
            int code = ex.getRequestURI().getPath().equals("/ok") ? 204 : 302;
            ex.sendResponseHeaders(code, -1);
            ex.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private static ClusterConf conf(String schem, String uri, String host, int status, String range) {
        return conf(schem, uri, host, status, range, null);
    }

    private static ClusterConf conf(String schem, String uri, String host, int status, String range, BackendTls tls) {
        return new ClusterConf("c", null,
                new ClusterConf.CheckConf(schem, uri, host, status, range, 5, 1, 5000, 1000, false), null, null, tls);
    }

    private Backend backend() {
        return new Backend("a", "127.0.0.1", server.getAddress().getPort(), 1, "s", "c");
    }

    @Test
    void httpProbeSendsUriAndHostAndJudgesTheStatus() {
        HealthProbe.Result first = HealthProbe.probe(backend(), conf("http", "/ok", "", 204, ""));
        assertTrue(first.healthy(), first.detail());
        assertEquals("GET /ok host=127.0.0.1:" + server.getAddress().getPort(), seen.get(0));
        assertTrue(HealthProbe.probe(backend(), conf("http", "/ok", "svc.local", 0, "")).healthy());
        assertEquals("GET /ok host=svc.local", seen.get(1));
        // 2 is the 2xx class mask; a redirect is not healthy
        assertTrue(HealthProbe.probe(backend(), conf("http", "/ok", "", 2, "")).healthy());
        HealthProbe.Result redirect = HealthProbe.probe(backend(), conf("http", "/moved", "", 2, ""));
        assertFalse(redirect.healthy());
        assertTrue(redirect.detail().contains("status 302"), redirect.detail());
        assertTrue(HealthProbe.probe(backend(), conf("http", "/moved", "", 0, "2xx|302")).healthy());
        assertFalse(HealthProbe.probe(backend(), conf("http", "/moved", "", 0, "2xx|301")).healthy());
    }

    @Test
    void hostWithPortRedirectsTheProbeAndTcpOnlyConnects() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        Backend elsewhere = new Backend("a", "127.0.0.1", closed, 1, "s", "c");
        assertFalse(HealthProbe.probe(elsewhere, conf("tcp", "/", "", 0, "")).healthy());
        assertTrue(HealthProbe.probe(backend(), conf("tcp", "/", "", 0, "")).healthy());
        assertEquals(List.of(), seen, "tcp checks send no request");
        String hostWithPort = "svc.local:" + server.getAddress().getPort();
        assertTrue(HealthProbe.probe(elsewhere, conf("http", "/ok", hostWithPort, 204, "")).healthy());
        assertEquals("GET /ok host=" + hostWithPort, seen.get(0));
    }

    @Test
    void httpsAndTlsProbesVerifyTheCertificateLikeForwarding(@TempDir Path dir) throws Exception {
        Path store = dir.resolve("backend.p12");
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        Process p = new ProcessBuilder(keytool, "-genkeypair", "-alias", "backend", "-keyalg", "RSA", "-keysize", "2048",
                "-dname", "CN=backend.test", "-ext", "SAN=dns:backend.test", "-validity", "2", "-storetype", "PKCS12", "-keystore", store.toString(),
                "-storepass", "changeit", "-keypass", "changeit").redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "keytool finished");
        assertEquals(0, p.exitValue(), new String(p.getInputStream().readAllBytes()));
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (FileInputStream in = new FileInputStream(store.toFile())) {
            ks.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, "changeit".toCharArray());
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);
        HttpsServer https = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        https.setHttpsConfigurator(new HttpsConfigurator(ctx));
        https.createContext("/", ex -> {
            seen.add("https " + ex.getRequestURI());
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        https.start();
        try {
            Backend b = new Backend("a", "127.0.0.1", https.getAddress().getPort(), 1, "s", "c");
            java.security.cert.X509Certificate cert = (java.security.cert.X509Certificate) ks.getCertificate("backend");
            BackendTls trusted = BackendTls.of("backend.test", false, List.of(cert));
            HealthProbe.Result r = HealthProbe.probe(b, conf("https", "/hc", "", 200, "", trusted));
            assertTrue(r.healthy(), r.detail());
            assertEquals(List.of("https /hc"), seen);
            assertTrue(HealthProbe.probe(b, conf("tls", "/", "", 0, "", trusted)).healthy());
            // not signed by a CA the cluster trusts, or not the name it expects: unhealthy, and no request is sent
            HealthProbe.Result untrusted = HealthProbe.probe(b, conf("https", "/hc", "", 200, ""));
            assertFalse(untrusted.healthy());
            assertTrue(untrusted.detail().contains("TLS handshake"), untrusted.detail());
            assertFalse(HealthProbe.probe(b, conf("tls", "/", "", 0, "",
                    BackendTls.of("other.test", false, List.of(cert)))).healthy());
            assertTrue(HealthProbe.probe(b, conf("tls", "/", "", 0, "", BackendTls.of(null, true, List.of()))).healthy());
            assertEquals(List.of("https /hc"), seen);
            // a plain-HTTP backend fails a TLS check
            assertFalse(HealthProbe.probe(backend(), conf("tls", "/", "", 0, "", trusted)).healthy());
        } finally {
            https.stop(0);
        }
    }
}
