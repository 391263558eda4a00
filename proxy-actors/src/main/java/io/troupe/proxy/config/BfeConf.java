package io.troupe.proxy.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * BFE's main file {@code conf/bfe.conf} (gcfg: {@code [Section]}, {@code Key = value}, repeated keys for lists)
 * read as {@code troupe.proxy} settings. Every key BFE documents is either mapped (see docs/proxy.md, "bfe.conf"),
 * accepted with its BFE default only, or refused naming the file, line and key; unknown keys are refused too.
 */
public final class BfeConf {
    private static final Logger log = LoggerFactory.getLogger(BfeConf.class);

    /** [Server] paths Troupe reads from its fixed layout; a different value is refused. */
    private static final Map<String, String> LAYOUT = Map.of(
            "HostRuleConf", "server_data_conf/host_rule.data",
            "VipRuleConf", "server_data_conf/vip_rule.data",
            "RouteRuleConf", "server_data_conf/route_rule.data",
            "ClusterConf", "server_data_conf/cluster_conf.data",
            "NameConf", "server_data_conf/name_conf.data",
            "ClusterTableConf", "cluster_conf/cluster_table.data",
            "GslbConf", "cluster_conf/gslb.data");
    private static final Set<String> DEBUG = Set.of("DebugServHttp", "DebugBfeRoute", "DebugBal", "DebugHealthCheck");
    private static final Set<String> CURVES = Set.of("CurveP256", "CurveP384", "CurveP521", "X25519");
    /** BFE's TLS version names, oldest first. */
    private static final List<String> TLS_VERSIONS = List.of("VersionSSL30", "VersionTLS10", "VersionTLS11",
            "VersionTLS12");
    /** Newer BFE's AI-gateway keys: they act only with EnableAiGateway, which Troupe does not offer. */
    private static final Set<String> AI_GATEWAY = Set.of("EstimateToken", "InjectStreamUsage", "AccessibleBodySize",
            "TotalBodyBufferSize");
    /**
     * Every section and key Troupe knows, by its lower-case form: gcfg matches section and key names without
     * regard to case ({@code [server]}, {@code hostRuleConf}), so a file BFE reads is read here too.
     */
    private static final Map<String, String> SECTIONS = lowerCaseIndex(
            Set.of("Server", "HttpsBasic", "SessionCache", "SessionTicket", "AIKeyAffinity", "Security"));
    /**
     * Newer BFE's AI-gateway sections (key affinity over Redis, the key file that decrypts AI keys): Troupe has no
     * AI gateway, so they are read past with a warning, as the Server section's AI-gateway keys are.
     */
    private static final Set<String> IGNORED_SECTIONS = Set.of("AIKeyAffinity", "Security");
    private static final Map<String, Map<String, String>> KEYS = Map.of(
            "Server", lowerCaseIndex(union(LAYOUT.keySet(), DEBUG, AI_GATEWAY, Set.of("HttpPort", "HttpsPort",
                    "MonitorPort", "MonitorEnabled", "MaxCpus", "Layer4LoadBalancer", "TlsHandshakeTimeout",
                    "ClientReadTimeout", "ClientWriteTimeout", "GracefulShutdownTimeout", "KeepAliveEnabled",
                    "MaxHeaderBytes", "MaxHeaderUriBytes", "Modules", "MonitorInterval", "HttpAddr", "HttpsAddr",
                    "MonitorAddr", "AcceptNum", "MaxProxyHeaderBytes", "EnableAiGateway"))),
            "HttpsBasic", lowerCaseIndex(Set.of("ServerCertConf", "TlsRuleConf", "ClientCABaseDir", "ClientCRLBaseDir",
                    "CipherSuites", "CurvePreferences", "EnableSslv2ClientHello", "MaxTlsVersion", "MinTlsVersion")),
            "SessionCache", lowerCaseIndex(Set.of("SessionCacheDisabled", "Servers", "KeyPrefix", "ConnectTimeout",
                    "ReadTimeout", "WriteTimeout", "MaxIdle", "SessionExpire")),
            "SessionTicket", lowerCaseIndex(Set.of("SessionTicketsDisabled", "SessionTicketKeyFile")));

