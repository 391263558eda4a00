package io.troupe.proxy.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.troupe.module.web.WebHandlerRegistry;
import io.troupe.proxy.ProxyRuntime;
import io.troupe.proxy.TestBackend;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * BFE's tls_conf files through the whole proxy: two certificates chosen by SNI, an mTLS product whose verified
 * client certificate makes {@code ses_tls_client_auth()} true, a {@code /reload/tls_conf} that serves a third
 * certificate on the next handshake, and a bad reload that keeps the old certificates serving.
 */
class TlsConfFilesTest {
    @TempDir
    Path conf;
    private ActorTestKit kit;
    private ProxyRuntime proxy;
    private final WebHandlerRegistry web = new WebHandlerRegistry();
    private TestBackend plain;
    private TestBackend mtls;
    private TestCerts certs;

    @BeforeEach
    void setUp() throws Exception {
        plain = new TestBackend("plain");
        mtls = new TestBackend("mtls");
        Path tls = Files.createDirectories(conf.resolve("tls_conf"));
        Path clientCa = Files.createDirectories(tls.resolve("client_ca"));
        certs = new TestCerts(Files.createDirectories(conf.resolve("certs")));
        certs.leaf("a.test", null, true);
        certs.leaf("b.test", null, false);
        certs.leaf("c.test", null, false);
        certs.ca("client_ca");
        certs.leaf("client1", "client_ca", false);
        Files.copy(certs.dir().resolve("client_ca.crt"), clientCa.resolve("client_ca.crt"));
        writeCertConf("v1", "");
        Files.writeString(tls.resolve("tls_rule_conf.data"), """
                {"Version": "r1", "DefaultNextProtos": ["http/1.1"],
                 "Config": {
                   "open": {"CertName": "a", "SniConf": ["a.test"], "Grade": "C", "NextProtos": ["h2;rate=0;level=0", "http/1.1"]},
                   "secure": {"CertName": "b", "SniConf": ["b.test"], "Grade": "A", "ClientAuth": true,
                              "ClientCAName": "client_ca", "NextProtos": ["http/1.1"]}}}
                """);
        Path sd = Files.createDirectories(conf.resolve("server_data_conf"));
        Path cc = Files.createDirectories(conf.resolve("cluster_conf"));
        Files.writeString(sd.resolve("host_rule.data"), """
                {"Version": "h1", "DefaultProduct": "p", "Hosts": {"t": ["a.test", "b.test", "c.test"]},
                 "HostTags": {"p": ["t"]}}
                """);
        Files.writeString(sd.resolve("route_rule.data"), """
                {"Version": "r1", "ProductRule": {"p": [
                   {"Cond": "ses_tls_client_auth() && ses_tls_client_ca_in(\\"client_ca\\")", "ClusterName": "c_mtls"},
                   {"Cond": "default_t()", "ClusterName": "c_plain"}]}}
                """);
        Files.writeString(sd.resolve("cluster_conf.data"), """
                {"Version": "c1", "Config": {"c_plain": {}, "c_mtls": {}}}
                """);
        Files.writeString(cc.resolve("cluster_table.data"), """
                {"Version": "t1", "Config": {"c_plain": {"s": [%s]}, "c_mtls": {"s": [%s]}}}
                """.formatted(backend(plain), backend(mtls)));
        Files.writeString(cc.resolve("gslb.data"), """
                {"Clusters": {"c_plain": {"s": 100}, "c_mtls": {"s": 100}}, "Hostname": "", "Ts": "g1"}
                """);
        kit = ActorTestKit.create(ConfigFactory.parseString("""
                pekko.actor.serialize-messages = on
                troupe.proxy { bind = 127.0.0.1, http-port = -1, https-port = 0, event-loops = 1 }
                """).withFallback(ConfigFactory.load()));
        proxy = ProxyRuntime.start(kit.system(), conf, web);
    }

    @AfterEach
    void tearDown() {
        if (proxy != null) {
            proxy.stop();
        }
        kit.shutdownTestKit();
        plain.close();
        mtls.close();
    }

