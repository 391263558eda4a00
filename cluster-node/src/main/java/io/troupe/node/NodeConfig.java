package io.troupe.node;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigValueFactory;
import io.troupe.booster.transport.ClusterTransport;
import io.troupe.booster.worker.WorkerDrain;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Builds a node's configuration from its layers, lowest first: every library's {@code reference.conf}
 * (cluster-node's defines {@code troupe.*}), {@code troupe-node-defaults.conf} (Pekko/Kamon settings a node
 * needs), {@code <conf>/cluster-node.conf}, {@code -D} system properties, then command-line flags.
 * The {@code troupe.node.*} keys are then copied to the Pekko keys they stand for, and
 * {@code troupe.cluster.tls.dir} turns on Artery TLS ({@link ClusterTransport}).
 */
public final class NodeConfig {
    public static final String FILE_NAME = "cluster-node.conf";

    private NodeConfig() {}

    /**
     * @param confFile {@code <conf>/cluster-node.conf}; {@code null} or missing with {@code required=false}
     *                 means built-in defaults only
     * @param flags    overrides from the command line, as HOCON paths
     * @throws IllegalArgumentException naming the file (and line) or key that is wrong
     */
    public static Config load(Path confFile, boolean required, Map<String, ?> flags) {
        Config file = ConfigFactory.empty();
        if (confFile != null && (required || Files.exists(confFile))) {
            if (!Files.isRegularFile(confFile)) {
                throw new IllegalArgumentException("config file " + confFile + " does not exist");
            }
            try {
                file = ConfigFactory.parseFile(confFile.toFile(), ConfigParseOptions.defaults().setAllowMissing(false));
            } catch (ConfigException e) {
                throw new IllegalArgumentException("config file " + confFile + ": " + e.getMessage(), e);
            }
        }
        Config defaults = ConfigFactory.parseResources(NodeConfig.class.getClassLoader(), "troupe-node-defaults.conf",
                ConfigParseOptions.defaults().setAllowMissing(false));
        Config layered = ConfigFactory.parseMap(flags, "command-line flags")
                .withFallback(ConfigFactory.systemProperties())
                .withFallback(file)
                .withFallback(defaults)
                .withFallback(ConfigFactory.defaultReference());
        try {
            layered = layered.resolve();
        } catch (ConfigException e) {
            throw new IllegalArgumentException("configuration (" + describe(confFile) + "): " + e.getMessage(), e);
        }
        return derivePekkoKeys(layered);
    }

    /** Built-in defaults plus {@code overrides}; what tests and embedded nodes use. */
    public static Config withOverrides(Map<String, ?> overrides) {
        return load(null, false, overrides);
    }

    private static Config derivePekkoKeys(Config config) {
        NodeSettings settings = NodeSettings.from(config);
        List<String> seedAddresses = settings.seeds().stream()
                .map(seed -> "pekko://" + settings.systemName() + "@" + seed)
                .toList();
        if (settings.bootstraps()) {
            config = config.withValue("pekko.management.cluster.bootstrap.contact-point-discovery.discovery-method",
                    ConfigValueFactory.fromAnyRef(settings.bootstrap()));
        }
        config = config
                .withValue("pekko.cluster.roles", ConfigValueFactory.fromIterable(clusterRoles(config, settings)))
                .withValue("pekko.cluster.seed-nodes", ConfigValueFactory.fromIterable(seedAddresses))
                .withValue("pekko.remote.artery.canonical.hostname", ConfigValueFactory.fromAnyRef(settings.hostname()))
                .withValue("pekko.remote.artery.canonical.port", ConfigValueFactory.fromAnyRef(settings.port()));
        // a worker's drain runs in a shutdown phase whose timeout must outlast troupe.worker.drain-timeout
        config = WorkerDrain.withPhaseTimeout(config);
        // TLS from troupe.cluster.tls.dir; a plain node listening beyond loopback is warned about here
        return ClusterTransport.configure(config, "--tls-dir");
    }

    /** The node's roles plus the split-brain resolver's counting role (troupe-node-defaults.conf), if set. */
    private static List<String> clusterRoles(Config config, NodeSettings settings) {
        List<String> roles = new java.util.ArrayList<>(settings.roles());
        String sbrRole = config.getString(SBR_ROLE_KEY);
        if (!sbrRole.isBlank() && !roles.contains(sbrRole)) {
            roles.add(sbrRole);
        }
        return roles;
    }

    /** Members with this role are the ones counted by keep-majority. */
    public static final String SBR_ROLE_KEY = "pekko.cluster.split-brain-resolver.keep-majority.role";

    private static String describe(Path confFile) {
        return confFile == null ? "built-in defaults" : confFile.toString();
    }
}