    private final String file;
    private final Map<String, Object> out = new LinkedHashMap<>();
    private final List<String> modules = new ArrayList<>();
    private final List<String> ciphers = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();
    private final Integer adminPort;
    private final String adminHost;
    /** HttpAddr and HttpsAddr as given (with their lines), checked together after the last line. */
    private String httpAddr;
    private String httpsAddr;
    private int httpsAddrLine;

    private BfeConf(String file, Integer adminPort, String adminHost) {
        this.file = file;
        this.adminPort = adminPort;
        this.adminHost = adminHost;
    }

    /**
     * The settings {@code <confRoot>/bfe.conf} supplies, as a config to lay over {@code root}; empty when there is
     * no such file. Throws {@link IllegalArgumentException} naming the file, line and key of a refused value.
     */
    public static Config overlay(Path confRoot, Config root) {
        if (confRoot == null) {
            return ConfigFactory.empty();
        }
        Path f = confRoot.resolve("bfe.conf");
        if (!Files.exists(f)) {
            return ConfigFactory.empty();
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(f);
        } catch (IOException e) {
            throw new IllegalArgumentException(f + ": cannot read: " + e.getMessage(), e);
        }
        Integer admin = root.hasPath("troupe.admin.port") ? root.getInt("troupe.admin.port") : null;
        String adminHost = root.hasPath("troupe.admin.host") ? root.getString("troupe.admin.host") : null;
        BfeConf c = new BfeConf(f.toString(), admin, adminHost);
        Config parsed = c.parse(lines);
        c.warnings.forEach(w -> log.warn("{}", w));
        return parsed;
    }

    /** Parses the lines; the result holds {@code troupe.proxy.*} paths. Public for tests. */
    public static Config parse(String file, List<String> lines, Integer adminPort, List<String> warnings) {
        return parse(file, lines, adminPort, null, warnings);
    }

    /** As {@link #parse(String, List, Integer, List)}, checking MonitorAddr against the admin API's host too. */
    public static Config parse(String file, List<String> lines, Integer adminPort, String adminHost,
            List<String> warnings) {
        BfeConf c = new BfeConf(file, adminPort, adminHost);
        Config parsed = c.parse(lines);
        warnings.addAll(c.warnings);
        return parsed;
    }

