package io.troupe.proxy.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.troupe.proxy.ProxySettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** conf/bfe.conf supplies listeners, timeouts, modules, the monitor window and the TLS files; refused keys are named. */
class BfeConfTest {
    @TempDir
    Path conf;

    private static Config reference() {
        return ConfigFactory.defaultReference().resolve();
    }

    private ProxySettings settingsFrom(String bfeConf) throws Exception {
        Files.writeString(conf.resolve("bfe.conf"), bfeConf);
        return ProxySettings.from(reference(), conf);
    }

    @Test
    void theSampleSetsListenersTimeoutsModulesAndTlsFiles() throws Exception {
        Path sample = Path.of("..", "docs", "examples", "bfe.conf");
        Files.copy(sample, conf.resolve("bfe.conf"));
        Path tls = Files.createDirectories(conf.resolve("tls_conf"));
        Files.writeString(tls.resolve("server_cert_conf.data"), "{}");
        ProxySettings s = ProxySettings.from(reference(), conf);
        assertEquals(8080, s.httpPort());
        assertEquals(8443, s.httpsPort());
        assertEquals(2, s.eventLoops());
        assertEquals(30_000, s.tlsHandshakeTimeoutMs());
        assertEquals(60_000, s.headerReadTimeoutMs());
        assertEquals(10_000, s.drainTimeoutMs());
        assertEquals(1048576, s.maxHeaderBytes());
        assertEquals(8192, s.maxUriBytes());
        assertEquals(20, s.monitorIntervalSeconds());
        assertEquals(List.of("mod_trust_clientip", "mod_block", "mod_header", "mod_access"), s.modules());
        assertNotNull(s.tlsFiles());
        assertEquals(conf.resolve("tls_conf/server_cert_conf.data"), s.tlsFiles().serverCertConf());
        assertEquals(conf.resolve("tls_conf/client_ca"), s.tlsFiles().clientCaBaseDir());
        assertEquals(List.of("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
                "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"), s.tlsFiles().cipherSuites());
    }

    @Test
    void withoutBfeConfHoconDecides() {
        ProxySettings s = ProxySettings.from(reference(), conf);
        assertEquals(8080, s.httpPort());
        assertEquals(List.of(), s.modules());
        assertNull(s.tlsFiles());
    }

    @Test
    void bfeConfOverridesHoconValues() throws Exception {
        ProxySettings s = settingsFrom("[Server]\nHttpPort = 9090\nMonitorInterval = 30 # seconds\n");
        assertEquals(9090, s.httpPort());
        assertEquals(8443, s.httpsPort());
        assertEquals(30, s.monitorIntervalSeconds());
    }

    @Test
    void layer4LoadBalancerProxyTurnsOnThePROXYProtocol() throws Exception {
        assertTrue(settingsFrom("[Server]\nLayer4LoadBalancer = PROXY\n").proxyProtocol());
        assertEquals("NONE", settingsFrom("[Server]\nHttpPort = 9090\n").layer4LoadBalancer());
    }

