package io.troupe.proxy.tls;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.troupe.proxy.config.ConfNode;
import io.troupe.proxy.config.ConfigException;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;

/**
 * TLS to the instances of one cluster ({@code BackendConf.Protocol: "https"}), from BFE's {@code HTTPSConf}:
 * {@code RSHost} (server name sent and verified; the instance's address when empty), {@code RSCAList} (PEM CA
 * files; the JDK's CAs when empty), {@code RSInsecureSkipVerify} (default false: the certificate chain and
 * the name are verified) and {@code BFECertFile}/{@code BFEKeyFile} (a client certificate for backend mTLS).
 */
public final class BackendTls {
    static final Set<String> FIELDS = Set.of("RSHost", "RSInsecureSkipVerify", "RSCAList", "BFECertFile", "BFEKeyFile");

    private final SslContext context;
    private final String serverName;
    private final boolean verify;

    private BackendTls(SslContext context, String serverName, boolean verify) {
        this.context = context;
        this.serverName = serverName;
        this.verify = verify;
    }

    /**
     * Reads {@code HTTPSConf} (may be absent: verify against the JDK's CAs and the instance address). Relative
     * files resolve against {@code confRoot}; a file that does not load is an error naming the field.
     */
    public static BackendTls load(ConfNode n, Path confRoot, List<String> warnings) throws ConfigException {
        n.warnUnknown(FIELDS, warnings);
        String host = n.field("RSHost").asString();
        boolean insecure = Boolean.TRUE.equals(n.field("RSInsecureSkipVerify").asBool());
        SslContextBuilder b = SslContextBuilder.forClient().sslProvider(SslProvider.JDK);
        if (insecure) {
            b.trustManager(InsecureTrustManagerFactory.INSTANCE);
        } else {
            List<ConfNode> cas = n.field("RSCAList").elements();
            if (cas != null && !cas.isEmpty()) {
                List<X509Certificate> trusted = new ArrayList<>();
                for (ConfNode ca : cas) {
                    Path file = ServerCertConf.resolve(confRoot, ca.asString());
                    try {
                        trusted.addAll(List.of(PemFiles.certificates(file)));
                    } catch (Exception e) {
                        throw ca.error("cannot load CA " + file + ": " + e);
                    }
                }
                b.trustManager(trusted.toArray(new X509Certificate[0]));
            }
        }
        String cert = n.field("BFECertFile").asString();
        String key = n.field("BFEKeyFile").asString();
        if (cert != null && !cert.isEmpty() || key != null && !key.isEmpty()) {
            if (cert == null || cert.isEmpty() || key == null || key.isEmpty()) {
                throw n.error("BFECertFile and BFEKeyFile go together");
            }
            Path cf = ServerCertConf.resolve(confRoot, cert);
            Path kf = ServerCertConf.resolve(confRoot, key);
            X509Certificate[] chain;
            PrivateKey pk;
            try {
                chain = PemFiles.certificates(cf);
            } catch (Exception e) {
                throw n.field("BFECertFile").error("cannot load certificate " + cf + ": " + e);
            }
            try {
                pk = PemFiles.privateKey(kf);
            } catch (Exception e) {
                throw n.field("BFEKeyFile").error("cannot load private key " + kf + ": " + e);
            }
            b.keyManager(pk, chain);
        }
        try {
            return new BackendTls(b.build(), host == null || host.isEmpty() ? null : host, !insecure);
        } catch (Exception e) {
            throw n.error("cannot build the TLS client context: " + e.getMessage());
        }
    }

    /**
     * Built in code: verify against {@code trusted} (the JDK's CAs when empty) and {@code serverName} (the
     * instance's address when null), or not at all when {@code insecure}.
     */
    public static BackendTls of(String serverName, boolean insecure, List<X509Certificate> trusted) {
        SslContextBuilder b = SslContextBuilder.forClient().sslProvider(SslProvider.JDK);
        if (insecure) {
            b.trustManager(InsecureTrustManagerFactory.INSTANCE);
        } else if (!trusted.isEmpty()) {
            b.trustManager(trusted.toArray(new X509Certificate[0]));
        }
        try {
            return new BackendTls(b.build(), serverName, !insecure);
        } catch (javax.net.ssl.SSLException e) {
            throw new IllegalStateException("cannot build a TLS client context: " + e.getMessage(), e);
        }
    }

    /** A client TLS handler for one connection to {@code host:port}: SNI and (unless skipped) name verification. */
    public SslHandler newHandler(ByteBufAllocator alloc, String host, int port) {
        String peer = serverName != null ? serverName : host;
        SslHandler h = context.newHandler(alloc, peer, port);
        if (verify) {
            SSLEngine engine = h.engine();
            SSLParameters p = engine.getSSLParameters();
            p.setEndpointIdentificationAlgorithm("HTTPS");
            engine.setSSLParameters(p);
        }
        return h;
    }

    /** The name sent as SNI and verified, or {@code null} for the instance's address. */
    public String serverName() {
        return serverName;
    }

    public boolean verify() {
        return verify;
    }
}
