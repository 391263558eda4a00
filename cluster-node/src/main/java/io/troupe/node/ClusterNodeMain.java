package io.troupe.node;

import com.typesafe.config.Config;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import sun.misc.Signal;

/** {@code bin/cluster-node}: starts one Troupe cluster node and runs it until a signal or downing stops it. */
@Command(name = "cluster-node", mixinStandardHelpOptions = true, sortOptions = false,
        versionProvider = ClusterNodeMain.Version.class,
        description = {"Starts a Troupe cluster node. With no flags: a single-node cluster with roles worker,proxy,",
                "cluster port 7355 and the admin API on 127.0.0.1:8421, configured from conf/cluster-node.conf.",
                "Flags override the file; see docs/configuration.md."})
public final class ClusterNodeMain implements Callable<Integer> {

    @Option(names = "--conf", paramLabel = "DIR",
            description = "config directory holding cluster-node.conf (default: the distribution's conf/)")
    private Path confDir;

    @Option(names = "--roles", split = ",", paramLabel = "ROLE",
            description = "comma-separated roles: worker, proxy; '' for none (troupe.node.roles)")
    private List<String> roles;

    @Option(names = "--seed", paramLabel = "HOST:PORT",
            description = "a member to join; repeat for several; none = form a single-node cluster (troupe.node.seeds)")
    private List<String> seeds;

    @Option(names = "--host", paramLabel = "HOST", description = "address other members reach this node on (troupe.node.hostname)")
    private String host;

    @Option(names = "--port", paramLabel = "N", description = "cluster (Artery TCP) port, 0 = any free (troupe.node.port)")
    private Integer port;

    @Option(names = "--admin", paramLabel = "HOST:PORT", description = "admin HTTP address (troupe.admin.host/port)")
    private String admin;

    @Option(names = "--tls-dir", paramLabel = "DIR",
            description = "cluster TLS with mutual authentication from DIR/tls.key, tls.crt, ca.crt (troupe.cluster.tls.dir)")
    private Path tlsDir;

    public static void main(String[] args) {
        io.troupe.booster.cli.BoosterCli.useVforkLaunch(); // a worker starts a process per sub-work
        System.exit(new CommandLine(new ClusterNodeMain()).execute(args));
    }

    @Override
    public Integer call() {
        Config config;
        TroupeNode node;
        try {
            Path dir = confDir != null ? confDir : defaultConfDir();
            // a BFE conf directory (bfe.conf, no cluster-node.conf) runs on the built-in defaults plus its bfe.conf
            boolean required = confDir != null && !Files.exists(dir.resolve("bfe.conf"));
            config = NodeConfig.load(dir.resolve(NodeConfig.FILE_NAME), required, flags());
            node = TroupeNode.start(config, dir);
        } catch (IllegalArgumentException | IllegalStateException e) {
            System.err.println("cluster-node: " + e.getMessage());
            return 2;
        } catch (RuntimeException e) {
            System.err.println("cluster-node: could not start: " + e);
            return 1;
        }
        for (String signal : List.of("TERM", "INT")) {
            // Handled here rather than by the JVM's shutdown hook so a graceful leave exits 0, not 143.
            Signal.handle(new Signal(signal), s -> node.shutdown(new TroupeNode.SignalReason("SIG" + signal)));
        }
        System.out.println("cluster-node started: member " + node.system().address()
                + ", admin http://" + node.adminAddress().getHostString() + ":" + node.adminAddress().getPort()
                + node.proxy().map(p -> ", proxy http port " + p.httpPort()).orElse(""));
        return node.awaitExitCode();
    }

    private Map<String, Object> flags() {
        Map<String, Object> flags = new LinkedHashMap<>();
        if (roles != null) {
            flags.put("troupe.node.roles", roles.stream().map(String::trim).filter(r -> !r.isEmpty()).toList());
        }
        if (seeds != null) {
            flags.put("troupe.node.seeds", seeds);
        }
        if (host != null) {
            flags.put("troupe.node.hostname", host);
        }
        if (port != null) {
            flags.put("troupe.node.port", port);
        }
        if (tlsDir != null) {
            flags.put("troupe.cluster.tls.dir", tlsDir.toAbsolutePath().toString());
        }
        if (admin != null) {
            String hostPort = NodeSettings.hostPort("--admin", admin.trim());
            int colon = hostPort.lastIndexOf(':');
            flags.put("troupe.admin.host", hostPort.substring(0, colon));
            flags.put("troupe.admin.port", Integer.parseInt(hostPort.substring(colon + 1)));
        }
        return flags;
    }

    /** {@code -Dtroupe.conf.dir}, else {@code <troupe.home>/conf}, else {@code ./conf}. */
    private static Path defaultConfDir() {
        String explicit = System.getProperty("troupe.conf.dir");
        if (explicit != null && !explicit.isBlank()) {
            return Path.of(explicit);
        }
        String home = System.getProperty("troupe.home");
        if (home != null && Files.isDirectory(Path.of(home, "conf"))) {
            return Path.of(home, "conf");
        }
        return Path.of("conf");
    }

    /** The version from the jar manifest, or "development build". */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return io.troupe.booster.cli.BoosterCli.versionLines("Troupe cluster-node", ClusterNodeMain.class);
        }
    }
}
