package io.troupe.proxy.server;

import io.netty.handler.codec.http2.Http2SecurityUtil;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import io.netty.util.DomainWildcardMappingBuilder;
import io.netty.util.Mapping;
import io.troupe.proxy.ProxySettings;
import java.io.InputStream;
import java.nio.file.Files;
import java.security.KeyStore;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;

/** Builds the SNI mapping (server name → certificate) from {@code troupe.proxy.tls.certificates}. */
final class TlsContexts {
    private TlsContexts() {}

    /** The mapping for Netty's SniHandler; the first certificate answers names nothing else matches. */
    static Mapping<String, SslContext> build(List<ProxySettings.Certificate> certs) throws Exception {
        if (certs.isEmpty()) {
            throw new IllegalArgumentException("troupe.proxy.tls.certificates is empty");
        }
        SslContext first = null;
        DomainWildcardMappingBuilder<SslContext> b = null;
        int i = 0;
        for (ProxySettings.Certificate c : certs) {
            SslContext ctx = context(c, "troupe.proxy.tls.certificates[" + i++ + "]");
            if (first == null) {
                first = ctx;
                b = new DomainWildcardMappingBuilder<>(ctx);
            }
            for (String name : c.serverNames()) {
                b.add(name, ctx);
            }
        }
        return b.build();
    }

    private static SslContext context(ProxySettings.Certificate c, String where) throws Exception {
        SslContextBuilder sb;
        try {
            if (c.keystore() != null) {
                KeyStore ks = KeyStore.getInstance("PKCS12");
                char[] pw = c.password().toCharArray();
                try (InputStream in = Files.newInputStream(c.keystore())) {
                    ks.load(in, pw);
                }
                KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(ks, pw);
                sb = SslContextBuilder.forServer(kmf);
            } else {
                sb = SslContextBuilder.forServer(c.certFile().toFile(), c.keyFile().toFile());
            }
        } catch (Exception e) {
            throw new IllegalArgumentException(where + ": cannot load certificate "
                    + (c.keystore() != null ? c.keystore() : c.certFile() + " / " + c.keyFile()) + ": " + e.getMessage(), e);
        }
        return sb.sslProvider(SslProvider.JDK)
                .ciphers(Http2SecurityUtil.CIPHERS, SupportedCipherSuiteFilter.INSTANCE)
                .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                        ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1))
                .build();
    }
}
