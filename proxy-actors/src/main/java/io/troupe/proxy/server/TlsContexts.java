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
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.SniHandler;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.Future;
import io.troupe.proxy.ProxySettings;
import io.troupe.proxy.tls.TlsHolder;
import io.troupe.proxy.tls.TlsRuleConf;
import io.troupe.proxy.tls.TlsTables;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.security.KeyStore;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;

/**
 * The TLS listener's certificate choice: from BFE's tls_conf files (the current {@link TlsTables} snapshot, read
 * per handshake, so a reload serves the next handshake) or from {@code troupe.proxy.tls.certificates}.
 */
final class TlsContexts {
    /** The tls_rule_conf product rule the handshake used ({@code null}: default rule or HOCON certificates). */
    static final AttributeKey<TlsRuleConf.Rule> RULE = AttributeKey.valueOf("troupe.tls.rule");

    private TlsContexts() {}

    /**
     * An SNI handler that picks the context from the holder's current snapshot by listener address and server
     * name, and records the product rule on the channel for {@code ses_tls_client_auth()}.
     */
    static SniHandler sniHandler(TlsHolder holder, long handshakeTimeoutMs) {
        return new SniHandler((io.netty.util.AsyncMapping<String, SslContext>) (name, promise) ->
                promise.setFailure(new IllegalStateException("unused")), handshakeTimeoutMs) {
            @Override
            protected Future<SslContext> lookup(ChannelHandlerContext ctx, String hostname) {
                InetSocketAddress local = (InetSocketAddress) ctx.channel().localAddress();
                TlsTables.Selection s = holder.get().select(local == null ? null : local.getAddress(), hostname);
                ctx.channel().attr(RULE).set(s.rule());
                return ctx.executor().newSucceededFuture(s.context());
            }
        };
    }

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

    /** After a handshake: marks the session client-authenticated when the rule required a certificate and got one. */
    static void clientAuth(io.netty.channel.Channel ch, io.netty.handler.ssl.SslHandler ssl, SessionImpl session) {
        TlsRuleConf.Rule rule = ch.attr(RULE).get();
        if (rule == null || !rule.clientAuth() || ssl == null) {
            return;
        }
        try {
            // REQUIRE with the CA as trust manager: a peer certificate present here was verified by the handshake
            if (ssl.engine().getSession().getPeerCertificates().length > 0) {
                session.clientAuthenticated(rule.clientCaName());
            }
        } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
            // no client certificate: not authenticated
        }
    }
}
