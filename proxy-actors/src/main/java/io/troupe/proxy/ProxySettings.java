package io.troupe.proxy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import io.troupe.proxy.tls.TlsFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code troupe.proxy} settings, read once at start. A bad value fails with the config path named.
 *
 * @param certificates TLS certificates; relative files already resolved against the conf root
 * @param tlsFiles BFE's tls_conf files, or {@code null} when {@code tls.server-cert-conf} does not exist
 * @param tlsHandshakeTimeoutMs a client that has not finished the TLS handshake within this is closed
 * @param monitorIntervalSeconds the window of {@code proxy_state_diff} (BFE's MonitorInterval)
 * @param moduleWorkThreads threads of the module work pool ({@code FilterResult.blocking}); 0 = max(4, 2 x cores)
 * @param moduleWorkQueue module work waiting beyond the running ones; past it a request is answered 503
 * @param nameConf whether {@code server_data_conf/name_conf.data} is read (bfe.conf's empty NameConf turns it off)
 */
public record ProxySettings(String bind, int httpPort, int httpsPort, int eventLoops, boolean nativeTransport,
                            boolean h2c, int maxUriBytes, int maxHeaderBytes, long headerReadTimeoutMs,
                            long keepAliveTimeoutMs, int maxConnections, long drainTimeoutMs,
                            List<Certificate> certificates, List<String> modules, String layer4LoadBalancer,
                            TlsFiles tlsFiles, long tlsHandshakeTimeoutMs, int monitorIntervalSeconds,
                            int moduleWorkThreads, int moduleWorkQueue, boolean nameConf) {

    /** Most module work pool threads and queued pieces of work (the queue is allocated whole at start). */
    static final int MAX_MODULE_WORK_THREADS = 1024;
    static final int MAX_MODULE_WORK_QUEUE = 1 << 20;

    /** One certificate and the server names (SNI) it serves. */
    public record Certificate(List<String> serverNames, Path certFile, Path keyFile, Path keystore, String password) {}

    /** Where {@code troupe.proxy.<key>} was set: bfe.conf (when it sets the key), a HOCON file, or the defaults. */
    public static String origin(Config root, Path confRoot, String key) {
        return io.troupe.proxy.config.BfeConf.overlay(confRoot, root).withFallback(root)
                .getValue("troupe.proxy." + key).origin().description();
    }

    /**
     * Reads {@code troupe.proxy} from {@code root}; when {@code <confRoot>/bfe.conf} exists, the values it sets
     * (see docs/proxy.md, "bfe.conf") take precedence over HOCON.
     */
    public static ProxySettings from(Config root, Path confRoot) {
        Config c = io.troupe.proxy.config.BfeConf.overlay(confRoot, root).withFallback(root).getConfig("troupe.proxy");
        try {
            List<Certificate> certs = new ArrayList<>();
            int i = 0;
            for (Config cc : c.getConfigList("tls.certificates")) {
                String where = "troupe.proxy.tls.certificates[" + i++ + "]";
                List<String> names = cc.hasPath("server-names") ? cc.getStringList("server-names") : List.of();
                if (cc.hasPath("keystore")) {
                    certs.add(new Certificate(names, null, null, resolve(confRoot, cc.getString("keystore")),
                            cc.hasPath("password") ? cc.getString("password") : ""));
                } else if (cc.hasPath("cert-file") && cc.hasPath("key-file")) {
                    certs.add(new Certificate(names, resolve(confRoot, cc.getString("cert-file")),
                            resolve(confRoot, cc.getString("key-file")), null, null));
                } else {
                    throw new IllegalArgumentException(where + ": needs cert-file and key-file, or keystore");
                }
            }
            TlsFiles tlsFiles = null;
            Path certConf = resolve(confRoot, c.getString("tls.server-cert-conf"));
            if (!c.getString("tls.server-cert-conf").isEmpty() && Files.exists(certConf)) {
                if (!certs.isEmpty()) {
                    throw new IllegalArgumentException("proxy config: troupe.proxy.tls.certificates and "
                            + certConf + " (troupe.proxy.tls.server-cert-conf) are both set; use one");
                }
                tlsFiles = new TlsFiles(confRoot, certConf, resolve(confRoot, c.getString("tls.tls-rule-conf")),
                        resolve(confRoot, c.getString("tls.client-ca-base-dir")),
                        List.copyOf(c.getStringList("tls.cipher-suites")));
            }
            ProxySettings s = new ProxySettings(c.getString("bind"), c.getInt("http-port"), c.getInt("https-port"),
                    c.getInt("event-loops"), c.getBoolean("native-transport"), c.getBoolean("h2c"),
                    c.getInt("limits.max-uri-bytes"), c.getInt("limits.max-header-bytes"),
                    c.getDuration("limits.header-read-timeout").toMillis(),
                    c.getDuration("limits.keepalive-timeout").toMillis(), c.getInt("limits.max-connections"),
                    c.getDuration("limits.drain-timeout").toMillis(), List.copyOf(certs),
                    List.copyOf(c.getStringList("modules")), c.getString("layer4-load-balancer"), tlsFiles,
                    c.getDuration("tls.handshake-timeout").toMillis(),
                    (int) c.getDuration("monitor-interval").toSeconds(), c.getInt("module-work.threads"),
                    c.getInt("module-work.queue"), c.getBoolean("name-conf"));
            s.validate();
            return s;
        } catch (ConfigException e) {
            throw new IllegalArgumentException("proxy config: " + e.getMessage(), e);
        }
    }

    private static Path resolve(Path confRoot, String file) {
        Path p = Path.of(file);
        return p.isAbsolute() || confRoot == null ? p : confRoot.resolve(p);
    }

    private void validate() {
        check(httpPort >= -1 && httpPort <= 65535, "troupe.proxy.http-port", httpPort);
        check(httpsPort >= -1 && httpsPort <= 65535, "troupe.proxy.https-port", httpsPort);
        check(eventLoops >= 0, "troupe.proxy.event-loops", eventLoops);
        check(maxUriBytes >= 64, "troupe.proxy.limits.max-uri-bytes", maxUriBytes);
        check(maxHeaderBytes >= 1024, "troupe.proxy.limits.max-header-bytes", maxHeaderBytes);
        check(headerReadTimeoutMs > 0, "troupe.proxy.limits.header-read-timeout", headerReadTimeoutMs);
        check(keepAliveTimeoutMs > 0, "troupe.proxy.limits.keepalive-timeout", keepAliveTimeoutMs);
        check(maxConnections > 0, "troupe.proxy.limits.max-connections", maxConnections);
        if (!layer4LoadBalancer.equals("NONE") && !layer4LoadBalancer.equals("PROXY")) {
            throw new IllegalArgumentException("proxy config: troupe.proxy.layer4-load-balancer = \"" + layer4LoadBalancer
                    + "\" is not supported (NONE or PROXY, as BFE's Layer4LoadBalancer)");
        }
        check(monitorIntervalSeconds > 0, "troupe.proxy.monitor-interval", monitorIntervalSeconds);
        check(tlsHandshakeTimeoutMs > 0, "troupe.proxy.tls.handshake-timeout", tlsHandshakeTimeoutMs);
        range("troupe.proxy.module-work.threads", moduleWorkThreads, 0, MAX_MODULE_WORK_THREADS,
                " (0 = max(4, 2 x cores))");
        range("troupe.proxy.module-work.queue", moduleWorkQueue, 1, MAX_MODULE_WORK_QUEUE, "");
    }

    private static void range(String path, int value, int min, int max, String note) {
        if (value < min || value > max) {
            throw new IllegalArgumentException("proxy config: " + path + " = " + value + " is out of range, "
                    + min + ".." + max + note);
        }
    }

    private static void check(boolean ok, String path, long value) {
        if (!ok) {
            throw new IllegalArgumentException("proxy config: " + path + " = " + value + " is out of range");
        }
    }

    /** Whether listeners accept a PROXY protocol (v1 or v2) header ({@code layer4-load-balancer = PROXY}). */
    public boolean proxyProtocol() {
        return layer4LoadBalancer.equals("PROXY");
    }

    /** Threads of the module work pool: the setting, or max(4, 2 x cores) (bcrypt is CPU work; more only queue it). */
    public int effectiveModuleWorkThreads() {
        return moduleWorkThreads > 0 ? moduleWorkThreads : Math.max(4, 2 * Runtime.getRuntime().availableProcessors());
    }

    /** Event loops to start: the setting, or one per core. */
    public int effectiveEventLoops() {
        return eventLoops > 0 ? eventLoops : Runtime.getRuntime().availableProcessors();
    }
}
