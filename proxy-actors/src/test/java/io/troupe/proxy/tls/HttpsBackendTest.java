package io.troupe.proxy.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.troupe.module.web.WebHandlerRegistry;
import io.troupe.proxy.ProxyRuntime;
import io.troupe.proxy.config.ConfigException;
import io.troupe.proxy.monitor.ProxyStats.Key;
import io.troupe.proxy.route.RouteTables;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code Protocol: "https"} clusters through a real nginx with TLS: the backend's certificate is verified
 * against the cluster's {@code RSCAList} and {@code RSHost}; a wrong CA fails the handshake and the client
 * gets a 502. A protocol Troupe does not speak is a load error naming the cluster and the field.
 */
class HttpsBackendTest {
    @TempDir
    Path conf;

    @Test
    @Tag("process")
    void httpsClusterVerifiesNginxAndAWrongCaFails() throws Exception {
        TestCerts certs = new TestCerts(Files.createDirectories(conf.resolve("certs")));
        certs.ca("backend_ca");
        certs.ca("other_ca");
        certs.leaf("backend.test", "backend_ca", false);
        try (NginxTls nginx = new NginxTls(Files.createDirectories(conf.resolve("nginx")),
                certs.dir().resolve("backend.test.crt"), certs.dir().resolve("backend.test.key"))) {
            writeRouting("""
                    "c_good": {"BackendConf": {"Protocol": "https"},
                               "HTTPSConf": {"RSHost": "backend.test", "RSCAList": ["certs/backend_ca.crt"]}},
                    "c_wrong": {"BackendConf": {"Protocol": "HTTPS"},
                                "HTTPSConf": {"RSHost": "backend.test", "RSCAList": ["certs/other_ca.crt"]}},
                    "c_name": {"BackendConf": {"Protocol": "https"},
                               "HTTPSConf": {"RSHost": "other.test", "RSCAList": ["certs/backend_ca.crt"]}}
                    """, nginx.port());
            ActorTestKit kit = ActorTestKit.create(ConfigFactory.parseString("""
                    pekko.actor.serialize-messages = on
                    troupe.proxy { bind = 127.0.0.1, http-port = 0, https-port = -1, event-loops = 1 }
                    """).withFallback(ConfigFactory.load()));
            ProxyRuntime proxy = ProxyRuntime.start(kit.system(), conf, new WebHandlerRegistry());
            try {
                HttpResponse<String> good = get(proxy, "good.test");
                assertEquals(200, good.statusCode(), good.body());
                assertTrue(good.body().contains("nginx-tls sni=backend.test"), good.body());
                assertEquals("nginx", good.headers().firstValue("X-Backend").orElse(""));

                HttpResponse<String> wrong = get(proxy, "wrong.test");
                assertEquals(502, wrong.statusCode(), wrong.body());
                HttpResponse<String> name = get(proxy, "name.test");
                assertEquals(502, name.statusCode(), name.body());
                assertTrue(proxy.stats().get(Key.ERR_BK_CONNECT_BACKEND) >= 2);
            } finally {
                proxy.stop();
                kit.shutdownTestKit();
            }
        }
    }

    @Test
    void anUnsupportedProtocolIsALoadErrorNamingClusterAndField() throws Exception {
        writeRouting("""
                "c_good": {}, "c_wrong": {}, "c_name": {"BackendConf": {"Protocol": "fcgi"}}
                """, 1);
        ConfigException e = assertThrows(ConfigException.class, () -> RouteTables.load(conf));
        assertTrue(e.getMessage().contains("cluster_conf.data: Config.c_name.BackendConf.Protocol: protocol fcgi is not supported"),
                e.getMessage());
    }

    @Test
    void aMissingCaFileIsALoadErrorNamingTheField() throws Exception {
        writeRouting("""
                "c_good": {}, "c_wrong": {},
                "c_name": {"BackendConf": {"Protocol": "https"}, "HTTPSConf": {"RSCAList": ["certs/nope.crt"]}}
                """, 1);
        ConfigException e = assertThrows(ConfigException.class, () -> RouteTables.load(conf));
        assertTrue(e.getMessage().contains("Config.c_name.HTTPSConf.RSCAList[0]: cannot load CA"), e.getMessage());
    }

    private static HttpResponse<String> get(ProxyRuntime proxy, String host) throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.httpPort() + "/x"))
                .header("Host", host).build(), HttpResponse.BodyHandlers.ofString());
    }

    private void writeRouting(String clusters, int port) throws Exception {
        Path sd = Files.createDirectories(conf.resolve("server_data_conf"));
        Path cc = Files.createDirectories(conf.resolve("cluster_conf"));
        Files.writeString(sd.resolve("host_rule.data"), """
                {"Version": "h1", "Hosts": {"g": ["good.test"], "w": ["wrong.test"], "n": ["name.test"]},
                 "HostTags": {"good": ["g"], "wrong": ["w"], "name": ["n"]}}
                """);
        Files.writeString(sd.resolve("route_rule.data"), """
                {"Version": "r1", "BasicRule": {
                   "good": [{"Path": ["*"], "ClusterName": "c_good"}],
                   "wrong": [{"Path": ["*"], "ClusterName": "c_wrong"}],
                   "name": [{"Path": ["*"], "ClusterName": "c_name"}]}}
                """);
        Files.writeString(sd.resolve("cluster_conf.data"), "{\"Version\": \"c1\", \"Config\": {" + clusters + "}}");
        String b = "{\"s\": [{\"Name\": \"n\", \"Addr\": \"127.0.0.1\", \"Port\": " + port + ", \"Weight\": 1}]}";
        Files.writeString(cc.resolve("cluster_table.data"), """
                {"Version": "t1", "Config": {"c_good": %s, "c_wrong": %s, "c_name": %s}}
                """.formatted(b, b, b));
        Files.writeString(cc.resolve("gslb.data"), """
                {"Clusters": {"c_good": {"s": 100}, "c_wrong": {"s": 100}, "c_name": {"s": 100}}, "Hostname": "", "Ts": "g1"}
                """);
    }
}
