package io.troupe.booster.transport;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueFactory;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster transport of every Troupe member (cluster nodes and boosters alike): plain Artery TCP, or Artery
 * TLS with mutual authentication when {@code troupe.cluster.tls.dir} names a directory laid out like a
 * Kubernetes TLS secret ({@code tls.key}, {@code tls.crt}, {@code ca.crt}). Every member of one cluster must
 * use the same transport: a TLS member and a plain one cannot talk.
 */
public final class ClusterTransport {
    /** The config key naming the key-material directory; empty = plain TCP. */
    public static final String TLS_DIR = "troupe.cluster.tls.dir";
    /** The files in that directory, named as in a Kubernetes {@code kubernetes.io/tls} secret plus its CA. */
    public static final List<String> TLS_FILES = List.of("tls.key", "tls.crt", "ca.crt");

    /** Looked up on first use: {@link #check} runs before the booster starts its command, logging (≈ 0.1 s) after. */
    private static Logger log() {
        return LoggerFactory.getLogger(ClusterTransport.class);
    }
    private static final String ROTATING = "org.apache.pekko.remote.artery.tcp.ssl.RotatingKeysSSLEngineProvider";
    private static final String ENGINE = "pekko.remote.artery.ssl.rotating-keys-engine.";

    private ClusterTransport() {}

    /**
     * Returns {@code config} with the Artery transport keys this member needs: {@code tls-tcp} with the
     * rotating-keys engine reading the PEM files of {@code troupe.cluster.tls.dir}, or unchanged (plain
     * {@code tcp}) when that key is empty. Logs a warning when a plain member listens on a non-loopback address.
     *
     * @param who what reads the setting, for messages (e.g. "--tls-dir" or "--cluster_tls_dir")
     * @throws IllegalArgumentException naming the key, the directory and the missing or unreadable file
     */
    public static Config configure(Config config, String who) {
        Optional<Path> dir = tlsDir(config, who);
        if (dir.isEmpty()) {
            plainWarning(config).ifPresent(warning -> log().warn(warning));
            return config;
        }
        Path d = dir.get();
        return config
                .withValue("pekko.remote.artery.transport", ConfigValueFactory.fromAnyRef("tls-tcp"))
                .withValue("pekko.remote.artery.ssl.ssl-engine-provider", ConfigValueFactory.fromAnyRef(ROTATING))
                .withValue(ENGINE + "key-file", ConfigValueFactory.fromAnyRef(d.resolve("tls.key").toString()))
                .withValue(ENGINE + "cert-file", ConfigValueFactory.fromAnyRef(d.resolve("tls.crt").toString()))
                .withValue(ENGINE + "ca-cert-file", ConfigValueFactory.fromAnyRef(d.resolve("ca.crt").toString()));
    }

    /**
     * Checks the TLS settings {@link #configure} would apply, without applying or logging anything: the booster
     * checks them before it starts the work command, and configures its actor system after.
     *
     * @throws IllegalArgumentException naming what is missing
     */
    public static void check(Config config, String who) {
        tlsDir(config, who);
    }

    /** Whether {@code config} (after {@link #configure}) turns TLS on. */
    public static boolean tls(Config config) {
        return config.hasPath("pekko.remote.artery.transport")
                && config.getString("pekko.remote.artery.transport").equals("tls-tcp");
    }

    /**
     * The key-material directory, checked: it exists and holds readable {@link #TLS_FILES}.
     *
     * @throws IllegalArgumentException naming what is missing
     */
    static Optional<Path> tlsDir(Config config, String who) {
        String value = config.hasPath(TLS_DIR) ? config.getString(TLS_DIR).trim() : "";
        if (value.isEmpty()) {
            return Optional.empty();
        }
        Path dir = Path.of(value).toAbsolutePath();
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException(TLS_DIR + " (" + who + "): " + dir + " is not a directory");
        }
        for (String name : TLS_FILES) {
            Path file = dir.resolve(name);
            if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
                throw new IllegalArgumentException(TLS_DIR + " (" + who + "): " + file
                        + " is missing or unreadable; the directory needs " + String.join(", ", TLS_FILES)
                        + " (PEM, see docs/operations.md)");
            }
        }
        return Optional.of(dir);
    }

    /**
     * The warning for a plain-TCP member whose cluster port listens beyond loopback, where anyone who reaches
     * it could join; empty when TLS is on or the port is on loopback.
     */
    public static Optional<String> plainWarning(Config config) {
        if (tls(config)) {
            return Optional.empty();
        }
        String canonical = string(config, "pekko.remote.artery.canonical.hostname");
        String bind = string(config, "pekko.remote.artery.bind.hostname");
        String listen = bind.isEmpty() ? canonical : bind;
        if (listen.isEmpty() || loopback(listen)) {
            return Optional.empty();
        }
        return Optional.of("cluster port listens on " + listen + " over plain TCP without authentication: anyone"
                + " who reaches it can join the cluster and run sub-works. Set " + TLS_DIR
                + " (docs/operations.md, \"Cluster TLS\") or bind to 127.0.0.1");
    }

    private static String string(Config config, String path) {
        return config.hasPath(path) ? config.getString(path).trim() : "";
    }

    private static boolean loopback(String host) {
        if (host.equals("localhost")) {
            return true;
        }
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
