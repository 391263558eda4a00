package io.troupe.proxy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import io.troupe.module.web.WebHandlerRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Runs the proxy alone, without the cluster node (benchmarks, the streaming test, trying out a config).
 * Other settings come from {@code -Dtroupe.proxy.*} system properties. Prints {@code PROXY_HTTP_PORT=<port>}
 * once listening; stops cleanly (draining) on SIGTERM.
 */
@Command(name = "ProxyMain", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Runs the Troupe proxy alone, configured from DIR's BFE-format files and -Dtroupe.proxy.*",
                "system properties (see docs/proxy.md). Prints PROXY_HTTP_PORT=<port> and PROXY_HTTPS_PORT=<port>."})
public final class ProxyMain implements Callable<Integer> {

    @Option(names = "--conf", paramLabel = "DIR", defaultValue = "conf",
            description = "directory holding the proxy's conf files (default: ${DEFAULT-VALUE})")
    private Path conf;

    @Option(names = "--http-port", paramLabel = "N", description = "plain listener port, 0 = any free, -1 = off (troupe.proxy.http-port)")
    private Integer httpPort;

    @Option(names = "--https-port", paramLabel = "N", description = "TLS listener port, 0 = any free, -1 = off (troupe.proxy.https-port)")
    private Integer httpsPort;

    public static void main(String[] args) {
        System.exit(new CommandLine(new ProxyMain()).execute(args));
    }

    @Override
    public Integer call() {
        if (!Files.isDirectory(conf)) {
            System.err.println("--conf " + conf + ": not a directory");
            return 2;
        }
        Config overrides = ConfigFactory.empty();
        if (httpPort != null) {
            overrides = overrides.withValue("troupe.proxy.http-port", ConfigValueFactory.fromAnyRef(httpPort));
        }
        if (httpsPort != null) {
            overrides = overrides.withValue("troupe.proxy.https-port", ConfigValueFactory.fromAnyRef(httpsPort));
        }
        ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "troupe-proxy",
                overrides.withFallback(ConfigFactory.load()));
        try {
            ProxyRuntime rt = ProxyRuntime.start(system, conf, new WebHandlerRegistry());
            System.out.println("PROXY_HTTP_PORT=" + rt.httpPort());
            System.out.println("PROXY_HTTPS_PORT=" + rt.httpsPort());
            System.out.flush();
        } catch (Exception e) {
            System.err.println("proxy failed to start: " + e.getMessage());
            system.terminate();
            return 1;
        }
        system.getWhenTerminated().toCompletableFuture().join();
        return 0;
    }
}
