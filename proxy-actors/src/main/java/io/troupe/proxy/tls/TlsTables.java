package io.troupe.proxy.tls;

import io.netty.handler.codec.http2.Http2SecurityUtil;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import io.troupe.proxy.config.ConfigException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

/**
 * One immutable snapshot of the TLS files: certificates (loaded and checked), product rules and the lookups a
 * handshake needs. Selection follows BFE: the certificate by listener address (a rule's {@code VipConf}), else
 * by the server name against the certificates' own names, else the default; the rule (ALPN, grade, mTLS) by
 * {@code VipConf}, else {@code SniConf}, else the default rule. Handshakes read it without locks.
 */
public final class TlsTables {
    /** What a handshake uses: the context, and the product rule it came from ({@code null}: the default rule). */
    public record Selection(SslContext context, TlsRuleConf.Rule rule) {}

    private record Cert(String name, X509Certificate[] chain, PrivateKey key, List<String> names) {}

    private static final TlsRuleConf.Rule DEFAULT_RULE_KEY =
            new TlsRuleConf.Rule("", "", List.of(), "C", false, null, List.of(), List.of(), "");

    private final String version;
    private final Map<String, Cert> certs;
    private final Cert defaultCert;
    private final Map<String, Cert> exactNames = new HashMap<>();
    private final Map<String, Cert> wildcardNames = new LinkedHashMap<>();
    private final Map<InetAddress, Cert> vipCerts = new HashMap<>();
    private final Map<InetAddress, TlsRuleConf.Rule> vipRules = new HashMap<>();
    private final Map<String, TlsRuleConf.Rule> sniRules = new HashMap<>();
    private final Map<String, X509Certificate[]> clientCas = new HashMap<>();
    private final List<String> defaultNextProtos;
    private final Map<String, SslContext> contexts = new ConcurrentHashMap<>();
    /** Cipher suites in preference order, or {@code null} for Netty's HTTP/2-safe list. */
    private List<String> ciphers;

    private TlsTables(String version, Map<String, Cert> certs, Cert defaultCert, List<String> defaultNextProtos) {
        this.version = version;
        this.certs = certs;
        this.defaultCert = defaultCert;
        this.defaultNextProtos = defaultNextProtos;
    }

    /**
     * Loads and checks both files, every certificate, key and client CA, and builds each rule's context once, so
     * any error surfaces here (naming the file and field) rather than in a handshake.
     */
    public static TlsTables load(TlsFiles files, List<String> warnings) throws ConfigException {
        ServerCertConf certConf = ServerCertConf.load(files.serverCertConf(), files.confRoot(), warnings);
        TlsRuleConf ruleConf = TlsRuleConf.load(files.tlsRuleConf(), warnings);
        String file = files.serverCertConf().toString();
        Map<String, Cert> certs = new LinkedHashMap<>();
        for (ServerCertConf.CertFiles f : certConf.certs().values()) {
            X509Certificate[] chain;
            PrivateKey key;
            try {
                chain = PemFiles.certificates(f.certFile());
            } catch (Exception e) {
                throw new ConfigException(file, f.field() + ".ServerCertFile", "cannot load certificate " + f.certFile() + ": " + e);
            }
            try {
                key = PemFiles.privateKey(f.keyFile());
            } catch (Exception e) {
                throw new ConfigException(file, f.field() + ".ServerKeyFile", "cannot load private key " + f.keyFile() + ": " + e);
            }
            if (!chain[0].getPublicKey().getAlgorithm().equals(key.getAlgorithm())) {
                throw new ConfigException(file, f.field() + ".ServerKeyFile", "key " + f.keyFile() + " is "
                        + key.getAlgorithm() + " but certificate " + f.certFile() + " is " + chain[0].getPublicKey().getAlgorithm());
            }
            certs.put(f.name(), new Cert(f.name(), chain, key, names(chain[0])));
        }
        TlsTables t = new TlsTables("server_cert_conf=" + certConf.version() + ",tls_rule_conf=" + ruleConf.version(),
                certs, certs.get(certConf.defaultName()), ruleConf.defaultNextProtos());
        if (!files.cipherSuites().isEmpty()) {
            List<String> c = new ArrayList<>(List.of("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
                    "TLS_CHACHA20_POLY1305_SHA256"));
            c.addAll(files.cipherSuites());
            t.ciphers = List.copyOf(c);
        }
        for (Cert c : certs.values()) {
            for (String n : c.names()) {
                if (n.contains("*")) {
                    t.wildcardNames.putIfAbsent(n, c);
                } else {
                    t.exactNames.putIfAbsent(n, c);
                }
            }
        }
        String rulesFile = files.tlsRuleConf().toString();
        for (TlsRuleConf.Rule r : ruleConf.rules().values()) {
            Cert c = certs.get(r.certName());
            if (c == null) {
                throw new ConfigException(rulesFile, r.field() + ".CertName", "certificate " + r.certName()
                        + " is not in " + files.serverCertConf().getFileName());
            }
            if (r.clientAuth() && !t.clientCas.containsKey(r.clientCaName())) {
                Path ca = files.clientCaBaseDir().resolve(r.clientCaName() + ".crt");
                try {
                    t.clientCas.put(r.clientCaName(), PemFiles.certificates(ca));
                } catch (Exception e) {
                    throw new ConfigException(rulesFile, r.field() + ".ClientCAName", "cannot load client CA " + ca + ": " + e);
                }
            }
            for (String vip : r.vips()) {
                InetAddress a = vip(rulesFile, r.field() + ".VipConf", vip);
                t.vipRules.put(a, r);
                t.vipCerts.put(a, c);
            }
            for (String sni : r.snis()) {
                t.sniRules.put(sni.toLowerCase(Locale.ROOT), r);
            }
        }
        try {
            for (TlsRuleConf.Rule r : ruleConf.rules().values()) {
                t.context(certs.get(r.certName()), r);
            }
            // every certificate with the default rule too, so no handshake has to build a context
            for (Cert c : certs.values()) {
                t.context(c, null);
            }
        } catch (RuntimeException e) {
            throw new ConfigException(rulesFile, "", "cannot build a TLS context: " + e.getMessage());
        }
        return t;
    }