    private Config parse(List<String> lines) {
        String section = null;
        for (int i = 0; i < lines.size(); i++) {
            int no = i + 1;
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#") || line.startsWith(";")) {
                continue;
            }
            if (line.startsWith("[")) {
                if (!line.endsWith("]")) {
                    throw error(no, line, "malformed section header");
                }
                String name = line.substring(1, line.length() - 1).strip();
                section = SECTIONS.get(name.toLowerCase(Locale.ROOT));
                if (section == null) {
                    throw error(no, "[" + name + "]", "unknown section, not supported by Troupe");
                }
                if (IGNORED_SECTIONS.contains(section)) {
                    warnings.add(file + ": line " + no + ": [" + name + "]: BFE's AI gateway is not part of Troupe,"
                            + " the section is ignored");
                }
                continue;
            }
            int eq = line.indexOf('=');
            // gcfg: a key without "= value" is a bool set to true ("KeepAliveEnabled" alone)
            String key = (eq < 0 ? line : line.substring(0, eq)).strip();
            String value = eq < 0 ? "true" : unquote(line.substring(eq + 1).strip());
            if (key.isEmpty() || !key.chars().allMatch(c -> Character.isLetterOrDigit(c) || c == '-' || c == '_')) {
                throw error(no, line, "expected Key = value");
            }
            if (section == null) {
                throw error(no, key, "key outside a section");
            }
            if (IGNORED_SECTIONS.contains(section)) {
                continue;
            }
            key = KEYS.get(section).getOrDefault(key.toLowerCase(Locale.ROOT), key);
            switch (section) {
                case "Server" -> server(no, key, value);
                case "HttpsBasic" -> https(no, key, value);
                default -> session(no, section, key, value);
            }
        }
        listenAddress();
        if (!modules.isEmpty()) {
            out.put("troupe.proxy.modules", modules);
        }
        if (!ciphers.isEmpty()) {
            out.put("troupe.proxy.tls.cipher-suites", ciphers);
        }
        return ConfigFactory.parseMap(out, file);
    }

    private void server(int no, String key, String v) {
        switch (key) {
            case "HttpPort" -> out.put("troupe.proxy.http-port", port(no, key, v));
            case "HttpsPort" -> out.put("troupe.proxy.https-port", port(no, key, v));
            case "MonitorPort" -> {
                int p = port(no, key, v);
                if (adminPort != null && adminPort != p) {
                    throw error(no, key, v + " differs from troupe.admin.port = " + adminPort
                            + "; the monitor is the node's admin API, set troupe.admin.port (--admin)");
                }
            }
            case "MonitorEnabled" -> onlyDefault(no, key, v, "true", "the admin API is always on");
            case "MaxCpus" -> out.put("troupe.proxy.event-loops", atLeast(no, key, v, 0));
            case "Layer4LoadBalancer" -> {
                String mode = v.isEmpty() ? "NONE" : v.toUpperCase(java.util.Locale.ROOT);
                if (!mode.equals("NONE") && !mode.equals("PROXY")) {
                    throw error(no, key, v + " is not supported by Troupe (NONE or PROXY)");
                }
                out.put("troupe.proxy.layer4-load-balancer", mode);
            }
            case "TlsHandshakeTimeout" -> out.put("troupe.proxy.tls.handshake-timeout", seconds(no, key, v));
            case "ClientReadTimeout" -> out.put("troupe.proxy.limits.header-read-timeout", seconds(no, key, v));
            case "ClientWriteTimeout" -> {
                seconds(no, key, v);
                warnings.add(file + ": line " + no + ": ClientWriteTimeout: the cluster's ClusterBasic.TimeoutWriteClient "
                        + "bounds response writes in Troupe; this value is not used");
            }
            case "GracefulShutdownTimeout" -> {
                int s = atLeast(no, key, v, 1);
                if (s > 300) {
                    throw error(no, key, v + " is out of range (1..300 seconds)");
                }
                out.put("troupe.proxy.limits.drain-timeout", s + "s");
            }
            case "KeepAliveEnabled" -> onlyDefault(no, key, v, "true", "keep-alive is always on");
            case "MaxHeaderBytes" -> out.put("troupe.proxy.limits.max-header-bytes", atLeast(no, key, v, 1024));
            case "MaxHeaderUriBytes" -> out.put("troupe.proxy.limits.max-uri-bytes", atLeast(no, key, v, 64));
            case "Modules" -> {
                if (!v.isBlank()) {
                    modules.add(v.strip());
                }
            }
            case "MonitorInterval" -> {
                // BFE: above 60 is cut to 60; then it must divide 60 and be at least 20
                int s = Math.min(integer(no, key, v), 60);
                if (s < 20 || 60 % s != 0) {
                    throw error(no, key, v + " is out of range (BFE takes 20, 30 or 60 seconds: at least 20, "
                            + "dividing 60; above 60 counts as 60)");
                }
                out.put("troupe.proxy.monitor-interval", s + "s");
            }
            case "HttpAddr" -> httpAddr = address(no, key, v);
            case "HttpsAddr" -> {
                httpsAddr = address(no, key, v);
                httpsAddrLine = no;
            }
            case "MonitorAddr" -> {
                String a = address(no, key, v);
                if (adminHost != null && !a.equals(adminHost)) {
                    if (!v.isEmpty()) {
                        throw error(no, key, v + " differs from troupe.admin.host = " + adminHost
                                + "; the monitor is the node's admin API, set troupe.admin.host (--admin)");
                    }
                    warnings.add(file + ": line " + no + ": MonitorAddr: empty (all addresses), but the monitor is the "
                            + "node's admin API on troupe.admin.host = " + adminHost + " (--admin)");
                }
            }
            case "AcceptNum" -> atLeast(no, key, v, 0); // Netty accepts on the event loop; nothing to tune
            case "MaxProxyHeaderBytes" -> {
                atLeast(no, key, v, 0);
                warnings.add(file + ": line " + no + ": MaxProxyHeaderBytes: Troupe's PROXY protocol decoder takes "
                        + "headers up to the PROXY protocol's own limits; ignored");
            }
            case "EnableAiGateway" -> onlyDefault(no, key, v, "false", "Troupe has no AI gateway");
            default -> {
                if (key.equals("NameConf") && v.isBlank()) {
                    // BFE loads name_conf.data only when NameConf names a file; its default names the usual one
                    out.put("troupe.proxy.name-conf", false);
                } else if (LAYOUT.containsKey(key)) {
                    if (!normalize(v).equals(LAYOUT.get(key))) {
                        throw error(no, key, v + " is not supported: Troupe reads " + LAYOUT.get(key)
                                + " under the conf root");
                    }
                } else if (AI_GATEWAY.contains(key)) {
                    warnings.add(file + ": line " + no + ": " + key + ": acts only with EnableAiGateway; ignored");
                } else if (DEBUG.contains(key)) {
                    if (bool(no, key, v)) {
                        warnings.add(file + ": line " + no + ": " + key + ": use logback levels for debug logs; ignored");
                    }
                } else {
                    throw error(no, "[Server] " + key, "unknown key, not supported by Troupe");
                }
            }
        }
    }

    private void https(int no, String key, String v) {
        switch (key) {
            case "ServerCertConf" -> out.put("troupe.proxy.tls.server-cert-conf", v);
            case "TlsRuleConf" -> out.put("troupe.proxy.tls.tls-rule-conf", v);
            case "ClientCABaseDir" -> out.put("troupe.proxy.tls.client-ca-base-dir", v);
            case "ClientCRLBaseDir" -> warnings.add(file + ": line " + no
                    + ": ClientCRLBaseDir: certificate revocation lists are not checked by Troupe; ignored");
            case "CipherSuites" -> {
                // BFE's "a|b" marks suites of equal preference; the JDK takes a plain ordered list
                for (String s : v.split("\\|")) {
                    if (!s.isBlank() && !ciphers.contains(s.strip())) {
                        ciphers.add(s.strip());
                    }
                }
            }
            case "CurvePreferences" -> {
                if (!CURVES.contains(v)) {
                    throw error(no, key, v + " is not a known curve (CurveP256, CurveP384, CurveP521, X25519)");
                }
                warnings.add(file + ": line " + no + ": CurvePreferences: the JDK chooses the curves; ignored");
            }
            case "EnableSslv2ClientHello" -> bool(no, key, v);
            case "MinTlsVersion" -> {
                if (!tlsVersion(no, key, v).equals("VersionTLS12")) {
                    warnings.add(file + ": line " + no + ": MinTlsVersion: " + v + ": the JDK offers nothing below "
                            + "TLS 1.2; Troupe's floor is VersionTLS12");
                }
            }
            case "MaxTlsVersion" -> {
                // BFE offers nothing above VersionTLS12, so any lower maximum is one Troupe cannot keep
                if (!tlsVersion(no, key, v).equals("VersionTLS12")) {
                    throw error(no, key, v + " is not supported by Troupe, which offers TLS 1.2 and 1.3 only");
                }
                warnings.add(file + ": line " + no + ": MaxTlsVersion: Troupe offers TLS 1.3 as well as 1.2");
            }
            default -> throw error(no, "[HttpsBasic] " + key, "unknown key, not supported by Troupe");
        }
    }

    private void session(int no, String section, String key, String v) {
        if (section.equals("SessionCache")) {
            if (key.equals("SessionCacheDisabled")) {
                onlyDefault(no, key, v, "true", "there is no shared (redis) session cache");
            } else if (!Set.of("Servers", "KeyPrefix", "ConnectTimeout", "ReadTimeout", "WriteTimeout", "MaxIdle",
                    "SessionExpire").contains(key)) {
                throw error(no, "[SessionCache] " + key, "unknown key, not supported by Troupe");
            }
        } else {
            if (key.equals("SessionTicketsDisabled")) {
                onlyDefault(no, key, v, "true", "session ticket keys are the JDK's own");
            } else if (!key.equals("SessionTicketKeyFile")) {
                throw error(no, "[SessionTicket] " + key, "unknown key, not supported by Troupe");
            }
        }
    }

    /** HttpAddr and HttpsAddr become troupe.proxy.bind, one address for both listeners. */
    private void listenAddress() {
        if (httpAddr != null && httpsAddr != null && !httpAddr.equals(httpsAddr)) {
            throw error(httpsAddrLine, "HttpsAddr", (httpsAddr.equals("0.0.0.0") ? "\"\"" : httpsAddr)
                    + " differs from HttpAddr; Troupe binds both listeners to one address (troupe.proxy.bind)");
        }
        String bind = httpAddr != null ? httpAddr : httpsAddr;
        if (bind != null) {
            out.put("troupe.proxy.bind", bind);
        }
    }

    /** A ListenAddr: empty is every address, else an IP address or an RFC 1123 host name. */
    private String address(int no, String key, String v) {
        if (v.isEmpty()) {
            return "0.0.0.0";
        }
        String host = v.startsWith("[") && v.endsWith("]") ? v.substring(1, v.length() - 1) : v;
        boolean ip = host.contains(":") || host.matches("[0-9.]+");
        if (ip ? !io.netty.util.NetUtil.isValidIpV4Address(host) && !io.netty.util.NetUtil.isValidIpV6Address(host)
                : !host.matches("(?i)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*")) {
            throw error(no, key, v + " is not an IP address or host name");
        }
        return host;
    }

    private String tlsVersion(int no, String key, String v) {
        if (!TLS_VERSIONS.contains(v)) {
            throw error(no, key, v + " is not one of " + String.join(", ", TLS_VERSIONS));
        }
        return v;
    }

    @SafeVarargs
    private static Set<String> union(Set<String>... sets) {
        Set<String> all = new java.util.HashSet<>();
        for (Set<String> set : sets) {
            all.addAll(set);
        }
        return all;
    }

    private static Map<String, String> lowerCaseIndex(Set<String> names) {
        Map<String, String> index = new java.util.HashMap<>();
        names.forEach(n -> index.put(n.toLowerCase(Locale.ROOT), n));
        return Map.copyOf(index);
    }

    private void onlyDefault(int no, String key, String v, String only, String why) {
        if (!v.equalsIgnoreCase(only)) {
            throw error(no, key, v + " is not supported by Troupe (only " + only + ": " + why + ")");
        }
    }

    private int port(int no, String key, String v) {
        int p = integer(no, key, v);
        if (p < 0 || p > 65535) {
            throw error(no, key, v + " is not a port");
        }
        return p;
    }

    private String seconds(int no, String key, String v) {
        return atLeast(no, key, v, 1) + "s";
    }

    private int atLeast(int no, String key, String v, int min) {
        int n = integer(no, key, v);
        if (n < min) {
            throw error(no, key, v + " is out of range (at least " + min + ")");
        }
        return n;
    }

    private int integer(int no, String key, String v) {
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw error(no, key, "expected an integer, got " + v);
        }
    }

    private boolean bool(int no, String key, String v) {
        String b = v.toLowerCase(Locale.ROOT);
        if (b.equals("true") || b.equals("yes") || b.equals("on") || b.equals("1")) {
            return true;
        }
        if (b.equals("false") || b.equals("no") || b.equals("off") || b.equals("0")) {
            return false;
        }
        throw error(no, key, "expected true or false, got " + v);
    }

    private static String unquote(String v) {
        // gcfg: a trailing comment after whitespace; a quoted value keeps what is inside the quotes
        if (v.startsWith("\"")) {
            int end = v.indexOf('"', 1);
            return end > 0 ? v.substring(1, end) : v.substring(1);
        }
        int hash = indexOfComment(v);
        return (hash >= 0 ? v.substring(0, hash) : v).strip();
    }

    private static int indexOfComment(String v) {
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if ((c == '#' || c == ';') && (i == 0 || Character.isWhitespace(v.charAt(i - 1)))) {
                return i;
            }
        }
        return -1;
    }

    private static String normalize(String path) {
        String p = path.strip();
        while (p.startsWith("./")) {
            p = p.substring(2);
        }
        return p;
    }

    private IllegalArgumentException error(int line, String key, String reason) {
        return new IllegalArgumentException(file + ": line " + line + ": " + key + ": " + reason);
    }
}