    @Test
    void unsupportedKeysAndValuesAreRefusedNamingTheKey() {
        Exception e = assertThrows(IllegalArgumentException.class,
                () -> settingsFrom("[Server]\nHttpPort = 80\nAcceptCount = 4\n"));
        assertTrue(e.getMessage().endsWith("bfe.conf: line 3: [Server] AcceptCount: unknown key, not supported by Troupe"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> settingsFrom("[Server]\nLayer4LoadBalancer = F5\n"));
        assertTrue(e.getMessage().contains("line 2: Layer4LoadBalancer: F5 is not supported"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> settingsFrom("[Server]\nKeepAliveEnabled = false\n"));
        assertTrue(e.getMessage().contains("KeepAliveEnabled: false is not supported"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> settingsFrom("[Server]\nHostRuleConf = other/hosts.data\n"));
        assertTrue(e.getMessage().contains("HostRuleConf: other/hosts.data is not supported"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> settingsFrom("[HttpsBasic]\nSessionFoo = 1\n"));
        assertTrue(e.getMessage().contains("[HttpsBasic] SessionFoo: unknown key"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> settingsFrom("[Spdy]\nX = 1\n"));
        assertTrue(e.getMessage().contains("[Spdy]: unknown section"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> settingsFrom("[Server]\nMaxCpus = many\n"));
        assertTrue(e.getMessage().contains("MaxCpus: expected an integer, got many"), e.getMessage());
    }

    @Test
    void sectionAndKeyNamesIgnoreCaseAsGcfgDoes() throws Exception {
        // BFE's own route example writes hostRuleConf; gcfg reads [server] as [Server]
        ProxySettings s = settingsFrom("[server]\nhttpport = 9090\nhostRuleConf = server_data_conf/host_rule.data\n"
                + "MODULES = mod_block\n[httpsbasic]\ncipherSuites = TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\n");
        assertEquals(9090, s.httpPort());
        assertEquals(List.of("mod_block"), s.modules());
        Exception e = assertThrows(IllegalArgumentException.class, () -> settingsFrom("[SERVER]\nhttpPorts = 1\n"));
        assertTrue(e.getMessage().contains("line 2: [Server] httpPorts: unknown key"), e.getMessage());
    }

    @Test
    void monitorIntervalFollowsBfeRange() throws Exception {
        assertEquals(60, settingsFrom("[Server]\nMonitorInterval = 120\n").monitorIntervalSeconds());
        assertEquals(20, settingsFrom("[Server]\nMonitorInterval = 20\n").monitorIntervalSeconds());
        for (String bad : List.of("5", "45", "0")) {
            Exception e = assertThrows(IllegalArgumentException.class,
                    () -> settingsFrom("[Server]\nMonitorInterval = " + bad + "\n"));
            assertTrue(e.getMessage().contains("line 2: MonitorInterval: " + bad + " is out of range"), e.getMessage());
        }
    }

    @Test
    void listenAddressesBecomeTheBindAddress() throws Exception {
        assertEquals("127.0.0.1", settingsFrom("[Server]\nHttpAddr = 127.0.0.1\nHttpsAddr = 127.0.0.1\n").bind());
        assertEquals("0.0.0.0", settingsFrom("[Server]\nHttpAddr = \"\"\n").bind());
        assertEquals("::1", settingsFrom("[Server]\nHttpsAddr = ::1\n").bind());
        Exception e = assertThrows(IllegalArgumentException.class,
                () -> settingsFrom("[Server]\nHttpAddr = 127.0.0.1\nHttpsAddr = 10.0.0.1\n"));
        assertTrue(e.getMessage().contains("line 3: HttpsAddr: 10.0.0.1 differs from HttpAddr"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> settingsFrom("[Server]\nHttpAddr = 300.1.1.1\n"));
        assertTrue(e.getMessage().contains("HttpAddr: 300.1.1.1 is not an IP address or host name"), e.getMessage());
        List<String> warnings = new java.util.ArrayList<>();
        BfeConf.parse("bfe.conf", List.of("[Server]", "MonitorAddr = 127.0.0.1", "AcceptNum = 4"), 8421, "127.0.0.1",
                warnings);
        BfeConf.parse("bfe.conf", List.of("[Server]", "MonitorAddr = "), 8421, "127.0.0.1", warnings);
        assertTrue(warnings.get(0).contains("MonitorAddr: empty (all addresses)"), warnings.toString());
        e = assertThrows(IllegalArgumentException.class, () -> BfeConf.parse("bfe.conf",
                List.of("[Server]", "MonitorAddr = 10.0.0.1"), 8421, "127.0.0.1", new java.util.ArrayList<>()));
        assertTrue(e.getMessage().contains("MonitorAddr: 10.0.0.1 differs from troupe.admin.host = 127.0.0.1"),
                e.getMessage());
    }

    @Test
    void tlsVersionsAndNewerKeysOfBfe() throws Exception {
        List<String> warnings = new java.util.ArrayList<>();
        BfeConf.parse("bfe.conf", List.of("[HttpsBasic]", "MinTlsVersion = VersionTLS10", "MaxTlsVersion = VersionTLS12",
                "[Server]", "EnableAiGateway = false", "EstimateToken = true", "MaxProxyHeaderBytes = 0"), null, warnings);
        assertEquals(4, warnings.size(), warnings.toString());
        Exception e = assertThrows(IllegalArgumentException.class, () -> settingsFrom(
                "[HttpsBasic]\nMinTlsVersion = VersionTLS12\nMaxTlsVersion = VersionTLS11\n"));
        assertTrue(e.getMessage().contains("line 3: MaxTlsVersion: VersionTLS11 is not supported"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> settingsFrom("[HttpsBasic]\nMinTlsVersion = TLS1.2\n"));
        assertTrue(e.getMessage().contains("MinTlsVersion: TLS1.2 is not one of VersionSSL30"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> settingsFrom("[Server]\nEnableAiGateway = true\n"));
        assertTrue(e.getMessage().contains("EnableAiGateway: true is not supported"), e.getMessage());
    }

    @Test
    void newerBfesAiGatewaySectionsAreReadPastWithAWarning() throws Exception {
        List<String> warnings = new java.util.ArrayList<>();
        com.typesafe.config.Config c = BfeConf.parse("bfe.conf", List.of("[Server]", "HttpPort = 9090",
                "[AIKeyAffinity]", "Disabled = true", "ServiceConf = redis_bns", "[Security]",
                "KeyFile = \"/etc/ai-gateway/keys/export.keys\"", "[SessionTicket]", "SessionTicketsDisabled = true"),
                null, warnings);
        assertEquals(9090, c.getInt("troupe.proxy.http-port"));
        assertEquals(2, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).contains("line 3: [AIKeyAffinity]: BFE's AI gateway is not part of Troupe"), warnings.get(0));
        assertTrue(warnings.get(1).contains("line 6: [Security]"), warnings.get(1));
    }

    @Test
    void anEmptyNameConfTurnsNameConfOffAsInBfe() {
        List<String> warnings = new java.util.ArrayList<>();
        // BFE's default NameConf names server_data_conf/name_conf.data: without the line, it is read
        assertTrue(BfeConf.parse("bfe.conf", List.of("[Server]", "HttpPort = 9090"), null, warnings)
                .getConfig("troupe.proxy").withFallback(com.typesafe.config.ConfigFactory.parseString("name-conf = on"))
                .getBoolean("name-conf"));
        assertEquals(false, BfeConf.parse("bfe.conf", List.of("[Server]", "NameConf ="), null, warnings)
                .getBoolean("troupe.proxy.name-conf"));
        Exception e = assertThrows(IllegalArgumentException.class, () -> settingsFrom("[Server]\nNameConf = other/names.data\n"));
        assertTrue(e.getMessage().contains("NameConf: other/names.data is not supported"), e.getMessage());
    }

    @Test
    void aKeyWithoutAValueIsTrueAsInGcfg() throws Exception {
        assertEquals(List.of("mod_block"), settingsFrom("[Server]\nKeepAliveEnabled\nModules = mod_block\n").modules());
        Exception e = assertThrows(IllegalArgumentException.class, () -> settingsFrom("[Server]\nHttpPort 80\n"));
        assertTrue(e.getMessage().contains("line 2: HttpPort 80: expected Key = value"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> settingsFrom("[Server]\nMonitorEnabled\nKeepAliveEnabled = no\n"));
        assertTrue(e.getMessage().contains("line 3: KeepAliveEnabled"), e.getMessage());
    }

    @Test
    void monitorPortMustBeTheAdminPort() {
        Exception e = assertThrows(IllegalArgumentException.class, () -> BfeConf.parse("bfe.conf",
                List.of("[Server]", "MonitorPort = 8421"), 9000, new java.util.ArrayList<>()));
        assertTrue(e.getMessage().contains("MonitorPort: 8421 differs from troupe.admin.port = 9000"), e.getMessage());
    }
}