    private static String backend(TestBackend b) {
        return "{\"Name\": \"" + b.name + "\", \"Addr\": \"127.0.0.1\", \"Port\": " + b.port() + ", \"Weight\": 1}";
    }

    private void writeCertConf(String version, String extra) throws IOException {
        String d = certs.dir().toString();
        // a.test as a path relative to the conf root, the others absolute: both are BFE's forms
        Files.writeString(conf.resolve("tls_conf/server_cert_conf.data"), """
                {"Version": "%s", "Config": {"Default": "a", "CertConf": {
                   "a": {"ServerCertFile": "certs/a.test.crt", "ServerKeyFile": "certs/a.test.key"},
                   "b": {"ServerCertFile": "%s/b.test.crt", "ServerKeyFile": "%s/b.test.key"}%s}}}
                """.formatted(version, d, d, extra));
    }

    /** One request over TLS with {@code sni}; returns the server certificate's subject and the response head. */
    private String[] request(String sni, String clientCert) throws Exception {
        SSLContext ctx = certs.client(clientCert);
        try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", proxy.httpsPort())) {
            s.setSoTimeout(10_000);
            SSLParameters p = s.getSSLParameters();
            p.setServerNames(List.of(new SNIHostName(sni)));
            s.setSSLParameters(p);
            s.startHandshake();
            String subject = ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSubjectX500Principal().getName();
            s.getOutputStream().write(("GET /x HTTP/1.1\r\nHost: " + sni + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            return new String[] {subject, readAll(s.getInputStream())};
        }
    }

    private static String readAll(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        in.transferTo(out);
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void certificatesAreChosenByServerNameAndTheDefaultServesTheRest() throws Exception {
        String[] a = request("a.test", null);
        assertEquals("CN=a.test", a[0]);
        assertTrue(a[1].startsWith("HTTP/1.1 200") && a[1].toLowerCase().contains("x-backend: plain"), a[1]);
        assertEquals("CN=a.test", request("unknown.test", null)[0]);
    }

    @Test
    void theMtlsProductRefusesAClientWithoutACertificateAndMarksAVerifiedOne() throws Exception {
        String[] ok = request("b.test", "client1");
        assertEquals("CN=b.test", ok[0]);
        assertTrue(ok[1].startsWith("HTTP/1.1 200") && ok[1].toLowerCase().contains("x-backend: mtls"), ok[1]);
        assertEquals(1, mtls.hits.get());

        String got;
        try {
            got = request("b.test", null)[1];
        } catch (IOException refused) {
            got = "refused: " + refused;
        }
        assertFalse(got.contains("HTTP/1.1"), got);
        assertEquals(1, mtls.hits.get());
        assertEquals(0, plain.hits.get());
    }

    @Test
    void aReloadServesTheThirdCertificateAndABadOneKeepsTheOldOnes() throws Exception {
        assertEquals("CN=a.test", request("c.test", null)[0]);
        String d = certs.dir().toString();
        writeCertConf("v2", ", \"c\": {\"ServerCertFile\": \"%s/c.test.crt\", \"ServerKeyFile\": \"%s/c.test.key\"}"
                .formatted(d, d));
        String version = web.reload("tls_conf").orElseThrow().reload(Map.of());
        assertEquals("server_cert_conf=v2,tls_rule_conf=r1", version);
        assertEquals("CN=c.test", request("c.test", null)[0]);

        writeCertConf("v3", ", \"c\": {\"ServerCertFile\": \"%s/missing.crt\", \"ServerKeyFile\": \"%s/c.test.key\"}"
                .formatted(d, d));
        Exception e = assertThrows(Exception.class, () -> web.reload("tls_conf").orElseThrow().reload(Map.of()));
        assertTrue(e.getMessage().contains("server_cert_conf.data: Config.CertConf.c.ServerCertFile")
                && e.getMessage().contains("missing.crt"), e.getMessage());
        assertEquals("CN=c.test", request("c.test", null)[0]);
        assertEquals("CN=a.test", request("a.test", null)[0]);
    }
}