    private static InetAddress vip(String file, String field, String text) throws ConfigException {
        if (!text.matches("[0-9.]+") && !text.contains(":")) {
            throw new ConfigException(file, field, "vip " + text + " is not an IP address");
        }
        try {
            return InetAddress.getByName(text);
        } catch (Exception e) {
            throw new ConfigException(file, field, "vip " + text + " is not an IP address");
        }
    }

    /** The certificate's DNS names (subject alternative names) and its common name, lower case. */
    private static List<String> names(X509Certificate c) {
        List<String> out = new ArrayList<>();
        try {
            if (c.getSubjectAlternativeNames() != null) {
                for (List<?> san : c.getSubjectAlternativeNames()) {
                    if (Integer.valueOf(2).equals(san.get(0))) {
                        out.add(san.get(1).toString().toLowerCase(Locale.ROOT));
                    }
                }
            }
        } catch (CertificateParsingException e) {
            // no usable SAN: the common name below still names it
        }
        try {
            for (Rdn rdn : new LdapName(c.getSubjectX500Principal().getName()).getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN")) {
                    String cn = rdn.getValue().toString().toLowerCase(Locale.ROOT);
                    if (!out.contains(cn)) {
                        out.add(cn);
                    }
                }
            }
        } catch (Exception e) {
            // a subject without a parsable CN adds no name
        }
        return List.copyOf(out);
    }

    /** {@code server_cert_conf=<Version>,tls_rule_conf=<Version>}. */
    public String version() {
        return version;
    }

    /** Certificate names, in file order. */
    public List<String> certificateNames() {
        return List.copyOf(certs.keySet());
    }

    /** The context and rule for a connection to {@code local} asking for {@code serverName} (may be null). */
    public Selection select(InetAddress local, String serverName) {
        String sni = serverName == null ? null : normalize(serverName);
        TlsRuleConf.Rule rule = local == null ? null : vipRules.get(local);
        if (rule == null && sni != null) {
            rule = sniRules.get(sni);
        }
        Cert cert = local == null ? null : vipCerts.get(local);
        if (cert == null && sni != null) {
            cert = exactNames.get(sni);
            if (cert == null) {
                for (Map.Entry<String, Cert> e : wildcardNames.entrySet()) {
                    if (matchesWildcard(e.getKey(), sni)) {
                        cert = e.getValue();
                        break;
                    }
                }
            }
        }
        if (cert == null) {
            cert = defaultCert;
        }
        return new Selection(context(cert, rule), rule);
    }

    private static String normalize(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        while (n.endsWith(".")) {
            n = n.substring(0, n.length() - 1);
        }
        return n;
    }

    /** {@code *.example.org} matches exactly one more label ({@code a.example.org}), as Go's crypto/tls. */
    static boolean matchesWildcard(String pattern, String host) {
        if (!pattern.startsWith("*.")) {
            return false;
        }
        int dot = host.indexOf('.');
        return dot > 0 && host.substring(dot + 1).equals(pattern.substring(2));
    }

    private SslContext context(Cert cert, TlsRuleConf.Rule rule) {
        TlsRuleConf.Rule r = rule == null ? DEFAULT_RULE_KEY : rule;
        return contexts.computeIfAbsent(cert.name() + "\u0000" + r.product(), k -> build(cert, r));
    }

    private SslContext build(Cert cert, TlsRuleConf.Rule r) {
        List<String> protos = r.nextProtos().isEmpty() ? defaultNextProtos : r.nextProtos();
        try {
            SslContextBuilder b = SslContextBuilder.forServer(cert.key(), cert.chain())
                    .sslProvider(SslProvider.JDK)
                    .ciphers(ciphers != null ? ciphers : Http2SecurityUtil.CIPHERS, SupportedCipherSuiteFilter.INSTANCE)
                    .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, protos));
            if (r.grade().startsWith("A")) {
                b.protocols("TLSv1.3", "TLSv1.2");
            }
            if (r.clientAuth()) {
                b.clientAuth(ClientAuth.REQUIRE).trustManager(clientCas.get(r.clientCaName()));
            }
            return b.build();
        } catch (Exception e) {
            throw new IllegalStateException("certificate " + cert.name() + ", product " + r.product() + ": " + e.getMessage(), e);
        }
    }
}
