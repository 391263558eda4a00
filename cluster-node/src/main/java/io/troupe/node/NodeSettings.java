package io.troupe.node;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The validated {@code troupe.node.*} and {@code troupe.admin.*} settings of a cluster node.
 *
 * @param roles      {@code troupe.node.roles}: a subset of {@link #KNOWN_ROLES}
 * @param seeds      {@code troupe.node.seeds}: {@code host:port} of members to join; empty = join itself
 * @param hostname   {@code troupe.node.hostname}
 * @param port       {@code troupe.node.port} (0 = any free port)
 * @param systemName {@code troupe.node.system-name}
 * @param adminHost  {@code troupe.admin.host}
 * @param adminPort  {@code troupe.admin.port} (0 = any free port)
 * @param adminToken {@code troupe.admin.token}; empty = changing calls from loopback only
 * @param bootstrap  {@code troupe.cluster.bootstrap}: the discovery method of cluster bootstrap, or empty = off
 */
public record NodeSettings(
        Set<String> roles,
        List<String> seeds,
        String hostname,
        int port,
        String systemName,
        String adminHost,
        int adminPort,
        String adminToken,
        String bootstrap) {

    public static final Set<String> KNOWN_ROLES = Set.of(NodeRoles.WORKER, NodeRoles.PROXY);
    private static final Pattern HOST_PORT = Pattern.compile("[^\\s:/@]+:\\d{1,5}");
    private static final Pattern SYSTEM_NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_-]*");

    public NodeSettings {
        roles = Set.copyOf(roles);
        seeds = List.copyOf(seeds);
    }

    /** @throws IllegalArgumentException naming the key and the bad value */
    public static NodeSettings from(Config config) {
        try {
            Set<String> roles = new LinkedHashSet<>();
            for (String role : config.getStringList("troupe.node.roles")) {
                String trimmed = role.trim();
                if (trimmed.isEmpty()) {
                    continue;
                }
                if (!KNOWN_ROLES.contains(trimmed)) {
                    throw new IllegalArgumentException("troupe.node.roles (--roles): unknown role '" + trimmed
                            + "'; known roles: " + String.join(", ", KNOWN_ROLES.stream().sorted().toList()));
                }
                roles.add(trimmed);
            }
            List<String> seeds = new ArrayList<>();
            for (String seed : config.getStringList("troupe.node.seeds")) {
                seeds.add(hostPort("troupe.node.seeds (--seed)", seed.trim()));
            }
            String systemName = config.getString("troupe.node.system-name");
            if (!SYSTEM_NAME.matcher(systemName).matches()) {
                throw new IllegalArgumentException("troupe.node.system-name: '" + systemName
                        + "' is not a valid cluster name (letters, digits, '-' and '_')");
            }
            String bootstrap = config.getString("troupe.cluster.bootstrap").trim();
            if (bootstrap.equals("off") || bootstrap.equals("false") || bootstrap.equals("no")) {
                bootstrap = "";
            }
            if (!bootstrap.isEmpty() && !seeds.isEmpty()) {
                throw new IllegalArgumentException("troupe.cluster.bootstrap = " + bootstrap + " and troupe.node.seeds "
                        + seeds + " both say how to join; set one of them");
            }
            return new NodeSettings(
                    roles,
                    seeds,
                    nonEmpty("troupe.node.hostname", config.getString("troupe.node.hostname")),
                    port("troupe.node.port (--port)", config.getInt("troupe.node.port")),
                    systemName,
                    nonEmpty("troupe.admin.host", config.getString("troupe.admin.host")),
                    port("troupe.admin.port (--admin)", config.getInt("troupe.admin.port")),
                    config.getString("troupe.admin.token").trim(),
                    bootstrap);
        } catch (ConfigException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** Checks {@code host:port} and returns it unchanged. */
    static String hostPort(String what, String value) {
        if (!HOST_PORT.matcher(value).matches()) {
            throw new IllegalArgumentException(what + ": '" + value + "' is not host:port");
        }
        port(what, Integer.parseInt(value.substring(value.lastIndexOf(':') + 1)));
        return value;
    }

    private static int port(String what, int port) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException(what + ": port " + port + " is outside 0..65535");
        }
        return port;
    }

    private static String nonEmpty(String what, String value) {
        if (value.isBlank()) {
            throw new IllegalArgumentException(what + " must not be empty");
        }
        return value.trim();
    }

    /** Whether cluster bootstrap (pekko-management) finds the cluster, instead of seeds or a self-join. */
    public boolean bootstraps() {
        return !bootstrap.isEmpty();
    }

    public boolean hasRole(String role) {
        return roles.contains(role);
    }
}
