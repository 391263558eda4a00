package io.troupe.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.api.condition.Condition;
import io.troupe.api.condition.Conditions;
import io.troupe.api.proxy.Request;
import io.troupe.proxy.forward.ClusterPolicy;
import io.troupe.proxy.forward.Router;
import io.troupe.proxy.forward.Upstream;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The PROXY protocol on a listener ({@code layer4-load-balancer = PROXY}): v1 and v2 headers set the client
 * address that {@code req_cip_range} routes by and X-Forwarded-For carries; a connection without one is served
 * with its socket peer, and a malformed one is closed.
 */
class ProxyProtocolTest {
    private TestBackend inside;
    private TestBackend outside;
    private TestProxy proxy;
    private Router byClientIp;
    @TempDir
    Path dir;

    @BeforeEach
    void setUp() throws Exception {
        inside = new TestBackend("inside");
        outside = new TestBackend("outside");
        TestRouter clusters = new TestRouter()
                .cluster("inside", ClusterPolicy.DEFAULT, inside.port())
                .cluster("outside", ClusterPolicy.DEFAULT, outside.port());
        Condition tenNet = Conditions.build("req_cip_range(\"10.0.0.0\", \"10.255.255.255\")");
        // routes by the condition a BFE route rule would use: clients in 10/8 go inside
        byClientIp = new Router() {
            @Override
            public Routed route(Request r) {
                r.setHeader("Host", tenNet.match(r) ? "inside" : "outside");
                return clusters.route(r);
            }

            @Override
            public void reportSuccess(Upstream u) {}

            @Override
            public void reportFailure(Upstream u) {}
        };
        proxy = new TestProxy(byClientIp, "layer4-load-balancer = PROXY");
    }

    @AfterEach
    void tearDown() {
        proxy.close();
        inside.close();
        outside.close();
    }

    private static final String GET = "GET /p HTTP/1.1\r\nHost: x.test\r\n\r\n";

    @Test
    void v1HeaderSetsTheClientAddress() throws Exception {
        try (RawHttp c = new RawHttp(proxy.port())) {
            c.send("PROXY TCP4 10.1.2.3 192.0.2.1 56324 443\r\n" + GET);
            RawHttp.Resp r = c.read();
            assertEquals(200, r.status());
            assertEquals("inside", r.header("X-Backend"));
            assertTrue(r.body().contains("xff=10.1.2.3 "), r.body());
            // later requests on the connection keep the address
            c.send(GET);
            assertEquals("inside", c.read().header("X-Backend"));
        }
        try (RawHttp c = new RawHttp(proxy.port())) {
            c.send("PROXY TCP4 172.16.0.9 192.0.2.1 56324 443\r\n" + GET);
            RawHttp.Resp r = c.read();
            assertEquals("outside", r.header("X-Backend"));
            assertTrue(r.body().contains("xff=172.16.0.9 "), r.body());
        }
    }

    @Test
    void v2HeaderSetsTheClientAddress() throws Exception {
        try (RawHttp c = new RawHttp(proxy.port())) {
            c.socket.getOutputStream().write(v2(new byte[] {10, 9, 8, 7}, 40000));
            c.send(GET);
            RawHttp.Resp r = c.read();
            assertEquals(200, r.status());
            assertEquals("inside", r.header("X-Backend"));
            assertTrue(r.body().contains("xff=10.9.8.7 "), r.body());
        }
        try (RawHttp c = new RawHttp(proxy.port())) {
            c.socket.getOutputStream().write(v2(new byte[] {(byte) 192, (byte) 168, 1, 1}, 40000));
            c.send(GET);
            assertEquals("outside", c.read().header("X-Backend"));
        }
    }

    @Test
    void withoutAHeaderTheSocketPeerIsTheClient() throws Exception {
        try (RawHttp c = new RawHttp(proxy.port())) {
            c.send(GET);
            RawHttp.Resp r = c.read();
            assertEquals("outside", r.header("X-Backend"));
            assertTrue(r.body().contains("xff=127.0.0.1 "), r.body());
        }
    }

    @Test
    void aMalformedHeaderClosesTheConnection() throws Exception {
        try (RawHttp c = new RawHttp(proxy.port())) {
            c.send("PROXY TCP4 not-an-ip 192.0.2.1 1 2\r\n" + GET);
            assertTrue(c.closedByPeer());
        }
        assertEquals(0, inside.hits.get() + outside.hits.get());
    }

    @Test
    void theHeaderComesBeforeTlsOnTheHttpsListener() throws Exception {
        Path ks = dir.resolve("p.p12");
        Process p = new ProcessBuilder("keytool", "-genkeypair", "-alias", "p", "-keyalg", "RSA", "-keysize", "2048",
                "-dname", "CN=p.test", "-validity", "2", "-storetype", "PKCS12", "-keystore", ks.toString(),
                "-storepass", "secret1", "-keypass", "secret1").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        try (TestProxy tls = new TestProxy(byClientIp, "layer4-load-balancer = PROXY, https-port = 0, "
                + "tls.certificates = [{ keystore = \"" + ks + "\", password = secret1 }]");
             Socket raw = new Socket("127.0.0.1", tls.server.httpsPort())) {
            raw.setSoTimeout(10_000);
            raw.getOutputStream().write("PROXY TCP4 10.4.4.4 192.0.2.1 5555 443\r\n".getBytes(StandardCharsets.US_ASCII));
            SSLContext trustAll = SSLContext.getInstance("TLS");
            trustAll.init(null, new TrustManager[] {new X509TrustManager() {
                public void checkClientTrusted(X509Certificate[] c, String a) {}
                public void checkServerTrusted(X509Certificate[] c, String a) {}
                public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
            }}, null);
            try (SSLSocket s = (SSLSocket) trustAll.getSocketFactory().createSocket(raw, "p.test", raw.getPort(), true)) {
                s.startHandshake();
                OutputStream o = s.getOutputStream();
                o.write("GET /tls HTTP/1.1\r\nHost: x.test\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                o.flush();
                String all = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertTrue(all.startsWith("HTTP/1.1 200"), all);
                assertTrue(all.toLowerCase().contains("x-backend: inside"), all);
                assertTrue(all.contains("xff=10.4.4.4 "), all);
                assertTrue(all.contains("xfproto=https"), all);
            }
        }
    }

    /** A PROXY v2 header: PROXY command, TCP over IPv4, to 192.0.2.1:443. */
    private static byte[] v2(byte[] src, int srcPort) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(new byte[] {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A});
        b.write(0x21); // version 2, PROXY
        b.write(0x11); // AF_INET, STREAM
        b.write(0);
        b.write(12); // address block length
        b.writeBytes(src);
        b.writeBytes(new byte[] {(byte) 192, 0, 2, 1});
        b.write(srcPort >> 8);
        b.write(srcPort & 0xff);
        b.write(443 >> 8);
        b.write(443 & 0xff);
        return b.toByteArray();
    }
}
